"""A course repo's self-test: every rubric is valid, its reference gets full marks, and every
sample submission gets exactly the per-part scores its ``expected.yaml`` declares.

A gate that can be green while checking nothing is worse than none, so nothing is
skipped quietly. Every sample in a rubric's samples folder (a top-level ``.py`` file, or
a folder for a sample of several files, whose modules are not samples themselves) must
be declared in ``expected.yaml``; an undeclared or a missing sample fails the check. A
rubric without a samples folder, without ``expected.yaml`` (or with one spelled
``expected.yml``) or declaring no sample is reported: a warning, an error under
``strict`` (CI uses it). Lint rules (``grader.rubric.lint``, and here the rule that
needs graded samples: a part no sample ever loses points on) add warnings. A public
rubric (``grade publish``) has no reference and no samples: it is validated and linted.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator

from .api import Grader
from .results import CouldNotGrade, GradeResult, LintFinding, RubricCheck, SampleCheck
from .rubric.errors import KeyPath, RubricError
from .rubric.lint import finding, lint
from .rubric.model import Rubric
from .rubric.yaml_source import YamlSource, read_yaml
from .submissions import SubmissionError

EXPECTATIONS = "expected.yaml"
RUBRIC_SUFFIXES = (".yaml", ".yml")
_SCORE_TOLERANCE = 0.005
_NOT_SAMPLES = {"__pycache__", "__init__.py", ".ipynb_checkpoints", "node_modules"}
_EXPECTATION_KEYS = {"scores", "diagnoses", "entry"}


@dataclass(frozen=True)
class Expectation:
    """What one sample must score: parts not listed get full marks, or ``scores["*"]`` when given."""

    sample: Path
    scores: dict[str, float]
    diagnoses: dict[str, str]
    name: str = ""  # the sample's key in expected.yaml
    entry: str | None = None  # a folder sample's module to grade
    line: int | None = None  # the sample's line in expected.yaml


def find_rubrics(paths: list[Path]) -> list[Path]:
    """Rubric files named directly, or every ``*.yaml``/``*.yml`` directly inside a named folder."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.iterdir() if p.suffix in RUBRIC_SUFFIXES and p.is_file()))
        else:
            found.append(path)
    return found


def check_rubric(path: Path, strict: bool = False,
                 progress: Callable[[SampleCheck], None] = lambda outcome: None) -> RubricCheck:
    """Load, lint and grade one rubric: its reference and every declared sample (see the module docstring)."""
    try:
        with Grader(path) as grader:
            rubric = grader.rubric
            source = read_yaml(rubric.path)
            findings = lint(rubric, source)
            if rubric.public:
                return RubricCheck(rubric.name, str(path), rubric.title, (), tuple(findings), public=True)
            expectations, sample_findings = _expectations(rubric, strict)
            findings += sample_findings
            subjects = [Expectation(rubric.reference, {}, {}, "(reference)"), *expectations]
            checks, results = [], []
            for expectation in subjects:
                check, result = _check_sample(grader, rubric, expectation)
                progress(check)
                checks.append(check)
                if result is not None and expectation.name != "(reference)":
                    results.append(result)
            if expectations:
                findings += _no_control(rubric, source, results)
            return RubricCheck(rubric.name, str(path), rubric.title, tuple(checks), tuple(findings))
    except RubricError as exc:
        return RubricCheck(Path(path).stem, str(path), error=str(exc))


# -- the samples folder -------------------------------------------------------------


def _expectations(rubric: Rubric, strict: bool) -> tuple[list[Expectation], list[LintFinding]]:
    """The declared samples, and every way the samples folder falls short of a trustworthy gate."""
    setup = "error" if strict else "warning"  # missing samples or expectations: an error under --strict
    folder = rubric.samples
    if folder is None:
        expected = (rubric.path.parent / "../sample_submissions" / rubric.name).resolve()
        return [], [LintFinding("no-samples-folder", setup, f"no samples folder: {expected} does not exist (or set "
                                f"'samples:'); without samples nothing shows the rubric grades mistakes right",
                                str(rubric.path))]
    misspelled = sorted(p.name for p in folder.iterdir() if p.is_file() and _looks_like_expectations(p.name))
    file = folder / EXPECTATIONS
    if not file.is_file():
        return [], [_no_expectations(folder, misspelled, setup)]
    found = [LintFinding("misspelled-expectations", setup, f"{name} is not read (only {EXPECTATIONS} is): "
                         f"merge it into {EXPECTATIONS}", str(folder / name)) for name in misspelled]
    expectations, problems = load_expectations(read_yaml(file, "expectations"))
    found += problems + _undeclared(folder, expectations)
    if not expectations and not problems:
        found.append(LintFinding("no-samples", setup, f"{file} declares no sample", str(file), 1))
    return expectations, found


def _no_expectations(folder: Path, misspelled: list[str], severity: str) -> LintFinding:
    if misspelled:
        return LintFinding("misspelled-expectations", severity, f"no {EXPECTATIONS} in {folder} "
                           f"({', '.join(misspelled)} is not read: name it {EXPECTATIONS})", str(folder / misspelled[0]))
    return LintFinding("no-expectations", severity, f"no {EXPECTATIONS} in {folder}: no sample is checked",
                       str(folder / EXPECTATIONS))


def _undeclared(folder: Path, expectations: list[Expectation]) -> list[LintFinding]:
    """A sample on disk that expected.yaml does not declare: an error, whatever ``strict`` says."""
    declared = {e.sample.resolve() for e in expectations}
    return [LintFinding("undeclared-sample", "error",
                        f"sample {sample.name} ({'folder' if sample.is_dir() else 'file'}) is not declared in "
                        f"{EXPECTATIONS}: declare its scores (`{sample.name}: {{}}` for full marks) or move it out "
                        f"of {folder}", str(sample))
            for sample in discover_samples(folder) if sample.resolve() not in declared]


def discover_samples(folder: Path) -> Iterator[Path]:
    """Every sample on disk: each top-level ``.py`` file and each folder (a sample of several files)."""
    for entry in sorted(folder.iterdir(), key=lambda p: p.name):
        if entry.name.startswith(".") or entry.name in _NOT_SAMPLES or os.path.islink(entry):
            continue
        if (entry.is_file() and entry.suffix == ".py") or entry.is_dir():
            yield entry


def _looks_like_expectations(name: str) -> bool:
    lowered = name.lower()
    return name != EXPECTATIONS and lowered.startswith("expect") and \
        lowered.rsplit(".", 1)[-1] in ("yaml", "yml", "json", "txt", "yaml~")


def load_expectations(source: YamlSource) -> tuple[list[Expectation], list[LintFinding]]:
    """The expectations in ``expected.yaml`` (read by :func:`read_yaml`), and the declarations that are wrong."""
    folder = source.file.parent
    raw = source.data or {}
    if not isinstance(raw, dict):
        raise RubricError(source.file, 1, (), "expected a mapping of sample file -> expectations")
    expectations, problems = [], []
    for name, spec in raw.items():
        spec = spec or {}
        line = source.line_of((name,))
        if not isinstance(spec, dict) or set(spec) - _EXPECTATION_KEYS:
            raise RubricError(source.file, line, (name,), "expected a mapping with 'scores', 'diagnoses' and, for a "
                                                          "folder, 'entry'")
        sample = folder / str(name).rstrip("/")
        if not (sample.is_file() or sample.is_dir()):
            problems.append(LintFinding("missing-sample", "error", f"declared sample {name} does not exist in {folder}",
                                        str(source.file), line, str(name)))
            continue
        scores = {str(k): float(v) for k, v in (spec.get("scores") or {}).items()}
        diagnoses = {str(k): str(v) for k, v in (spec.get("diagnoses") or {}).items()}
        entry = spec.get("entry")
        expectations.append(Expectation(sample, scores, diagnoses, str(name).rstrip("/"),
                                        str(entry) if entry is not None else None, line))
    return expectations, problems


# -- grading ---------------------------------------------------------------------------


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


def _check_sample(grader: Grader, rubric: Rubric, expectation: Expectation) -> tuple[SampleCheck, GradeResult | None]:
    file = str(expectation.sample) if expectation.name == "(reference)" else \
        str(expectation.sample.parent / EXPECTATIONS)
    try:
        result = grader.grade(expectation.sample, entry=expectation.entry, course_file=True)
    except SubmissionError as exc:  # a folder sample without a clear entry module, a link
        return SampleCheck(expectation.name, file, 0.0, rubric.points, (f"cannot be graded: {exc}",),
                           line=expectation.line), None
    if isinstance(result, CouldNotGrade):
        return SampleCheck(expectation.name, file, 0.0, rubric.points, could_not_grade=result.reason,
                           line=expectation.line), None
    mismatches = tuple(compare_with_expectation(result, expectation))
    return SampleCheck(expectation.name, file, result.score, result.max_score, mismatches,
                       line=expectation.line), result


def _no_control(rubric: Rubric, source: YamlSource, results: list[GradeResult]) -> list[LintFinding]:
    """A part on which no declared sample loses points: nothing shows that its checks can fail."""
    lost = {part.name for result in results for part in result.parts() if part.score < part.points - 1e-9}
    found = []
    for qi, question in enumerate(rubric.questions):
        for pi, part in enumerate(question.parts):
            name = f"{question.id}/{part.id}"
            if name not in lost:
                path: KeyPath = ("questions", qi, "parts", pi)
                found.append(finding("no-control", f"no declared sample loses points on part {name}: add a sample "
                                     "with the mistake it is meant to catch", source, path))
    return found
