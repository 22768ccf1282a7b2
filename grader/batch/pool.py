"""Grading processes on this machine: ``--jobs N`` processes, each with its own ``Grader`` and zygote.

The grader's own Python work holds the GIL, so parallelism across cores needs processes.
Each process (:mod:`grader.batch.pool_worker`) is started once per batch and grades
submission after submission: the per-submission cost is grading, not interpreter
start-up, and the reference answers it computes are cached for every later student.
A thread per process feeds it one job at a time from a shared queue. A process that dies
or stops answering costs only the submission it held (recorded as "could not grade", a
fault of ours) and is restarted for the rest.
"""

from __future__ import annotations

import collections
import json
import os
import queue
import subprocess
import sys
import threading
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from ..results import CouldNotGrade
from ..sandbox.slots import PACKAGE_ROOT
from .jobs import BackendFault, Done, Job, RubricFault, outcome_from_reply

_BOOT = ("import sys; sys.path.insert(0, sys.argv[1]); from grader.batch.pool_worker import main; "
         "raise SystemExit(main(sys.argv[2:]))")
_RESTARTS = 3
_START_SECONDS = 120.0
_MARGIN_SECONDS = 60.0
_POLL = 0.25


class _Fatal:
    """A slot's terminal failure, handed to the consumer."""

    def __init__(self, error: Exception) -> None:
        self.error = error


class LocalPool:
    """``jobs`` grading processes for one rubric; :meth:`run` yields each job's result as it finishes."""

    def __init__(self, rubric_path: Path, digest: str, jobs: int, job_seconds: float,
                 hide: Sequence[Path] = ()) -> None:
        """``hide``: folders every submission's sandbox hides (the class's submissions, the outputs)."""
        self.rubric_path = rubric_path
        self.hide = [str(p) for p in hide]
        self.digest = digest
        self.jobs = jobs
        self.deadline = job_seconds + _MARGIN_SECONDS  # one submission's limit, and margin
        self._processes: list[subprocess.Popen] = []
        self._lock = threading.Lock()
        self._closed = threading.Event()
        self.started = 0  # processes started, for the summary and tests

    def run(self, jobs: Iterable[Job]) -> Iterator[Done]:
        pending: queue.Queue[Job | None] = queue.Queue()
        total = 0
        for job in jobs:
            pending.put(job)
            total += 1
        if total == 0:
            return
        results: queue.Queue[Done | _Fatal] = queue.Queue()
        threads = [threading.Thread(target=self._serve, args=(pending, results), daemon=True,
                                    name=f"grader-batch-{i}") for i in range(min(self.jobs, total))]
        for _ in threads:
            pending.put(None)
        for thread in threads:
            thread.start()
        received = 0
        while received < total:
            try:
                item = results.get(timeout=_POLL)
            except queue.Empty:
                if not any(t.is_alive() for t in threads) and results.empty():
                    raise BackendFault("every grading process stopped before the batch was done")
                continue
            if isinstance(item, _Fatal):
                raise item.error
            received += 1
            yield item

    def close(self) -> None:
        """End every grading process (their zygotes, workers and reference processes end with them)."""
        self._closed.set()
        with self._lock:
            processes = list(self._processes)
        for process in processes:
            _close_stdin(process)
        for process in processes:
            _end(process)

    # -- one slot --------------------------------------------------------------------

    def _serve(self, pending: queue.Queue, results: queue.Queue) -> None:
        worker: _Process | None = None
        restarts = 0
        try:
            while not self._closed.is_set():
                job = pending.get()
                if job is None:
                    return
                if worker is None:
                    worker = self._start()
                done = worker.grade(job, self.deadline)
                if done is None:  # the process died or hung: a fault of ours, for this job only
                    failure = worker.failure()
                    results.put(Done(job, _lost(job, str(self.rubric_path), failure), 0.0))
                    self._forget(worker)
                    worker = None
                    restarts += 1
                    if restarts > _RESTARTS:
                        raise BackendFault(f"a grading process failed {restarts} times; the last {failure}")
                    continue
                results.put(done)
        except (RubricFault, BackendFault) as exc:
            results.put(_Fatal(exc))
        except OSError as exc:
            results.put(_Fatal(BackendFault(f"cannot start a grading process: {exc}")))
        finally:
            if worker is not None:
                self._forget(worker)

    def _start(self) -> _Process:
        argv = [sys.executable, "-c", _BOOT, PACKAGE_ROOT, str(self.rubric_path), self.digest, str(os.getpid()),
                json.dumps(self.hide)]
        process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                   start_new_session=True, close_fds=True)
        with self._lock:
            self._processes.append(process)
            self.started += 1
        worker = _Process(process)
        if self._closed.is_set():
            raise BackendFault("the batch is stopping")
        worker.wait_ready()
        return worker

    def _forget(self, worker: _Process) -> None:
        _close_stdin(worker.process)
        _end(worker.process)
        with self._lock:
            if worker.process in self._processes:
                self._processes.remove(worker.process)


class _Process:
    """One grading process and a thread that reads its replies (and keeps its last lines of stderr)."""

    def __init__(self, process: subprocess.Popen) -> None:
        self.process = process
        self.replies: queue.Queue[dict[str, Any] | None] = queue.Queue()
        self.stderr: collections.deque[str] = collections.deque(maxlen=20)
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._read_stderr, daemon=True).start()

    def wait_ready(self) -> None:
        reply = self._next(_START_SECONDS)
        if reply is None:
            raise BackendFault(f"a grading process did not start: {self.failure()}")
        if "fatal" in reply:
            error = RubricFault if reply.get("kind") == "rubric" else BackendFault
            raise error(str(reply["fatal"]))

    def grade(self, job: Job, deadline: float) -> Done | None:
        try:
            self.process.stdin.write((json.dumps(job.request()) + "\n").encode())
            self.process.stdin.flush()
        except (BrokenPipeError, OSError, ValueError):
            return None
        reply = self._next(deadline)
        if reply is None or reply.get("id") != job.index:
            return None
        if "rubric_error" in reply:
            raise RubricFault(str(reply["rubric_error"]))
        try:
            return Done(job, outcome_from_reply(reply), float(reply.get("seconds", 0.0)), str(reply.get("feedback", "")))
        except (KeyError, TypeError, ValueError):
            return None

    def failure(self) -> str:
        code = self.process.poll()
        state = "stopped answering" if code is None else f"exited with status {code}"
        last = next((line for line in reversed(self.stderr) if line.strip()), "")
        return state + (f" ({last.strip()})" if last else "")

    def _next(self, seconds: float) -> dict[str, Any] | None:
        try:
            return self.replies.get(timeout=seconds)
        except queue.Empty:
            return None

    def _read(self) -> None:
        for line in self.process.stdout:
            try:
                message = json.loads(line)
            except ValueError:
                continue
            if isinstance(message, dict):
                self.replies.put(message)
        self.replies.put(None)

    def _read_stderr(self) -> None:
        for line in self.process.stderr:
            self.stderr.append(line.decode("utf-8", "replace"))


def _lost(job: Job, rubric: str, why: str) -> CouldNotGrade:
    return CouldNotGrade(job.label, rubric, f"could not grade: the grading process {why}", "internal")


def _close_stdin(process: subprocess.Popen) -> None:
    try:
        process.stdin.close()
    except (OSError, ValueError):
        pass


def _end(process: subprocess.Popen, grace: float = 5.0) -> None:
    """Let the process finish (its input is closed), then SIGTERM, then SIGKILL."""
    for step in (grace, 5.0, None):
        try:
            process.wait(timeout=step if step is not None else 10.0)
            return
        except subprocess.TimeoutExpired:
            if step is None:
                return
            try:
                process.terminate() if step == grace else process.kill()
            except OSError:
                return

