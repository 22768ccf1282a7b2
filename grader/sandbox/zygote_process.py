"""The zygote process itself: imports numpy once, then forks a sandboxed worker per request.

Runs under ``python -I`` with an empty environment (see ``zygote``, the grader's side).

Ending a worker ends every process of its submission, with or without a pid namespace: the
zygote kills the worker's process group and reaps it; then, as a child subreaper
(PR_SET_CHILD_SUBREAPER), it kills and reaps every child that is not a worker it knows: the
orphans of ended workers (a process that called setsid() escapes the group kill, and its
parent's death reparents it here, not to init) and the zombie PID 1 of a killed pid namespace,
round after round until none is left; finally it kills every task still in the worker's cgroups
and removes them (``end_sandbox_cgroups``: without a pid namespace the worker made them itself;
with one, its killed waiting parent could not). It does all this again when it exits. Only those
pids are waited for, never -1: a worker is reaped only when the grader ends it, so its pid
cannot be reused before.
"""

from __future__ import annotations

import fcntl
import json
import os
import signal
import socket
import sys
import traceback
from pathlib import Path

from .config import WorkerConfig
from .isolation._syscalls import _PR_SET_CHILD_SUBREAPER, _libc, _prctl
from .isolation.cgroups import end_sandbox_cgroups
from .slots import Slot, kill_group
from .worker import run as run_worker

_MAX_MESSAGE = 1 << 16
_FDS = 4
_SWEEP_ROUNDS = 10_000  # each round kills a generation of orphans; a fork bomb is bounded by its limits


def serve(control_fd: int) -> None:
    """Main loop of the zygote process (runs under ``python -I`` with a clean environment)."""
    import numpy  # noqa: F401  - imported once here, inherited by every worker

    from .isolation import preload

    preload()
    try:
        _prctl(_libc(), _PR_SET_CHILD_SUBREAPER, 1)
    except OSError:  # pragma: no cover - Linux >= 3.4 has it
        pass

    control = socket.socket(fileno=control_fd)
    control.sendall(json.dumps({"ready": True}).encode())
    children: set[int] = set()
    try:
        while True:
            try:
                data, fds, _, _ = socket.recv_fds(control, _MAX_MESSAGE, _FDS)
            except OSError:
                break
            if not data:
                break
            request = json.loads(data)
            if request["op"] == "start":
                pid = _fork_worker(control, WorkerConfig.from_json(request["config"]), fds)
                children.add(pid)
                control.sendall(json.dumps({"pid": pid}).encode())
            elif int(request["pid"]) in children:
                pid = int(request["pid"])
                children.discard(pid)
                _end_child(pid, children)
                Slot(Path(request["slot"])).remove()
    finally:
        while children:
            _end_child(children.pop(), children)
        _reap_orphans(set())
    os._exit(0)


def _fork_worker(control: socket.socket, config: WorkerConfig, fds: list[int]) -> int:
    pid = os.fork()
    if pid:
        for fd in fds:
            os.close(fd)
        return pid
    try:  # the worker: own session, its four descriptors in place, nothing else open
        os.setsid()
        control.close()
        requests, responses, stdout, stderr = (fcntl.fcntl(fd, fcntl.F_DUPFD, 64) for fd in fds)  # out of the way
        for fd, target in ((stdout, 1), (stderr, 2), (requests, 3), (responses, 4)):
            os.dup2(fd, target)
        os.closerange(5, os.sysconf("SC_OPEN_MAX") if hasattr(os, "sysconf") else 1 << 16)
        code = run_worker(config)
    except BaseException:  # noqa: BLE001 - a worker must never return into the zygote's loop
        traceback.print_exc()  # to the slot's stderr: the grader shows it if the sandbox fails to start
        sys.stderr.flush()
        code = 70
    os._exit(code)


def _end_child(pid: int, workers: set[int]) -> None:
    """Kill and reap worker `pid` and every process of its submission; `workers` are the others (left alone)."""
    kill_group(pid)
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
    _reap_orphans(workers)  # first: then a pid namespace is gone, and its cgroups are empty and quick to remove
    if end_sandbox_cgroups(pid):  # it killed something that was not (yet) reparented here
        _reap_orphans(workers)


def _children() -> list[int]:
    """This process's children, from /proc (/proc/PID/task/TID/children needs CONFIG_PROC_CHILDREN)."""
    me, found = os.getpid(), []
    try:
        entries = os.listdir("/proc")
    except OSError:
        return found
    for entry in entries:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as f:
                fields = f.read().rpartition(b")")[2].split()  # the name in parentheses may hold anything
        except OSError:
            continue
        if len(fields) > 1 and int(fields[1]) == me:
            found.append(int(entry))
    return found


def _reap_orphans(workers: set[int]) -> None:
    """SIGKILL and reap every child that is not one of `workers`, until none is left (a killed orphan's
    own children are reparented here before it can be reaped, so the next round finds them)."""
    for _ in range(_SWEEP_ROUNDS):
        orphans = [pid for pid in _children() if pid not in workers]
        if not orphans:
            return
        for pid in orphans:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        for pid in orphans:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass
