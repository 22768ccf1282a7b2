"""Starting sandboxed workers: a fresh interpreter per worker (portable, ~100 ms), or forked from a zygote.

A launcher gives each worker a private *slot*: a folder holding the code folder the
worker may read (the grader copies the submission there), the scratch folder it may
write, and the files that capture its stdout and stderr.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable, Protocol

from .worker import WorkerConfig

PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])
SUBMISSION_NAME = "submission.py"
_BOOT = "import sys; sys.path.insert(0, sys.argv[1]); from grader.sandbox.worker import main; main()"

# Single-threaded BLAS: threads spin in a forked child and make timings noisy.
WORKER_ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "LANG": "C.UTF-8",
    "OPENBLAS_NUM_THREADS": "1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
    "VECLIB_MAXIMUM_THREADS": "1",
}


def worker_env(scratch_dir: str) -> dict[str, str]:
    """The whole environment of a worker: nothing of the grader's (no CI tokens)."""
    env = dict(WORKER_ENV, HOME=scratch_dir, TMPDIR=scratch_dir)
    for key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):  # needed for numpy to run correctly on some CPUs
        if key in os.environ:
            env[key] = os.environ[key]
    return env


@dataclass(frozen=True)
class WorkerSpec:
    """How to sandbox a worker; workers started for equal specs are interchangeable."""

    readable_paths: tuple[str, ...] = ()
    hidden_paths: tuple[str, ...] = ()
    limits: tuple[tuple[str, int], ...] = ()


@dataclass(frozen=True)
class Slot:
    """A worker's private folder: code (read-only for it), scratch (writable), captured output."""

    folder: Path

    @classmethod
    def create(cls) -> "Slot":
        slot = cls(Path(tempfile.mkdtemp(prefix="grader-worker-")))
        slot.code_dir.mkdir()
        slot.scratch_dir.mkdir()
        return slot

    @property
    def code_dir(self) -> Path:
        return self.folder / "code"

    @property
    def scratch_dir(self) -> Path:
        return self.folder / "scratch"

    @property
    def submission(self) -> Path:
        return self.code_dir / SUBMISSION_NAME

    @property
    def stdout(self) -> Path:
        return self.folder / "stdout"

    @property
    def stderr(self) -> Path:
        return self.folder / "stderr"

    def config(self, spec: WorkerSpec) -> WorkerConfig:
        return WorkerConfig(
            submission=str(self.submission),
            requests_fd=-1,
            responses_fd=-1,
            scratch_dir=str(self.scratch_dir),
            readable_paths=spec.readable_paths + (str(self.code_dir),),
            hidden_paths=spec.hidden_paths,
            limits=dict(spec.limits),
        )

    def remove(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)


@dataclass
class WorkerHandle:
    """A running worker: its slot, the grader's ends of its two pipes, and a way to end it."""

    pid: int
    slot: Slot
    requests_fd: int
    responses_fd: int
    end: Callable[[], None]  # kill the worker's whole process group, reap it, remove its slot
    closed: bool = field(default=False)

    def close(self) -> None:
        if self.closed:
            return
        self.closed = True
        for fd in (self.requests_fd, self.responses_fd):
            try:
                os.close(fd)
            except OSError:
                pass
        self.end()


class Launcher(Protocol):
    name: str

    def start(self, spec: WorkerSpec) -> WorkerHandle: ...

    def close(self) -> None: ...


def kill_group(pid: int) -> None:
    """SIGKILL a worker's process group (it leads its own session) and the worker itself."""
    for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            target()
        except (ProcessLookupError, PermissionError):
            pass


def open_channels() -> tuple[tuple[int, int], tuple[int, int]]:
    """The request and response pipes: (the worker's ends, the grader's ends)."""
    requests_r, requests_w = os.pipe()
    responses_r, responses_w = os.pipe()
    for fd in (requests_w, responses_r):
        os.set_inheritable(fd, False)
    return (requests_r, responses_w), (requests_w, responses_r)


def open_output(slot: Slot) -> tuple[int, int]:
    return (os.open(slot.stdout, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600),
            os.open(slot.stderr, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))


class SpawnLauncher:
    """Start every worker as a new ``python -I`` process with a clean environment."""

    name = "spawn"

    def start(self, spec: WorkerSpec) -> WorkerHandle:
        slot = Slot.create()
        child_fds, parent_fds = open_channels()
        config = replace(slot.config(spec), requests_fd=child_fds[0], responses_fd=child_fds[1])
        stdout, stderr = open_output(slot)
        try:
            process = subprocess.Popen(
                [sys.executable, "-I", "-c", _BOOT, PACKAGE_ROOT, config.to_json()],
                stdin=subprocess.DEVNULL,
                stdout=stdout,
                stderr=stderr,
                pass_fds=child_fds,
                cwd=config.scratch_dir,
                env=worker_env(config.scratch_dir),
                start_new_session=True,
                close_fds=True,
            )
        except OSError:
            slot.remove()
            for fd in parent_fds:
                os.close(fd)
            raise
        finally:
            for fd in (*child_fds, stdout, stderr):
                os.close(fd)
        return WorkerHandle(process.pid, slot, parent_fds[0], parent_fds[1], lambda: _end(process, slot))

    def close(self) -> None:
        pass


def _end(process: subprocess.Popen, slot: Slot) -> None:
    kill_group(process.pid)
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL was sent already
        pass
    slot.remove()


def default_launcher() -> Launcher:
    """The fastest launcher that works here: a zygote where fork and Unix sockets exist, else a spawn per worker.

    Call it before reading any rubric: the zygote must never hold reference data.
    """
    from .zygote import ZygoteLauncher

    if ZygoteLauncher.available():
        try:
            return ZygoteLauncher()
        except OSError:
            pass
    return SpawnLauncher()
