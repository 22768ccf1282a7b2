"""Gathering one submission's evidence: cases, the student's answers and the reference's.

For each function, the cases every part needs are generated once and sent to the
sandbox together (a few size-capped batches when the arrays are large); the
reference answers come from the trusted reference process, cached across
submissions. A part's evidence is handed on case by case, so a function with large
arrays never holds all its cases in memory at once. Nothing here judges anything.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Iterable, Iterator, Sequence

import numpy as np

from .answers import Answer, error_answer, select_output
from .cases import Case, CaseCache
from .checks.claims import ClaimPlan
from .checks.evidence import Observation
from .checks.explain import needs_variants, reproduces
from .checks.values import CasePlan, case_plan
from .reference import Reference
from .results import CheckResult
from .rubric.model import CallTarget, CheckedPart, Function, Rubric, Target
from .sandbox.runner import CallOutcome, SubmissionRunner

_CHUNK_BYTES = 2 << 20  # arguments gathered at once for one function: bounds the grader's memory


@dataclass(frozen=True)
class PartObservation:
    """One case's evidence for one part."""

    part: CheckedPart
    observation: Observation


class Session:
    """One submission's student answers, read against the reference, function by function.

    Without a reference (a public rubric) the expected values are None: checks that need them are not run."""

    def __init__(self, rubric: Rubric, reference: Reference | None, runner: SubmissionRunner,
                 cases: CaseCache | None = None) -> None:
        self.rubric = rubric
        self.reference = reference
        self.runner = runner
        self.cases = cases if cases is not None else CaseCache(rubric)

    def observe_function(self, function: Function, parts: Sequence[CheckedPart]) -> Iterator[PartObservation]:
        """Every case of every part that calls ``function``, in case order (named first, then random)."""
        plans = {id(part): case_plan(part) for part in parts}
        mistakes = list(dict.fromkeys(m.function for part in parts for m in part.mistakes))
        last: tuple[Case, CallOutcome, Any, dict] | None = None  # the last case, to call again right after
        variants: tuple | None = None  # (ids of the parts that got a wrong answer, mutants' answers per case)
        for chunk in _chunks(self._cases(function, list(plans.values()))):
            answers = self.reference.submit([function.name, *mistakes], chunk, function.param_names) \
                if self.reference is not None else None
            student = self.runner.call_many(function.name, [_positional(function, c) for c in chunk])
            expected, *mutant_values = answers.result() if answers is not None else [[None] * len(chunk)]
            observed = []
            for k, case in enumerate(chunk):
                mutants = {name: values[k] for name, values in zip(mistakes, mutant_values)}
                last = (case, student[k], expected[k], mutants)
                observed.append(list(self._observations(parts, plans, case, student[k], expected[k], mutants)))
            variants = self._variants(function, parts, plans, chunk, student, observed,
                                      variants[0] if variants is not None else frozenset())
            for k, items in enumerate(observed):
                yield from _with_variants(iter(items), function, variants, k)
        if last is not None:
            yield from _with_variants(self._again(function, parts, plans, *last), function, variants, -1)

    def _variants(self, function: Function, parts: Sequence[CheckedPart], plans: dict, chunk: list[Case],
                  student: list[CallOutcome], observed: list[list[PartObservation]],
                  wrong: frozenset[int]) -> tuple | None:
        """The automatic mutants' answers on ``chunk`` for the parts of ``function`` that got a wrong answer
        (``wrong``: the ids of those found on earlier chunks): (those parts' ids, one tuple of (MutantInfo, raw
        answer) per case), or None when every answer matched. Computed in the reference's trusted process and
        cached there (see checks.mutants and Reference.variant_outputs)."""
        if self.reference is None:
            return None
        wrong = wrong | {id(item.part) for items in observed for item in items
                         if needs_variants(item.part, item.observation.student_whole, item.observation.expected_whole)}
        if not wrong:
            return None
        from .checks.mutants import mutants_for  # only now: a correct submission never needs the mutation engine

        declared = frozenset(m.function for _, part in self.rubric.parts() if isinstance(part, CheckedPart)
                             for m in part.mistakes)
        found = list(mutants_for(self.reference.source, function.name, declared))
        wrong_parts = [part for part in parts if id(part) in wrong]
        probe = next((k for k, case in enumerate(chunk) if case.is_random), None)
        if probe is not None and all(plans[id(part)].needs(chunk[probe]) for part in wrong_parts):
            # a mutant named for a part gives its answer on every case: first try each on one random case
            found = [m for m in found if any(
                reproduces(_student_answer(student[probe], function, part.target.whole()),
                           select_output(value, function, part.target.whole()).value, m.info, part)
                for part in wrong_parts for value in self.reference.variant_outputs(
                    m.info.key, m.source, function.name, [chunk[probe]], function.param_names) if value is not None)]
        outputs = [self.reference.variant_outputs(m.info.key, m.source, function.name, chunk, function.param_names)
                   for m in found]
        return frozenset(wrong), [tuple((m.info, values[k]) for m, values in zip(found, outputs))
                                  for k in range(len(chunk))]

    def _again(self, function: Function, parts: Sequence[CheckedPart], plans: dict, case: Case,
               outcome: CallOutcome, expected_raw: Any, mutants: dict) -> Iterator[PartObservation]:
        """Call the last case once more, right after itself: a function that keeps state between calls
        (a module-level total, an accumulator reset only when the shapes change) answers differently."""
        (again,) = self.runner.call_many(function.name, [_positional(function, case)])
        repeat = replace(case, again=True)
        for item in self._observations(parts, plans, repeat, again, expected_raw, mutants):
            first = _student_answer(outcome, function, item.part.target)
            yield PartObservation(item.part, replace(item.observation, repeat_of=first))

    def _observations(self, parts: Sequence[CheckedPart], plans: dict, case: Case, student: CallOutcome,
                      expected_raw: Any, mutants: dict) -> Iterator[PartObservation]:
        for part in parts:
            if plans[id(part)].needs(case):
                yield PartObservation(part, self._observe(part, case, student, expected_raw, mutants))

    def observe_constant(self, part: CheckedPart) -> Observation:
        target = part.target
        expected = self.reference.constant(target.name) if self.reference is not None else None
        return self._observe(part, None, self.runner.constant(target.name), expected, {})

    def run_plan(self, plan: ClaimPlan) -> CheckResult:
        """Run a claim's calls round by round (the student's in the sandbox, the reference's in its
        process) and return its verdict."""
        try:
            request = next(plan)
            while True:
                if request.reference and self.reference is None and request.optional:
                    request = plan.send(None)  # a public rubric: the claim goes on without the answers
                    continue
                if request.reference and self.reference is None:  # a public rubric: no answers here
                    plan.close()
                    return CheckResult("reference", 0.0, 1.0, "graded after submission (compared with the course's "
                                       "reference implementation)", deferred=True)
                if request.reference:
                    values = self.reference.call_many(request.function.name, request.positional())
                    outcomes = [CallOutcome(value=v) for v in values]
                else:
                    outcomes = self.runner.call_many(request.function.name, request.positional())
                request = plan.send(outcomes)
        except StopIteration as done:
            return done.value

    # -- building the evidence ------------------------------------------------

    def _cases(self, function: Function, plans: list[CasePlan]) -> Iterator[Case]:
        """The function's cases, drawn one at a time (random case k is the same however it is drawn)."""
        names = list(dict.fromkeys(name for plan in plans for name in plan.named))
        for name in names:
            yield self.cases.named(function, name)
        for k in range(max((plan.random for plan in plans), default=0)):
            yield self.cases.random(function, k)
        for k in range(max((plan.edges for plan in plans), default=0)):
            yield self.cases.edge(function, k)

    def _observe(self, part: CheckedPart, case: Case | None, student: CallOutcome, expected_raw,
                 mutants_raw: dict) -> Observation:
        function = self.rubric.functions.get(part.target.name) if isinstance(part.target, CallTarget) else None
        target, whole = part.target, part.target.whole()
        student_whole = _student_answer(student, function, whole)
        student_value = student_whole if not target.index else _student_answer(student, function, target)
        expected_whole = self._expected(expected_raw, function, whole, case, target.name)
        expected = expected_whole if not target.index else self._expected(expected_raw, function, target, case,
                                                                           target.name)
        mutants = tuple((m, self._expected(mutants_raw[m.function], function, whole, case, m.function))
                        for m in part.mistakes)
        mutated = tuple(function.param_names[i] for i in student.mutated if function and i < len(function.params))
        return Observation(case, student_value, expected, student_whole, expected_whole, mutants, mutated)

    def _expected(self, raw, function: Function | None, target: Target, case: Case | None,
                  name: str) -> np.ndarray | None:
        if self.reference is None:
            return None
        answer = select_output(raw, function, target)
        if answer.value is None:
            where = case.label if case else None
            raise self.reference.fail(f"{name}() on {where}: {answer.problem}")
        return answer.value


def _with_variants(items: Iterator[PartObservation], function: Function, variants: tuple | None,
                   k: int) -> Iterator[PartObservation]:
    """The observations of the parts that got a wrong answer with each automatic mutant's whole output for the
    part on case ``k`` of the chunk (None where the mutant has none)."""
    for item in items:
        if variants is None or id(item.part) not in variants[0]:
            yield item
            continue
        whole = item.part.target.whole()
        values = tuple((info, select_output(value, function, whole).value if value is not None else None)
                       for info, value in variants[1][k])
        yield PartObservation(item.part, replace(item.observation, variants=values))


def _positional(function: Function, case: Case) -> list[np.ndarray]:
    return [case.args[p] for p in function.param_names]


def _student_answer(outcome: CallOutcome, function: Function | None, target: Target) -> Answer:
    if not outcome.ok:
        return error_answer(outcome.error.message, outcome.error.details)
    return select_output(outcome.value, function, target)


def _chunks(cases: Iterable[Case]) -> Iterator[list[Case]]:
    chunk: list[Case] = []
    size = 0
    for case in cases:
        nbytes = sum(np.asarray(a).nbytes for a in case.args.values())
        if chunk and size + nbytes > _CHUNK_BYTES:
            yield chunk
            chunk, size = [], 0
        chunk.append(case)
        size += nbytes
    if chunk:
        yield chunk

