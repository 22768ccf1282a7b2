"""A launcher for *trusted* code: the course's reference implementation, never a student's.

The reference runs in a child process forked from the grader, outside the sandbox but
through the same protocol as a student's worker: each call has a deadline that holds
through long C calls, and an ``exit()``, a crash or a hang in the reference ends that
child, not the grader. Forking is cheap (the child inherits the grader's imported
numpy) and safe here because the grader's memory holds nothing the reference may not see.
"""

from __future__ import annotations

import os
import signal
import sys
import traceback

from .slots import Slot, WorkerHandle, WorkerSpec, kill_group, open_channels, open_output
from .worker import run as run_worker


class TrustedLauncher:
    """Fork an unsandboxed worker for the reference implementation."""

    name = "trusted"

    @staticmethod
    def available() -> bool:
        return hasattr(os, "fork")

    def prepare(self, spec: WorkerSpec) -> None:
        pass

    def start(self, spec: WorkerSpec) -> WorkerHandle:
        slot = Slot.create()
        child_fds, parent_fds = open_channels()
        output_fds = open_output(slot)
        config = slot.config(spec, requests_fd=child_fds[0], responses_fd=child_fds[1])
        try:
            pid = os.fork()
        except OSError:
            for fd in (*child_fds, *parent_fds, *output_fds):
                os.close(fd)
            slot.remove()
            raise
        if pid == 0:  # pragma: no cover - the child never returns into the caller
            _child(config, parent_fds, output_fds)
        for fd in (*child_fds, *output_fds):
            os.close(fd)
        return WorkerHandle(pid, slot, parent_fds[0], parent_fds[1], lambda: _end(pid, slot))

    def close(self) -> None:
        pass


def _child(config, parent_fds: tuple[int, int], output_fds: tuple[int, int]) -> None:
    code = 70
    try:
        os.setsid()
        for fd in parent_fds:
            os.close(fd)
        os.dup2(output_fds[0], 1)
        os.dup2(output_fds[1], 2)
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            signal.signal(sig, signal.SIG_DFL)  # the grader's handlers are not this process's
        sys.stdout = os.fdopen(1, "w", closefd=False)
        sys.stderr = os.fdopen(2, "w", closefd=False)
        code = run_worker(config, sandboxed=False, prepare=_single_threaded_blas)
    except BaseException:  # noqa: BLE001 - never return into the grader's code
        traceback.print_exc()
    finally:
        os._exit(code)


def _single_threaded_blas() -> None:
    """Reference calls are small: BLAS threads would only compete with the student's worker for the cores."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - a declared dependency
        return
    threadpool_limits(limits=1)


def _end(pid: int, slot: Slot) -> None:
    kill_group(pid)
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
    slot.remove()
