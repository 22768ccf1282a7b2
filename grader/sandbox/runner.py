"""The grader's side of the sandbox: run a submission's functions in a worker and collect plain results.

One :class:`SubmissionRunner` per submission. It starts a worker lazily, sends one
request at a time and waits for the answer with a deadline. A worker that times
out, crashes or garbles its answer is killed; the next request starts a fresh one
(the submission is imported again), so one bad function does not cost the others.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .isolation import python_paths
from .launcher import Launcher, SpawnLauncher, WorkerHandle
from .protocol import Caps, ChannelClosed, ChannelTimeout, ProtocolError, read_message, write_message
from .worker import WorkerConfig


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
        self._private = Path(tempfile.mkdtemp(prefix="grader-run-"))
        self._code = self._private / "code" / "submission.py"
        self._code.parent.mkdir()
        shutil.copyfile(self.submission, self._code)  # the worker sees this copy, not the submission's folder
        self._stdout = open(self._private / "stdout", "wb+")
        self._stderr = open(self._private / "stderr", "wb+")
        self._worker: _Worker | None = None
        self._import_error: StudentError | None = None
        self._timed_out: dict[str, StudentError] = {}
        self._deadline: float | None = None
        self.layers: tuple = ()

    # -- lifecycle -----------------------------------------------------------

    def __enter__(self) -> "SubmissionRunner":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    def close(self) -> None:
        self._stop_worker()
        self._stdout.close()
        self._stderr.close()
        shutil.rmtree(self._private, ignore_errors=True)

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
        return CapturedOutput(self._read_capped(self._stdout), self._read_capped(self._stderr))

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
        if self._deadline is None:
            self._deadline = time.monotonic() + self.limits.total_timeout
        scratch = tempfile.mkdtemp(prefix="scratch-", dir=self._private)
        config = WorkerConfig(
            submission=str(self._code),
            requests_fd=-1,
            responses_fd=-1,
            scratch_dir=scratch,
            readable_paths=python_paths() + tuple(self.readable_paths) + (str(self._code.parent),),
            hidden_paths=tuple(self.hidden_paths),
            limits={"memory_bytes": self.limits.memory_bytes, "file_size_bytes": self.limits.output_bytes,
                    "cpu_seconds": int(self.limits.total_timeout) + 1},
        )
        try:
            handle = self.launcher.start(config, self._stdout.fileno(), self._stderr.fileno())
        except OSError as exc:
            self._import_error = StudentError("crash", f"could not start the sandbox: {exc}")
            return None
        deadline = min(time.monotonic() + self.limits.import_timeout, self._deadline)
        try:
            ready = read_message(handle.responses_fd, deadline, self.limits.caps)
        except ChannelTimeout:
            handle.close()
            if self._out_of_time():
                return None
            self._import_error = StudentError(
                "timeout", f"importing the submission timed out after {self.limits.import_timeout:g} s")
            return None
        except ProtocolError:
            handle.close()
            self._import_error = StudentError("crash", "the submission's process died while being imported")
            return None
        if not isinstance(ready, dict) or ready.get("event") != "ready":
            handle.close()
            self._import_error = StudentError("bad_result", "the result channel was tampered with during import")
            return None
        if ready.get("error"):
            handle.close()
            self._import_error = _student_error(ready["error"])
            return None
        self.layers = tuple(tuple(x) for x in ready.get("layers") or ())
        self._worker = _Worker(handle)
        return self._worker

    def _stop_worker(self) -> None:
        if self._worker is not None:
            self._worker.handle.close()
            self._worker = None

    def _out_of_time(self) -> bool:
        return self._deadline is not None and time.monotonic() >= self._deadline

    def _total_time_error(self) -> StudentError:
        return StudentError("timeout", f"the submission used up its {self.limits.total_timeout:g} s time limit")

    def _read_capped(self, file) -> str:
        file.seek(0)
        data = file.read(self.limits.shown_output_bytes + 1)
        text = data[: self.limits.shown_output_bytes].decode("utf-8", errors="replace")
        if len(data) > self.limits.shown_output_bytes:
            size = os.fstat(file.fileno()).st_size
            text += f"\n… ({size} bytes in all, truncated)"
        return text


def _student_error(raw: Any) -> StudentError:
    if not isinstance(raw, dict):
        return StudentError("bad_result", "the result channel was tampered with")
    return StudentError(str(raw.get("kind", "exception"))[:40], str(raw.get("message", ""))[:500],
                        str(raw.get("details", ""))[:2000])
