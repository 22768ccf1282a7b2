"""The course's reference implementation, run in a trusted child process, its answers cached.

The grader never executes the reference in its own process: a reference that loops,
calls ``exit()`` or crashes would otherwise hang or end the grader (and a CI gate
would read exit 0). It runs through the same protocol as a student's worker, without
the sandbox, with a per-call time limit; anything going wrong there is the rubric's
fault (:class:`ReferenceImplementationError`, exit 2), never the student's. Answers
are cached by (function, case), so a batch computes each reference value once.
"""

from __future__ import annotations

from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Sequence

import numpy as np

from .cases import Case
from .rubric.errors import RubricError
from .rubric.model import CheckedPart, Rubric
from .sandbox.limits import Limits
from .sandbox.runner import CallOutcome, SubmissionRunner
from .sandbox.slots import Launcher, SubmissionFiles
from .sandbox.trusted import TrustedLauncher

_CACHE_BYTES = 8 << 20  # answers kept for the next submission; large cases are recomputed instead
_VARIANT_CACHE_BYTES = 32 << 20  # answers of the automatic mutants kept for the next submission
_MIN_CALL_SECONDS = 10.0


class ReferenceImplementationError(RubricError):
    """The reference implementation is missing something, raised, hung or exited: the rubric's fault."""


class Reference:
    """Answers of the reference implementation (and of the rubric's declared mistakes) on given cases."""

    def __init__(self, rubric: Rubric, launcher: Launcher | None = None) -> None:
        self.path = rubric.reference
        try:
            source = self.path.read_bytes()
        except OSError as exc:
            raise ReferenceImplementationError(self.path, None, (), f"cannot read reference: {exc.strerror}") from None
        call_seconds = max(_MIN_CALL_SECONDS, 5 * rubric.defaults.call_timeout)
        limits = Limits(call_timeout=call_seconds, import_timeout=max(30.0, call_seconds), total_timeout=1e9)
        self._runner = SubmissionRunner(SubmissionFiles.single(source), launcher or TrustedLauncher(), limits)
        self.source = source.decode("utf-8", errors="replace")  # for automatic mutants (parsed, never run here)
        self._variants = _Variants(source, launcher or TrustedLauncher(), limits)
        self._cache: dict[tuple[str, str], Any] = {}
        self._cached_bytes = 0
        self._needed = _needed_names(rubric)
        self._executor: ThreadPoolExecutor | None = None
        self._checked = False
        self._runner.start()  # the reference imports while the grader goes on; SandboxFault is a fault of ours

    def close(self) -> None:
        if self._executor is not None:
            self._executor.shutdown(wait=True)
            self._executor = None
        self._runner.close()
        self._variants.close()

    def variant_outputs(self, key: str, source: str, function: str, cases: Sequence[Case],
                        params: Sequence[str]) -> list[Any]:
        """The raw return values of ``function`` of a variant of the reference (an automatic mutant, made from
        ``source`` and named ``key``) on ``cases``; None where the variant failed. Cached like :meth:`outputs`,
        so a batch computes each variant's answers once. A failing variant is not the rubric's fault: it is
        simply no explanation."""
        return self._variants.outputs(key, source, function, cases, params)

    def submit(self, functions: Sequence[str], cases: Sequence[Case], params: Sequence[str]) -> Future:
        """Start computing :meth:`outputs` of each of ``functions`` in the background (the reference runs in
        its own process, so it computes while the student's worker does); the future's result is their list."""
        if self._executor is None:
            self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="grader-reference")
        return self._executor.submit(lambda: [self.outputs(f, cases, params) for f in functions])

    def __enter__(self) -> "Reference":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def call_many(self, function: str, calls: Sequence[Sequence[Any]]) -> list[Any]:
        """The raw return values of ``function`` on positional argument lists (not cached)."""
        self.check()
        outcomes = self._runner.call_many(function, calls)
        return [self._value(outcome, f"{function}() on a claim's trial") for outcome in outcomes]

    def outputs(self, function: str, cases: Sequence[Case], params: Sequence[str]) -> list[Any]:
        """The raw return values of ``function`` on ``cases`` (arguments in ``params`` order)."""
        answers = {c.label: self._cache[(function, c.label)] for c in cases if (function, c.label) in self._cache}
        missing = [c for c in cases if c.label not in answers]
        if missing:
            self.check()
            outcomes = self._runner.call_many(function, [[c.args[p] for p in params] for c in missing])
            for case, outcome in zip(missing, outcomes):
                answers[case.label] = self._value(outcome, f"{function}() on {case.label}")
                self._keep((function, case.label), answers[case.label])
        return [answers[c.label] for c in cases]

    def constant(self, name: str) -> Any:
        if (name, "") in self._cache:
            return self._cache[(name, "")]
        self.check()
        value = self._value(self._runner.constant(name), name)
        self._keep((name, ""), value)
        return value

    def fail(self, message: str) -> ReferenceImplementationError:
        return ReferenceImplementationError(self.path, None, (), message)

    def check(self) -> None:
        """Check (once) that the reference imports and defines every function, constant and declared mistake."""
        if not self._checked:
            self._require(self._needed)
            self._checked = True

    def _require(self, names: list[str]) -> None:
        failure = self._runner.import_error()
        if failure is not None:
            raise self.fail(f"cannot import reference: {failure.message}" + _detail(failure.details))
        worker = self._runner
        outcome = worker.query({"op": "has", "names": names})
        value = self._value(outcome, "its names")  # a list of names (an empty list arrives as an empty array)
        found = {str(n) for n in value} if isinstance(value, (list, tuple, np.ndarray)) else set()
        missing = [n for n in names if n not in found]
        if missing:
            raise self.fail(f"the reference defines no '{missing[0]}'")

    def _value(self, outcome: CallOutcome, what: str) -> Any:
        if not outcome.ok:
            error = outcome.error
            if error.kind == "timeout":
                raise self.fail(f"{what}: the reference did not finish within {self._runner.limits.call_timeout:g} s")
            raise self.fail(f"{what}: {error.message}" + _detail(error.details))
        return outcome.value

    def _keep(self, key: tuple[str, str], value: Any) -> None:
        """Cache an answer while the budget allows (evicting would only trade one recomputation for another)."""
        size = _nbytes(value)
        if self._cached_bytes + size <= _CACHE_BYTES:
            self._cache[key] = value
            self._cached_bytes += size


class _Variants:
    """Variants of the reference (automatic mutants) in a trusted child of their own, started when first
    needed: a variant that hangs or crashes ends that child, never the reference's."""

    def __init__(self, source: bytes, launcher: Launcher, limits: Limits) -> None:
        self._source, self._launcher, self._limits = source, launcher, limits
        self._runner: SubmissionRunner | None = None
        self._loaded: set[str] = set()
        self._cache: dict[tuple[str, str, str], Any] = {}
        self._cached_bytes = 0

    def close(self) -> None:
        if self._runner is not None:
            self._runner.close()
            self._runner = None

    def outputs(self, key: str, source: str, function: str, cases: Sequence[Case], params: Sequence[str]) -> list:
        answers = {c.label: self._cache[(key, function, c.label)] for c in cases
                   if (key, function, c.label) in self._cache}
        missing = [c for c in cases if c.label not in answers]
        if missing:
            calls = [[c.args[p] for p in params] for c in missing]
            outcomes = self._call(key, source, function, calls)
            if any(not o.ok and o.error.kind == "not_loaded" for o in outcomes):  # a fresh child: load again
                self._loaded.discard(key)
                outcomes = self._call(key, source, function, calls)
            for case, outcome in zip(missing, outcomes):
                answers[case.label] = value = outcome.value if outcome.ok else None
                size = _nbytes(value)
                if self._cached_bytes + size <= _VARIANT_CACHE_BYTES:  # keep what fits, as the reference does
                    self._cache[(key, function, case.label)] = value
                    self._cached_bytes += size
        return [answers[c.label] for c in cases]

    def _call(self, key: str, source: str, function: str, calls: list) -> list[CallOutcome]:
        if self._runner is None:
            self._runner = SubmissionRunner(SubmissionFiles.single(self._source), self._launcher, self._limits)
        if key not in self._loaded:
            loaded = self._runner.query({"op": "load", "key": key, "source": source})
            if not loaded.ok:
                return [loaded] * len(calls)
            self._loaded.add(key)
        return self._runner.call_many(f"{key}:{function}", calls)


def _needed_names(rubric: Rubric) -> list[str]:
    needed = [*rubric.functions, *rubric.constants]
    needed += [m.function for _, part in rubric.parts() if isinstance(part, CheckedPart) for m in part.mistakes]
    return list(dict.fromkeys(needed))


def _detail(details: str) -> str:
    lines = [line.strip() for line in details.splitlines() if line.strip()]
    return f" ({lines[-1]})" if lines else ""


def _nbytes(value: Any) -> int:
    if isinstance(value, np.ndarray):
        return value.nbytes
    if isinstance(value, (tuple, list)):
        return sum(_nbytes(v) for v in value)
    if isinstance(value, dict):
        return sum(_nbytes(v) for v in value.values())
    return 64
