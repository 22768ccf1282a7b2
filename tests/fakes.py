"""In-process stand-ins for the sandboxed student runner and the reference process.

They have the methods the session and ``grading.grade`` use and call plain Python
functions from a dict. Values cross the fake boundary the way they cross the real
one: arguments and results go through the wire format's ``encode``/``decode``
(numbers become floats, arrays float64 copies, tuples stay tuples), a 0-d argument
arrives as a Python float as the worker passes it, and an exception becomes a
``StudentError("exception", ...)`` outcome. No process is started.
"""

from __future__ import annotations

from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np

from grader.reference import ReferenceImplementationError
from grader.sandbox.isolation import LayerStatus
from grader.sandbox.protocol import _FRAME, decode, encode
from grader.sandbox.runner import CallOutcome, CapturedOutput, StudentError


def over_the_wire(value: Any) -> Any:
    """``value`` as the grader reads it back from the worker (the real encoder and the strict decoder)."""
    return decode(encode(value)[_FRAME.size:])


def _as_worker_args(args: Sequence[Any]) -> list[Any]:
    """Arguments as the worker hands them to the student: decoded copies, a 0-d array as a float."""
    args = over_the_wire(list(args))
    return [float(a) if isinstance(a, np.ndarray) and a.ndim == 0 else a for a in args]


def _describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


@dataclass
class FakeRunner:
    """The student's side: ``functions`` and ``constants`` of a pretend submission."""

    functions: Mapping[str, Callable[..., Any]] = field(default_factory=dict)
    constants: Mapping[str, Any] = field(default_factory=dict)
    failed_import: StudentError | None = None
    layers: tuple[LayerStatus, ...] = ()
    stdout: str = ""
    stderr: str = ""
    events: list[str] = field(default_factory=list)  # "start", "import_error", "call_many:<name>", "constant:<name>"
    batches: list[tuple[str, int]] = field(default_factory=list)  # (function, number of calls) per call_many

    def start(self) -> None:
        self.events.append("start")

    def import_error(self) -> StudentError | None:
        self.events.append("import_error")
        return self.failed_import

    def call_many(self, name: str, calls: Sequence[Sequence[Any]]) -> list[CallOutcome]:
        self.events.append(f"call_many:{name}")
        self.batches.append((name, len(calls)))
        return [self._call(name, args) for args in calls]

    def constant(self, name: str) -> CallOutcome:
        self.events.append(f"constant:{name}")
        if self.failed_import is not None:
            return CallOutcome(error=self.failed_import)
        if name not in self.constants:
            return CallOutcome(error=StudentError("missing", f"the submission defines no constant '{name}'"))
        return CallOutcome(value=over_the_wire(self.constants[name]))

    def output(self) -> CapturedOutput:
        return CapturedOutput(self.stdout, self.stderr)

    def missing_layers(self) -> list[str]:
        return [layer.name for layer in self.layers if not layer.active]

    @property
    def calls_of(self) -> dict[str, int]:
        """How many calls each function got, over all batches."""
        counts: dict[str, int] = {}
        for name, count in self.batches:
            counts[name] = counts.get(name, 0) + count
        return counts

    def _call(self, name: str, args: Sequence[Any]) -> CallOutcome:
        if self.failed_import is not None:
            return CallOutcome(error=self.failed_import)
        function = self.functions.get(name)
        if function is None:
            return CallOutcome(error=StudentError("missing", f"the submission defines no function '{name}'"))
        try:
            value = function(*_as_worker_args(args))
        except Exception as exc:
            return CallOutcome(error=StudentError("exception", f"{name}() raised {_describe(exc)}",
                                                  f"  line 1, in {name}: ..."))
        return CallOutcome(value=over_the_wire(value))


@dataclass
class FakeReference:
    """The reference's side: answers from ``functions`` (and declared mistakes) and ``constants``."""

    functions: Mapping[str, Callable[..., Any]] = field(default_factory=dict)
    constants: Mapping[str, Any] = field(default_factory=dict)
    path: Path = Path("ref.py")
    submitted: list[tuple[tuple[str, ...], tuple[str, ...]]] = field(default_factory=list)  # (functions, labels)
    source: str = ""  # the reference's source, for automatic mutants ("" has none)
    variant_calls: list[tuple[str, str]] = field(default_factory=list)  # (variant key, function) per request

    def submit(self, functions: Sequence[str], cases: Sequence[Any], params: Sequence[str]) -> Future:
        self.submitted.append((tuple(functions), tuple(c.label for c in cases)))
        future: Future = Future()
        try:
            future.set_result([self.outputs(f, cases, params) for f in functions])
        except Exception as exc:
            future.set_exception(exc)
        return future

    def outputs(self, function: str, cases: Sequence[Any], params: Sequence[str]) -> list[Any]:
        if function not in self.functions:
            raise self.fail(f"the reference defines no '{function}'")
        return [over_the_wire(self.functions[function](*_as_worker_args([c.args[p] for p in params])))
                for c in cases]

    def call_many(self, function: str, calls: Sequence[Sequence[Any]]) -> list[Any]:
        if function not in self.functions:
            raise self.fail(f"the reference defines no '{function}'")
        return [over_the_wire(self.functions[function](*_as_worker_args(list(args)))) for args in calls]

    def variant_outputs(self, key: str, source: str, function: str, cases: Sequence[Any],
                        params: Sequence[str]) -> list[Any]:
        """A variant's answers, the source executed here (the real one runs it in the trusted child)."""
        self.variant_calls.append((key, function))
        namespace: dict[str, Any] = {}
        exec(compile(source, f"<variant {key}>", "exec"), namespace)
        answers = []
        for case in cases:
            try:
                answers.append(over_the_wire(namespace[function](*_as_worker_args([case.args[p] for p in params]))))
            except Exception:
                answers.append(None)
        return answers

    def constant(self, name: str) -> Any:
        if name not in self.constants:
            raise self.fail(f"the reference defines no '{name}'")
        return over_the_wire(self.constants[name])

    def fail(self, message: str) -> ReferenceImplementationError:
        return ReferenceImplementationError(self.path, None, (), message)
