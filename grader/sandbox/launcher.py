"""Starting worker processes: a fresh interpreter per worker (portable, ~100 ms), or forked from a zygote."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Protocol

from .worker import WorkerConfig

PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])
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


@dataclass
class WorkerHandle:
    """A running worker: the grader's ends of its two pipes and a way to end it."""

    pid: int
    requests_fd: int
    responses_fd: int
    end: Callable[[], None]  # kill the worker's whole process group and reap it

    def close(self) -> None:
        for fd in (self.requests_fd, self.responses_fd):
            try:
                os.close(fd)
            except OSError:
                pass
        self.end()


def kill_group(pid: int) -> None:
    """SIGKILL a worker's process group (it leads its own session) and the worker itself."""
    for target in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            target()
        except (ProcessLookupError, PermissionError):
            pass


class Launcher(Protocol):
    def start(self, config: WorkerConfig, stdout_fd: int, stderr_fd: int) -> WorkerHandle: ...

    def close(self) -> None: ...


def open_channels(config: WorkerConfig) -> tuple[WorkerConfig, tuple[int, int], tuple[int, int]]:
    """Create the request and response pipes; returns the config naming the worker's ends,
    the worker's ends and the grader's ends."""
    requests_r, requests_w = os.pipe()
    responses_r, responses_w = os.pipe()
    for fd in (requests_w, responses_r):
        os.set_inheritable(fd, False)
    child = replace(config, requests_fd=requests_r, responses_fd=responses_w)
    return child, (requests_r, responses_w), (requests_w, responses_r)


class SpawnLauncher:
    """Start every worker as a new ``python -I`` process with a clean environment."""

    name = "spawn"

    def start(self, config: WorkerConfig, stdout_fd: int, stderr_fd: int) -> WorkerHandle:
        config, child_fds, parent_fds = open_channels(config)
        try:
            process = subprocess.Popen(
                [sys.executable, "-I", "-c", _BOOT, PACKAGE_ROOT, config.to_json()],
                stdin=subprocess.DEVNULL,
                stdout=stdout_fd,
                stderr=stderr_fd,
                pass_fds=child_fds,
                cwd=config.scratch_dir,
                env=worker_env(config.scratch_dir),
                start_new_session=True,
                close_fds=True,
            )
        finally:
            for fd in child_fds:
                os.close(fd)
        return WorkerHandle(process.pid, parent_fds[0], parent_fds[1], lambda: _end(process))

    def close(self) -> None:
        pass


def _end(process: subprocess.Popen) -> None:
    kill_group(process.pid)
    try:
        process.wait(timeout=5)
    except subprocess.TimeoutExpired:  # pragma: no cover - SIGKILL was sent already
        pass


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
