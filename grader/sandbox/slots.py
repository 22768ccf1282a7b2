"""Sandbox primitives shared by every launcher: a worker's spec, its private slot, its handle and channels.

A *slot* is a worker's private folder: the code folder the worker may read (the
grader copies the submission there), the scratch folder it may write, and the files
that capture its stdout and stderr.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import signal
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Protocol

from .limits import Limits
from .tempdirs import enterable_by_the_unprivileged_user, run_folder
from .config import WorkerConfig

PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])
SUBMISSION_NAME = "submission.py"
SLOT_PREFIX = "grader-worker-"

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
    limits: Limits = Limits()
    disabled_layers: tuple[str, ...] = ()  # test-only: isolation layers to leave off


@dataclass(frozen=True)
class SubmissionFiles:
    """What the worker imports: the student's files (relative name -> bytes) and the entry module among them.

    Names are relative paths of Python modules (``utils.py``, ``helpers/__init__.py``); the
    code folder is first on the worker's ``sys.path``, so the files may import each other."""

    files: tuple[tuple[str, bytes], ...]
    entry: str = SUBMISSION_NAME

    @classmethod
    def single(cls, source: bytes) -> "SubmissionFiles":
        return cls(((SUBMISSION_NAME, source),))

    def write_into(self, folder: Path) -> None:
        """Copy the files into ``folder`` (the slot's code folder); OSError is a fault of the grading machine."""
        for name, data in self.files:
            target = folder / name
            target.parent.mkdir(mode=0o755, parents=True, exist_ok=True)
            target.write_bytes(data)
            target.chmod(0o644)  # readable by the worker, also after it drops to an unprivileged user


@dataclass(frozen=True)
class Slot:
    """A worker's private folder: code (read-only for it), scratch (writable), captured output."""

    folder: Path

    @classmethod
    def create(cls) -> "Slot":
        slot = cls(Path(tempfile.mkdtemp(prefix=SLOT_PREFIX, dir=run_folder())))
        enterable_by_the_unprivileged_user(slot.folder)
        slot.code_dir.mkdir(mode=0o755)
        slot.scratch_dir.mkdir()
        return slot

    @property
    def code_dir(self) -> Path:
        return self.folder / "code"

    @property
    def scratch_dir(self) -> Path:
        return self.folder / "scratch"

    @property
    def stdout(self) -> Path:
        return self.folder / "stdout"

    @property
    def stderr(self) -> Path:
        return self.folder / "stderr"

    def config(self, spec: WorkerSpec, requests_fd: int, responses_fd: int) -> WorkerConfig:
        return WorkerConfig(
            code_dir=str(self.code_dir),
            requests_fd=requests_fd,
            responses_fd=responses_fd,
            scratch_dir=str(self.scratch_dir),
            readable_paths=spec.readable_paths + (str(self.code_dir),),
            hidden_paths=spec.hidden_paths,
            limits=spec.limits,
            disabled_layers=spec.disabled_layers,
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
    """Starts sandboxed workers; shared by every submission graded in one process."""

    name: str

    def prepare(self, spec: WorkerSpec) -> None:
        """Optionally start sandboxing a worker for ``spec`` ahead of time."""

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
    """The request and response pipes: (the worker's ends, the grader's ends).

    The grader's request end is non-blocking, so a write to a worker that stops reading
    can time out instead of hanging the grader."""
    requests_r, requests_w = os.pipe()
    responses_r, responses_w = os.pipe()
    for fd in (requests_w, responses_r):
        os.set_inheritable(fd, False)
    flags = fcntl.fcntl(requests_w, fcntl.F_GETFL)
    fcntl.fcntl(requests_w, fcntl.F_SETFL, flags | os.O_NONBLOCK)
    return (requests_r, responses_w), (requests_w, responses_r)


def open_output(slot: Slot) -> tuple[int, int]:
    return (os.open(slot.stdout, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600),
            os.open(slot.stderr, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600))
