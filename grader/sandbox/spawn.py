"""The portable launcher: every worker is a fresh ``python -I`` process with a clean environment."""

from __future__ import annotations

import os
import subprocess
import sys

from .slots import (PACKAGE_ROOT, Slot, WorkerHandle, WorkerSpec, kill_group, open_channels, open_output,
                    worker_env)

_BOOT = "import sys; sys.path.insert(0, sys.argv[1]); from grader.sandbox.worker import main; main()"


class SpawnLauncher:
    """Start every worker as a new interpreter (slow: each one imports numpy anew)."""

    name = "spawn"

    def prepare(self, spec: WorkerSpec) -> None:
        pass

    def start(self, spec: WorkerSpec) -> WorkerHandle:
        slot = Slot.create()
        child_fds, parent_fds = open_channels()
        config = slot.config(spec, requests_fd=child_fds[0], responses_fd=child_fds[1])
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
