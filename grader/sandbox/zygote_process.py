"""The zygote process itself: imports numpy once, then forks a sandboxed worker per request.

Runs under ``python -I`` with an empty environment (see ``zygote``, the grader's side).
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import sys
import traceback
from pathlib import Path

from .config import WorkerConfig
from .slots import Slot, kill_group
from .worker import run as run_worker

_MAX_MESSAGE = 1 << 16
_FDS = 4


def serve(control_fd: int) -> None:
    """Main loop of the zygote process (runs under ``python -I`` with a clean environment)."""
    import numpy  # noqa: F401  - imported once here, inherited by every worker

    from .isolation import preload

    preload()

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
                _end_child(int(request["pid"]))
                children.discard(int(request["pid"]))
                Slot(Path(request["slot"])).remove()
    finally:
        for pid in children:
            _end_child(pid)
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


def _end_child(pid: int) -> None:
    kill_group(pid)
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
