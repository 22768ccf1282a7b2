"""The grader's side of the sandbox: run a submission's functions in a worker and collect plain results.

One :class:`SubmissionRunner` per submission. It starts a worker lazily and sends all
the calls of one function together (in size-capped batches); the worker answers each
call as soon as it returns, and each answer has its own deadline and size caps. A
worker that times out, crashes or garbles an answer is killed: that call alone is
lost, and the calls after it run in a fresh worker (the submission is imported
again), so one bad call does not cost the others.

The student's failures (exceptions, timeouts, crashes, garbage) come back as
:class:`StudentError` values, which are graded. A fault of the grading machine (the
sandbox cannot start, the submission cannot be copied into it) raises
:class:`SandboxFault`: that is never the student's fault and never a grade.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from ..testpoint import reached
from .isolation import LayerStatus, python_paths
from .limits import Limits
from ..text import inert
from .protocol import ChannelClosed, ChannelTimeout, ProtocolError, read_message, write_message
from .slots import Launcher, SubmissionFiles, WorkerHandle, WorkerSpec

_SANDBOX_ATTEMPTS = 3
_BATCH_BYTES = 2 << 20  # arguments per request: bounds the grader's and the worker's memory


class SandboxFault(Exception):
    """The sandbox could not be started or fed: a fault of the grading machine, not of the student."""


@dataclass(frozen=True)
class StudentError:
    """Why a call produced no usable value; ``kind`` is stable, ``message`` is for the student."""

    kind: str
    message: str
    details: str = ""


@dataclass(frozen=True)
class CallOutcome:
    value: Any = None
    error: StudentError | None = None
    seconds: float = 0.0
    mutated: tuple[int, ...] = ()  # positions of the array arguments the call changed in place

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class CapturedOutput:
    stdout: str
    stderr: str
    truncated: bool = False  # the submission printed more than was kept


@dataclass
class _Worker:
    handle: WorkerHandle
    next_id: int = 0


class SubmissionRunner:
    """Runs one submission's functions in sandboxed workers."""

    def __init__(self, files: SubmissionFiles, launcher: Launcher, limits: Limits = Limits(),
                 readable_paths: Sequence[str] = (), hidden_paths: Sequence[str] = (),
                 disabled_layers: Sequence[str] = ()) -> None:
        self.files = files
        self.limits = limits
        self.launcher = launcher
        self._spec = worker_spec(limits, readable_paths, hidden_paths, disabled_layers)
        self._worker: _Worker | None = None
        self._pending: tuple[WorkerHandle, float] | None = None  # launched, import not yet confirmed
        self._import_error: StudentError | None = None
        self._timed_out: dict[str, StudentError] = {}
        self._deadline: float | None = None
        self._stdout = bytearray()
        self._stderr = bytearray()
        self.layers: tuple[LayerStatus, ...] = ()  # as the worker reported them

    def missing_layers(self) -> list[str]:
        """Sandbox layers the worker could not apply on this machine."""
        return [layer.name for layer in self.layers if not layer.active]

    # -- lifecycle -----------------------------------------------------------

    def __enter__(self) -> "SubmissionRunner":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        if self._pending is not None:
            self._discard(self._pending[0])
            self._pending = None
        self._stop_worker()

    def import_error(self) -> StudentError | None:
        """Import the submission (if not done yet) and say whether that failed."""
        if self._worker is None and self._import_error is None:
            self._start_worker()
        return self._import_error

    # -- requests ------------------------------------------------------------

    def call(self, name: str, args: Sequence[np.ndarray]) -> CallOutcome:
        """Call the student's function ``name`` with positional ``args``."""
        return self.call_many(name, [args])[0]

    def call_many(self, name: str, calls: Sequence[Sequence[np.ndarray]]) -> list[CallOutcome]:
        """Call ``name`` once per argument list, sending the calls together; one outcome per call, in order."""
        outcomes: list[CallOutcome] = []
        for batch in _batches(calls):
            pending = list(batch)
            while pending:
                answered = self._call_batch(name, pending)
                outcomes += answered
                pending = pending[len(answered):]
        return outcomes

    def constant(self, name: str) -> CallOutcome:
        """The value of the module-level name ``name``."""
        return self.query({"op": "get", "name": name})

    def query(self, request: dict) -> CallOutcome:
        """One request with one reply: ``{"op": "get", "name"}`` or ``{"op": "has", "names"}``."""
        failure = self._unavailable()
        if failure is not None:
            return failure
        started = time.monotonic()
        worker = self._worker
        worker.next_id += 1
        deadline = min(started + self.limits.call_timeout, self._deadline)
        return self._exchange(worker, dict(request, id=worker.next_id), deadline, started)

    def output(self) -> CapturedOutput:
        """What the submission printed so far (every worker's), capped for the report."""
        stdout, stderr = bytearray(self._stdout), bytearray(self._stderr)
        if self._worker is not None:
            self._collect_output(self._worker.handle, stdout, stderr)
        cap = self.limits.shown_output_bytes
        return CapturedOutput(self._shown(stdout), self._shown(stderr), len(stdout) > cap or len(stderr) > cap)

    def _unavailable(self) -> CallOutcome | None:
        """Why no worker can take a request now (time used up, import failed), or None."""
        if self._out_of_time():
            return CallOutcome(error=self._total_time_error())
        if self.import_error() is not None:
            return CallOutcome(error=self._import_error)
        if self._worker is None:  # the import ran out of the submission's time
            return CallOutcome(error=self._total_time_error())
        return None

    def _call_batch(self, name: str, calls: list[Sequence[np.ndarray]]) -> list[CallOutcome]:
        """Send ``calls`` to one worker; return the outcomes up to and including the first that ended it."""
        if name in self._timed_out:
            return [CallOutcome(error=self._timed_out[name])] * len(calls)
        failure = self._unavailable()
        if failure is not None:
            return [failure] * len(calls)
        worker = self._worker
        worker.next_id += 1
        request_id = worker.next_id
        started = time.monotonic()
        # tuples, not lists: the protocol stacks a list of equal-shaped arrays into one array, which
        # would merge the arguments and promote an int label to float
        request = {"op": "calls", "name": name, "args": tuple(tuple(args) for args in calls), "id": request_id}
        try:
            write_message(worker.handle.requests_fd, request, min(started + self.limits.call_timeout, self._deadline))
        except ChannelTimeout:
            return [self._lost(started, min(started + self.limits.call_timeout, self._deadline), name)]
        except OSError:
            self._stop_worker()
            return [_crashed()]
        reached("call")
        outcomes = []
        for index in range(len(calls)):
            deadline = min(started + self.limits.call_timeout, self._deadline)
            outcome = self._receive(worker, request_id, index, deadline, started, name)
            outcomes.append(outcome)
            if self._worker is not worker:
                break
            started = time.monotonic()
        return outcomes

    def _receive(self, worker: _Worker, request_id: int, index: int, deadline: float, started: float,
                 name: str) -> CallOutcome:
        try:
            reply = read_message(worker.handle.responses_fd, deadline, self.limits.caps)
        except ChannelTimeout:
            return self._lost(started, deadline, name)
        except ChannelClosed:
            self._stop_worker()
            return _crashed()
        except ProtocolError as exc:
            self._stop_worker()
            return CallOutcome(error=StudentError("bad_result", f"unreadable result: {exc}"))
        return self._verdict(reply, {"id": request_id, "index": index}, started)

    def _exchange(self, worker: _Worker, request: dict, deadline: float, started: float) -> CallOutcome:
        """One request with one reply (a constant)."""
        try:
            write_message(worker.handle.requests_fd, request, deadline)
            reply = read_message(worker.handle.responses_fd, deadline, self.limits.caps)
        except ChannelTimeout:
            return self._lost(started, deadline, None)
        except (ChannelClosed, OSError):
            self._stop_worker()
            return _crashed()
        except ProtocolError as exc:
            self._stop_worker()
            return CallOutcome(error=StudentError("bad_result", f"unreadable result: {exc}"))
        return self._verdict(reply, {"id": request["id"]}, started)

    def _verdict(self, reply: Any, expected: dict, started: float) -> CallOutcome:
        seconds = time.monotonic() - started
        if not isinstance(reply, dict) or any(reply.get(k) != v for k, v in expected.items()):
            self._stop_worker()
            return CallOutcome(error=StudentError("bad_result", "the result channel was tampered with"), seconds=seconds)
        if reply.get("error"):
            return CallOutcome(error=_student_error(reply["error"]), seconds=seconds)
        return CallOutcome(value=reply.get("value"), seconds=seconds, mutated=_positions(reply.get("mutated")))

    def _lost(self, started: float, deadline: float, name: str | None) -> CallOutcome:
        """A call that did not answer before its deadline: end the worker, and skip ``name``'s later calls."""
        self._stop_worker()
        if deadline >= self._deadline:
            return CallOutcome(error=self._total_time_error(), seconds=time.monotonic() - started)
        timeout = self.limits.call_timeout
        if name is not None:
            self._timed_out[name] = StudentError("timeout", f"not run: {name}() timed out on an earlier case")
        return CallOutcome(error=StudentError("timeout", f"timed out after {timeout:g} s"), seconds=timeout)

    # -- workers -------------------------------------------------------------

    def start(self) -> None:
        """Begin importing the submission in a worker, without waiting for the import to finish."""
        if self._worker is None and self._import_error is None and self._pending is None:
            self._pending = self._launch()

    def _start_worker(self) -> _Worker | None:
        """Take a sandboxed worker, give it the submission, and wait until it is imported.

        A worker that dies before its sandbox is up never ran student code: that is the
        machine's fault, not the student's, so another one is tried, and when none
        starts the grading stops with :class:`SandboxFault`.
        """
        pending, self._pending = self._pending, None
        handle, deadline = pending if pending is not None else self._launch()
        failure = self._finish_import(handle, deadline)
        if failure is None:
            self._worker = _Worker(handle)
            return self._worker
        self._discard(handle)
        if not (failure.kind == "timeout" and self._out_of_time()):
            self._import_error = failure
        return None

    def _launch(self) -> tuple[WorkerHandle, float]:
        """A sandboxed worker that has been sent the submission and asked to import it."""
        if self._deadline is None:
            self._deadline = time.monotonic() + self.limits.total_timeout
        reason = ""
        for _ in range(_SANDBOX_ATTEMPTS):
            try:
                handle = self.launcher.start(self._spec)
            except OSError as exc:
                reason = f"could not start the sandbox: {exc}"
                continue
            deadline = min(time.monotonic() + self.limits.import_timeout, self._deadline)
            try:
                self._send_submission(handle, deadline)
            except SandboxFault as fault:
                self._discard(handle)
                reason = str(fault)
                continue
            return handle, deadline
        raise SandboxFault(reason)

    def _send_submission(self, handle: WorkerHandle, deadline: float) -> None:
        try:
            sandboxed = read_message(handle.responses_fd, deadline, self.limits.caps)
        except ProtocolError:
            sandboxed = None
        if not isinstance(sandboxed, dict) or sandboxed.get("event") != "sandboxed":
            raise SandboxFault(f"the sandbox failed to start{_last_line(handle.slot.stderr)}")
        self.layers = _layers(sandboxed.get("layers"))
        try:
            self.files.write_into(handle.slot.code_dir)
        except OSError as exc:
            raise SandboxFault(f"could not copy the submission into the sandbox: {exc.strerror or exc}") from None
        try:
            write_message(handle.requests_fd, {"op": "import", "entry": self.files.entry}, deadline)
        except (ProtocolError, OSError):
            pass  # the worker is gone: reading its answer says how

    def _finish_import(self, handle: WorkerHandle, deadline: float) -> StudentError | None:
        try:
            ready = read_message(handle.responses_fd, deadline, self.limits.caps)
        except ChannelTimeout:
            return StudentError("timeout", f"importing the submission timed out after {self.limits.import_timeout:g} s")
        except (ProtocolError, OSError):
            return StudentError("crash", "the submission's process died while being imported")
        if not isinstance(ready, dict) or ready.get("event") != "ready":
            return StudentError("bad_result", "the result channel was tampered with during import")
        return _student_error(ready["error"]) if ready.get("error") else None

    def _discard(self, handle: WorkerHandle) -> None:
        self._collect_output(handle)
        handle.close()

    def _stop_worker(self) -> None:
        if self._worker is not None:
            self._discard(self._worker.handle)
            self._worker = None

    def _collect_output(self, handle: WorkerHandle, stdout: bytearray | None = None,
                        stderr: bytearray | None = None) -> None:
        """Append what a worker printed to the submission's output, keeping at most one byte past the cap."""
        cap = self.limits.shown_output_bytes
        sinks = (self._stdout if stdout is None else stdout, self._stderr if stderr is None else stderr)
        for path, sink in zip((handle.slot.stdout, handle.slot.stderr), sinks):
            try:
                with open(path, "rb") as stream:
                    data = stream.read(cap + 1)
            except OSError:
                continue
            sink.extend(data[: max(0, cap + 1 - len(sink))])

    def _shown(self, data: bytearray) -> str:
        text = inert(bytes(data[: self.limits.shown_output_bytes]).decode("utf-8", errors="replace"))
        return text

    def _out_of_time(self) -> bool:
        return self._deadline is not None and time.monotonic() >= self._deadline

    def _total_time_error(self) -> StudentError:
        return StudentError("timeout", f"the submission used up its {self.limits.total_timeout:g} s time limit")


def worker_spec(limits: Limits, readable_paths: Sequence[str] = (), hidden_paths: Sequence[str] = (),
                disabled_layers: Sequence[str] = ()) -> WorkerSpec:
    """The spec of a worker that may read the Python installation and ``readable_paths`` only."""
    return WorkerSpec(readable_paths=python_paths() + tuple(readable_paths), hidden_paths=tuple(hidden_paths),
                      limits=limits, disabled_layers=tuple(disabled_layers))


def _batches(calls: Sequence[Sequence[np.ndarray]]) -> list[list[Sequence[np.ndarray]]]:
    """Consecutive groups of calls whose arguments stay under the per-request size cap."""
    batches: list[list[Sequence[np.ndarray]]] = []
    size = 0
    for args in calls:
        nbytes = sum(np.asarray(a).nbytes for a in args)
        if not batches or (batches[-1] and size + nbytes > _BATCH_BYTES):
            batches.append([])
            size = 0
        batches[-1].append(args)
        size += nbytes
    return batches


def _positions(raw: Any) -> tuple[int, ...]:
    """Argument positions the worker reports as changed (ints arrive as numbers or a numeric array)."""
    try:
        return tuple(sorted({int(i) for i in (raw if raw is not None else ())}))[:64]
    except (TypeError, ValueError):
        return ()


def _crashed() -> CallOutcome:
    return CallOutcome(error=StudentError("crash", "the submission's process died during the call "
                                          "(it exited, crashed, or ran out of memory)"))


def _layers(raw: Any) -> tuple[LayerStatus, ...]:
    """The worker's report of its sandbox layers (it ran no student code yet: trusted, but checked)."""
    layers = []
    for entry in raw if isinstance(raw, (list, tuple)) else ():
        if isinstance(entry, dict):
            layers.append(LayerStatus(str(entry.get("name")), bool(entry.get("active")), str(entry.get("detail", ""))))
    return tuple(layers)


def _last_line(path: Path) -> str:
    try:
        lines = path.read_text(errors="replace").strip().splitlines()
    except OSError:
        return ""
    return f": {lines[-1][:200]}" if lines else ""


def _student_error(raw: Any) -> StudentError:
    if not isinstance(raw, dict):
        return StudentError("bad_result", "the result channel was tampered with")
    return StudentError(str(raw.get("kind", "exception"))[:40], str(raw.get("message", ""))[:500],
                        str(raw.get("details", ""))[:2000])
