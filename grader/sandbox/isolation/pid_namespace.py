"""The fork into the new pid namespace, and the waiting parent that stays outside it.

Stops: the student seeing or signalling the grader (it is PID 1 of its own namespace), and any of
its processes outliving the sandbox (they all die with PID 1).

Traps:
- The caller forks here: the original process becomes the waiting parent (it joins the child to
  the cgroups, waits, cleans up and exits with the child's status) and only the child returns.
- PID 1 calls setsid() so that kill(0, ...) cannot reach the waiting parent's process group.
- PID 1 gets PR_SET_PDEATHSIG=SIGKILL: when the grader kills the waiting parent, PID 1 dies and
  takes the whole namespace with it. EOF on the verdict pipe means the parent is already gone.
- The cgroup verdict is read last (see cgroups.py: joining a cgroup-v1 hierarchy is slow). It is
  one line; the parent keeps the pipe open until it exits, so EOF after the verdict also means it
  died. That check covers PID 1 switching to uid 65534 (user.py): the credential change clears
  PR_SET_PDEATHSIG, which is set again at once, but a parent that died in between sent nothing.
"""

from __future__ import annotations

import ctypes
import json
import os
import select
import signal
from dataclasses import asdict

from ..limits import Limits
from ._syscalls import _PR_SET_PDEATHSIG, _err, _prctl
from .cgroups import _join_memory_cgroup, _join_pids_cgroup, _remove_cgroup
from .status import _CGROUP_LAYERS, DISABLED_DETAIL, LayerStatus, SandboxError, _inactive

_PARENT_DIED_EXIT = 128 + signal.SIGKILL


def _fork_into_pid_namespace(libc: ctypes.CDLL, limits: Limits, cgroups: bool = True) -> int:
    """Fork PID 1 of the new namespace. The parent waits and exits; returns, only in the child, the fd on
    which the parent sends its cgroup verdict (read it with _receive_cgroup_status before student code).
    With `cgroups` false (the test-only switch) the parent reports both cgroup layers disabled."""
    read_fd, write_fd = os.pipe()
    try:
        pid = os.fork()
    except OSError as exc:
        raise SandboxError(f"fork into the pid namespace failed: {_err(exc)}") from exc
    if pid:
        os.close(read_fd)
        _run_waiting_parent(pid, write_fd, limits, cgroups)  # never returns
    os.close(write_fd)
    try:
        _prctl(libc, _PR_SET_PDEATHSIG, signal.SIGKILL)
        os.setsid()  # so kill(0, sig) inside cannot reach the waiting parent's group
    except OSError as exc:
        raise SandboxError(f"pid namespace init setup failed: {_err(exc)}") from exc
    return read_fd


def _receive_cgroup_status(read_fd: int) -> list[LayerStatus]:
    """Wait for the parent's cgroup verdict (one line); EOF without one, or EOF right after it (the
    parent has died since: PR_SET_PDEATHSIG may have been cleared meanwhile, see user.py), means the
    parent is gone: exit.

    Read last: moving a task into a cgroup-v1 hierarchy waits for an RCU grace period, which the
    parent spends while this process applies the other layers."""
    data = b""
    while not data.endswith(b"\n"):
        chunk = os.read(read_fd, 4096)
        if not chunk:
            os._exit(_PARENT_DIED_EXIT)
        data += chunk
    parent_gone = bool(select.select([read_fd], [], [], 0)[0])  # readable now: only EOF can follow the line
    os.close(read_fd)
    if parent_gone:
        os._exit(_PARENT_DIED_EXIT)
    return [LayerStatus(**status) for status in json.loads(data)]


def _run_waiting_parent(child: int, write_fd: int, limits: Limits, cgroups: bool = True) -> None:
    """Outer process: put the child in pids and memory cgroups, wait for it, clean up, exit with its status.

    SIGTERM/SIGHUP/SIGINT kill the child and still clean up (exit 128+signal); SIGKILL leaves an
    empty cgroup behind, which the next sandbox's parent removes."""
    code, paths, received = 125, [], []

    def stop(signum: int, _frame: object) -> None:
        received.append(signum)
        os.kill(child, signal.SIGKILL)

    try:
        for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGINT):
            signal.signal(signum, stop)
        if cgroups:
            pids_status, pids_path = _join_pids_cgroup(child, limits.processes)
            memory_status, memory_path = _join_memory_cgroup(child, limits.memory_bytes)
            paths = [path for path in (pids_path, memory_path) if path]
            verdict = [pids_status, memory_status]
        else:
            verdict = _inactive(_CGROUP_LAYERS, DISABLED_DETAIL)
        os.write(write_fd, json.dumps([asdict(status) for status in verdict]).encode() + b"\n")
        # write_fd stays open until this process exits: EOF tells PID 1 that it is gone
        _, wait_status = os.waitpid(child, 0)
        code = os.waitstatus_to_exitcode(wait_status)
        code = 128 + received[0] if received else (128 - code if code < 0 else code)
    except BaseException:  # noqa: BLE001 - never return into the caller's code
        try:
            os.kill(child, signal.SIGKILL)
            os.waitpid(child, 0)
        except OSError:
            pass
    finally:
        for path in paths:
            _remove_cgroup(path)
        os._exit(code)
