"""The grader's side of the sandbox: run a submission's functions in a worker and collect plain results.

One :class:`SubmissionRunner` per submission. It starts a worker lazily, sends one
request at a time and waits for the answer with a deadline. A worker that times
out, crashes or garbles its answer is killed; the next request starts a fresh one
(the submission is imported again), so one bad function does not cost the others.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .isolation import python_paths
from .launcher import Launcher, SpawnLauncher, WorkerHandle, WorkerSpec
from .protocol import Caps, ChannelClosed, ChannelTimeout, ProtocolError, inert, read_message, write_message


_SANDBOX_ATTEMPTS = 3


@dataclass(frozen=True)
class RunLimits:
    call_timeout: float = 2.0
    import_timeout: float = 10.0
    total_timeout: float = 60.0
    memory_bytes: int = 2 << 30
    output_bytes: int = 16 << 20  # largest stdout/stderr file the worker may write
    shown_output_bytes: int = 4000  # how much of it the report shows
    caps: Caps = Caps()


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

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class CapturedOutput:
    stdout: str
    stderr: str


@dataclass
class _Worker:
    handle: WorkerHandle
    next_id: int = 0


@dataclass
class SubmissionRunner:
    """Runs one submission's functions, one call at a time, in sandboxed workers."""

    submission: Path
    limits: RunLimits = RunLimits()
    launcher: Launcher = field(default_factory=SpawnLauncher)
    readable_paths: Sequence[str] = ()
    hidden_paths: Sequence[str] = ()

    def __post_init__(self) -> None:
        self.submission = Path(self.submission).resolve()
        self._source = self.submission.read_bytes()
        self._spec = WorkerSpec(
            readable_paths=python_paths() + tuple(self.readable_paths),
            hidden_paths=tuple(self.hidden_paths),
            limits=(("memory_bytes", self.limits.memory_bytes), ("file_size_bytes", self.limits.output_bytes),
                    ("cpu_seconds", int(self.limits.total_timeout) + 1)),
        )
        self._worker: _Worker | None = None
        self._import_error: StudentError | None = None
        self._timed_out: dict[str, StudentError] = {}
        self._deadline: float | None = None
        self._stdout = bytearray()
        self._stderr = bytearray()
        self.layers: tuple[tuple[str, bool, str], ...] = ()  # (name, active, detail) as the worker reported

    def missing_layers(self) -> list[str]:
        """Sandbox layers the worker could not apply on this machine."""
        return [str(name) for name, active, _ in self.layers if not active]

    # -- lifecycle -----------------------------------------------------------

    def __enter__(self) -> "SubmissionRunner":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        self._stop_worker()

    def import_error(self) -> StudentError | None:
        """Import the submission (if not done yet) and say whether that failed."""
        if self._worker is None and self._import_error is None:
            self._start_worker()
        return self._import_error

    # -- requests ------------------------------------------------------------

    def call(self, name: str, args: Sequence[np.ndarray]) -> CallOutcome:
        """Call the student's function ``name`` with positional ``args``."""
        if name in self._timed_out:
            return CallOutcome(error=self._timed_out[name])
        outcome = self._request({"op": "call", "name": name, "args": list(args)}, self.limits.call_timeout)
        if outcome.error is not None and outcome.error.kind == "timeout" and not self._out_of_time():
            self._timed_out[name] = StudentError("timeout", f"not run: {name}() timed out on an earlier case")
        return outcome

    def constant(self, name: str) -> CallOutcome:
        return self._request({"op": "get", "name": name}, self.limits.call_timeout)

    def output(self) -> CapturedOutput:
        """What the submission printed so far (every worker's), capped for the report."""
        stdout, stderr = bytearray(self._stdout), bytearray(self._stderr)
        if self._worker is not None:
            self._collect_output(self._worker.handle, stdout, stderr)
        return CapturedOutput(self._shown(stdout), self._shown(stderr))

    def _request(self, request: dict, timeout: float) -> CallOutcome:
        started = time.monotonic()
        if self._out_of_time():
            return CallOutcome(error=self._total_time_error())
        if self.import_error() is not None:
            return CallOutcome(error=self._import_error)
        worker = self._worker
        if worker is None:  # the import ran out of the submission's time
            return CallOutcome(error=self._total_time_error())
        worker.next_id += 1
        request_id = worker.next_id
        deadline = min(started + timeout, self._deadline)
        try:
            write_message(worker.handle.requests_fd, dict(request, id=request_id))
            reply = read_message(worker.handle.responses_fd, deadline, self.limits.caps)
        except ChannelTimeout:
            self._stop_worker()
            if deadline >= self._deadline:
                return CallOutcome(error=self._total_time_error(), seconds=time.monotonic() - started)
            return CallOutcome(error=StudentError("timeout", f"timed out after {timeout:g} s"), seconds=timeout)
        except (ChannelClosed, BrokenPipeError):
            self._stop_worker()
            return CallOutcome(error=StudentError("crash", "the submission's process died during the call "
                                                  "(it exited, crashed, or ran out of memory)"))
        except ProtocolError as exc:
            self._stop_worker()
            return CallOutcome(error=StudentError("bad_result", f"unreadable result: {exc}"))
        seconds = time.monotonic() - started
        if not isinstance(reply, dict) or reply.get("id") != request_id:
            self._stop_worker()
            return CallOutcome(error=StudentError("bad_result", "the result channel was tampered with"), seconds=seconds)
        if reply.get("error"):
            return CallOutcome(error=_student_error(reply["error"]), seconds=seconds)
        return CallOutcome(value=reply.get("value"), seconds=seconds)

    # -- workers -------------------------------------------------------------

    def _start_worker(self) -> _Worker | None:
        """Take a sandboxed worker, give it the submission, and wait until it is imported.

        A worker that dies before its sandbox is up never ran student code: that is the
        machine's fault, not the student's, so another one is tried.
        """
        if self._deadline is None:
            self._deadline = time.monotonic() + self.limits.total_timeout
        for _ in range(_SANDBOX_ATTEMPTS):
            try:
                handle = self.launcher.start(self._spec)
            except OSError as exc:
                failure = StudentError("sandbox", f"could not start the sandbox: {exc}")
                continue
            deadline = min(time.monotonic() + self.limits.import_timeout, self._deadline)
            failure = self._import_into(handle, deadline)
            if failure is None:
                self._worker = _Worker(handle)
                return self._worker
            self._collect_output(handle)
            handle.close()
            if failure.kind != "sandbox":
                break
        if not (failure.kind == "timeout" and self._out_of_time()):
            self._import_error = failure
        return None

    def _import_into(self, handle: WorkerHandle, deadline: float) -> StudentError | None:
        try:
            sandboxed = read_message(handle.responses_fd, deadline, self.limits.caps)
        except ProtocolError:
            sandboxed = None
        if not isinstance(sandboxed, dict) or sandboxed.get("event") != "sandboxed":
            return StudentError("sandbox", f"the sandbox failed to start{_last_line(handle.slot.stderr)}")
        try:
            self.layers = tuple(tuple(x) for x in sandboxed.get("layers") or ())
            handle.slot.submission.write_bytes(self._source)
            write_message(handle.requests_fd, {"op": "import"})
            ready = read_message(handle.responses_fd, deadline, self.limits.caps)
        except ChannelTimeout:
            return StudentError("timeout", f"importing the submission timed out after {self.limits.import_timeout:g} s")
        except (ProtocolError, OSError):
            return StudentError("crash", "the submission's process died while being imported")
        if not isinstance(ready, dict) or ready.get("event") != "ready":
            return StudentError("bad_result", "the result channel was tampered with during import")
        return _student_error(ready["error"]) if ready.get("error") else None

    def _stop_worker(self) -> None:
        if self._worker is not None:
            self._collect_output(self._worker.handle)
            self._worker.handle.close()
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
        return text + "\n… (truncated)" if len(data) > self.limits.shown_output_bytes else text

    def _out_of_time(self) -> bool:
        return self._deadline is not None and time.monotonic() >= self._deadline

    def _total_time_error(self) -> StudentError:
        return StudentError("timeout", f"the submission used up its {self.limits.total_timeout:g} s time limit")


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
