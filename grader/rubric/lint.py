"""Lint rules over a loaded rubric: things that are valid but probably not what the course meant.

Each rule is a function ``(rubric, source) -> findings`` in :data:`RULES`; ``source`` is
the rubric's YAML with the line of every key, so each finding points at a line. A rule
returns warnings (``grade check`` reports them and still passes) or errors (it fails); add a
rule by appending a function here. Rules that need graded samples live in ``grader.selftest``.
"""

from __future__ import annotations

from typing import Callable, Iterable, Iterator

from ..results import LintFinding
from .coverage import coverage_gaps
from .errors import KeyPath, format_key_path
from .model import CallTarget, CheckedPart, ReferenceCheck, Rubric
from .yaml_source import YamlSource

LintRule = Callable[[Rubric, YamlSource], Iterable[LintFinding]]


def lint(rubric: Rubric, source: YamlSource) -> list[LintFinding]:
    """Every rule's findings, in rule order."""
    return [finding for rule in RULES for finding in rule(rubric, source)]


def finding(rule: str, message: str, source: YamlSource, path: KeyPath, severity: str = "warning") -> LintFinding:
    """A finding located at ``path`` in the rubric's YAML."""
    return LintFinding(rule, severity, message, str(source.file), source.line_of(path), format_key_path(path))


def unused_dimensions(rubric: Rubric, source: YamlSource) -> Iterator[LintFinding]:
    """A dimension no shape uses: a typo in a shape, or a leftover."""
    used: set[str] = set()
    for function in rubric.functions.values():
        for spec in (*function.params, *function.returns):
            used |= spec.shape.names()
    for constant in rubric.constants.values():
        used |= constant.shape.names()
    for name in rubric.dimensions:
        if name not in used:
            yield finding("unused-dimension", f"dimension '{name}' is used by no shape in the interface", source,
                          ("dimensions", name))


def parts_without_reference(rubric: Rubric, source: YamlSource) -> Iterator[LintFinding]:
    """A checked part never compared with the reference checks one case at most: a hard-coded answer passes.

    A public rubric has no reference; a constant cannot be compared with one; claims check the student's own
    functions by design."""
    if rubric.public:
        return
    for qi, question in enumerate(rubric.questions):
        for pi, part in enumerate(question.parts):
            if isinstance(part, CheckedPart) and isinstance(part.target, CallTarget) \
                    and not any(isinstance(c, ReferenceCheck) for c in part.checks):
                yield finding("no-reference-comparison",
                              f"part {question.id}/{part.id} is never compared with the reference: a hard-coded "
                              "answer passes it (add `- reference: {}` to compare on random cases)",
                              source, ("questions", qi, "parts", pi))


def functions_never_compared(rubric: Rubric, source: YamlSource) -> Iterator[LintFinding]:
    """An error: a declared function (or one of its outputs) no part compares with the reference on random cases
    can be wrong wherever the rubric does not look (see :mod:`.coverage`)."""
    if rubric.public:
        return
    for gap in coverage_gaps(rubric):
        yield finding("reference-coverage", gap.message, source, gap.key_path, severity="error")


RULES: list[LintRule] = [unused_dimensions, parts_without_reference, functions_never_compared]
