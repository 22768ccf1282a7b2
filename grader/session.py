"""One submission's grading state: its cases and its cached student and reference answers.

Every check of every part asks the session; each student call runs once in the
sandbox and each reference value is computed once, here in the grader's process.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .cases import Case, named_case, random_case
from .checks.answers import Answer, select_output
from .reference import Reference, ReferenceImplementationError
from .rubric.model import Part, ReferenceCheck, Rubric, Target, ValueCheck
from .sandbox.runner import CallOutcome, SubmissionRunner


@dataclass
class Session:
    """Everything one submission's grading shares: cases, and cached student and reference answers."""

    rubric: Rubric
    reference: Reference
    runner: SubmissionRunner
    _cases: dict[tuple[str, str], Case] = field(default_factory=dict)
    _student: dict[tuple, Any] = field(default_factory=dict)
    _expected: dict[tuple, Any] = field(default_factory=dict)

    # -- cases ---------------------------------------------------------------

    def named(self, function: str, name: str) -> Case:
        key = (function, name)
        if key not in self._cases:
            self._cases[key] = named_case(self.rubric, self.rubric.functions[function], name)
        return self._cases[key]

    def random(self, function: str, count: int) -> list[Case]:
        cases = []
        for k in range(count):
            key = (function, f"random #{k + 1}")
            if key not in self._cases:
                self._cases[key] = random_case(self.rubric, self.rubric.functions[function], k)
            cases.append(self._cases[key])
        return cases

    def cases_for(self, part: Part) -> list[Case | None]:
        """Every case a part's checks use; ``[None]`` for a constant."""
        target = part.target
        if target.kind == "constant":
            return [None]
        names: list[str] = []
        random = 0
        for check in part.checks:
            if isinstance(check, ValueCheck) and check.case:
                names.append(check.case)
            if isinstance(check, ReferenceCheck):
                names.extend(check.cases)
                random = max(random, check.random)
        unique = list(dict.fromkeys(names))
        return [self.named(target.name, n) for n in unique] + self.random(target.name, random)

    # -- answers -------------------------------------------------------------

    def raw_student(self, function: str, case: Case) -> CallOutcome:
        """What the student's ``function`` returned (or raised) on ``case``; each call runs once."""
        key = (function, case.label)
        if key not in self._student:
            args = [case.args[p] for p in self.rubric.functions[function].param_names]
            self._student[key] = self.runner.call(function, args)
        return self._student[key]

    def student(self, target: Target, case: Case | None) -> Answer:
        """The array the student gives for ``target`` on ``case``, or why there is none."""
        if target.kind == "constant":
            key = ("constant", target.name)
            if key not in self._student:
                self._student[key] = self.runner.constant(target.name)
            outcome, function = self._student[key], None
        else:
            outcome, function = self.raw_student(target.name, case), self.rubric.functions[target.name]
        if not outcome.ok:
            return Answer(None, outcome.error.message, outcome.error.details)
        return select_output(outcome.value, function, target)

    def expected(self, target: Target, case: Case | None, function_name: str | None = None) -> np.ndarray:
        """The reference's value for ``target`` on ``case`` (or a declared mistake's, by ``function_name``)."""
        name = function_name or target.name
        key = (name, case.label if case else None)
        if key not in self._expected:
            if target.kind == "constant":
                self._expected[key] = self.reference.constant(name)
            else:
                args = [case.args[p] for p in self.rubric.functions[target.name].param_names]
                self._expected[key] = self.reference.call(name, args)
        function = self.rubric.functions.get(target.name) if target.kind == "call" else None
        answer = select_output(self._expected[key], function, target)
        if answer.value is None:
            raise ReferenceImplementationError(self.reference.path, None, (),
                                               f"{name}() on {key[1]}: {answer.problem}")
        return answer.value
