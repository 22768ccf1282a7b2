"""A course repo's self-test: every rubric is valid, its reference gets full marks, and every
sample submission gets exactly the per-part scores its ``expected.yaml`` declares."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from .api import Grader
from .results import CouldNotGrade, GradeResult
from .rubric.errors import RubricError
from .rubric.model import Rubric
from .rubric.yaml_source import read_yaml

EXPECTATIONS = "expected.yaml"
_SCORE_TOLERANCE = 0.005


@dataclass(frozen=True)
class Expectation:
    """What one sample must score: parts not listed get full marks, or ``scores["*"]`` when given."""

    sample: Path
    scores: dict[str, float]
    diagnoses: dict[str, str]


@dataclass(frozen=True)
class SampleOutcome:
    rubric: str
    sample: str
    score: float
    max_score: float
    mismatches: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.mismatches


def find_rubrics(paths: list[Path]) -> list[Path]:
    """Rubric files named directly, or every ``*.yaml`` directly inside a named folder."""
    found: list[Path] = []
    for path in paths:
        found.extend(sorted(path.glob("*.yaml")) if path.is_dir() else [path])
    return found


def load_expectations(folder: Path) -> list[Expectation]:
    file = folder / EXPECTATIONS
    raw = read_yaml(file, "expectations").data or {}
    if not isinstance(raw, dict):
        raise RubricError(file, 1, (), "expected a mapping of sample file -> expectations")
    expectations = []
    for name, spec in raw.items():
        spec = spec or {}
        if not isinstance(spec, dict) or set(spec) - {"scores", "diagnoses"}:
            raise RubricError(file, None, (name,), "expected a mapping with 'scores' and/or 'diagnoses'")
        sample = folder / name
        if not sample.is_file():
            raise RubricError(file, None, (name,), f"no such sample: {sample}")
        scores = {str(k): float(v) for k, v in (spec.get("scores") or {}).items()}
        diagnoses = {str(k): str(v) for k, v in (spec.get("diagnoses") or {}).items()}
        expectations.append(Expectation(sample, scores, diagnoses))
    return expectations


def compare_with_expectation(result: GradeResult, expectation: Expectation) -> list[str]:
    """Every way ``result`` differs from what the sample declares."""
    mismatches = []
    parts = {part.name: part for part in result.parts()}
    for key in list(expectation.scores) + list(expectation.diagnoses):
        if key not in parts and key != "*":
            mismatches.append(f"{key}: no such part in the rubric")
    for name, part in parts.items():
        wanted = expectation.scores.get(name, expectation.scores.get("*", part.points))
        if abs(part.score - wanted) > _SCORE_TOLERANCE:
            why = "; ".join(map(str, part.reasons()[:2])) or "full marks"
            mismatches.append(f"{name}: scored {part.score:g}, expected {wanted:g} ({why})")
    for name, kind in expectation.diagnoses.items():
        part = parts.get(name)
        if part is not None:
            found = list(part.diagnoses)
            if kind not in found:
                mismatches.append(f"{name}: diagnosis {', '.join(found) or 'none'}, expected {kind}")
    return mismatches


def check_rubric(path: Path, progress: Callable[[SampleOutcome], None] = lambda outcome: None) -> list[SampleOutcome]:
    """Grade the reference and every declared sample of one rubric."""
    with Grader(path) as grader:
        rubric = grader.rubric
        subjects = [Expectation(rubric.reference, {}, {})]
        if rubric.samples is not None and (rubric.samples / EXPECTATIONS).is_file():
            subjects += load_expectations(rubric.samples)
        outcomes = []
        for expectation in subjects:
            outcome = _check_sample(grader, rubric, expectation)
            progress(outcome)
            outcomes.append(outcome)
    return outcomes


def _check_sample(grader: Grader, rubric: Rubric, expectation: Expectation) -> SampleOutcome:
    result = grader.grade(expectation.sample, course_file=True)
    label = _label(expectation.sample, rubric)
    if isinstance(result, CouldNotGrade):
        return SampleOutcome(rubric.name, label, 0.0, rubric.points, (result.reason,))
    mismatches = tuple(compare_with_expectation(result, expectation))
    return SampleOutcome(rubric.name, label, result.score, result.max_score, mismatches)


def _label(sample: Path, rubric: Rubric) -> str:
    return "(reference)" if sample == rubric.reference else sample.name
