"""A clean, pre-imported process that forks one sandboxed worker per submission.

Spawning ``python`` and importing numpy costs ~100 ms per worker; forking from a
process that already did costs a few milliseconds. The zygote is started by the
grader *before* any rubric is read, with an empty environment, and imports only the
standard library, numpy and the worker: a student's process forked from it finds no
reference, no expected value and no secret in memory.

The grader talks to the zygote over a Unix socket: ``start`` passes the worker's
configuration and its four file descriptors (requests, responses, stdout, stderr)
with SCM_RIGHTS; the zygote forks and answers with the pid. ``end`` kills a worker's
process group and reaps it. The zygote reaps nothing on its own, so a worker's pid
cannot be reused before the grader has ended it.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
from dataclasses import replace

from .launcher import PACKAGE_ROOT, WorkerHandle, kill_group, open_channels, worker_env
from .worker import WorkerConfig, run as run_worker

_BOOT = ("import sys; sys.path.insert(0, sys.argv[1]); from grader.sandbox.zygote import serve; "
         "serve(int(sys.argv[2]))")
_MAX_MESSAGE = 1 << 16
_FDS = 4


class ZygoteLauncher:
    """Fork workers from a zygote process (Linux and macOS)."""

    name = "zygote"

    @staticmethod
    def available() -> bool:
        return hasattr(os, "fork") and hasattr(socket, "send_fds") and sys.platform != "win32"

    def __init__(self) -> None:
        self._home = tempfile.mkdtemp(prefix="grader-zygote-")
        self._lock = threading.Lock()
        self._socket, self._process = self._spawn()

    def _spawn(self) -> tuple[socket.socket, subprocess.Popen]:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            process = subprocess.Popen(
                [sys.executable, "-I", "-c", _BOOT, PACKAGE_ROOT, str(theirs.fileno())],
                stdin=subprocess.DEVNULL,
                pass_fds=(theirs.fileno(),),
                env=worker_env(self._home),
                cwd=self._home,
                start_new_session=True,
            )
        finally:
            theirs.close()
        reply = _receive(ours)
        if reply.get("ready") is not True:
            raise OSError("the sandbox zygote did not start")
        return ours, process

    def start(self, config: WorkerConfig, stdout_fd: int, stderr_fd: int) -> WorkerHandle:
        config, child_fds, parent_fds = open_channels(config)
        config = replace(config, requests_fd=3, responses_fd=4)
        try:
            with self._lock:
                reply = self._ask({"op": "start", "config": config.to_json()}, [*child_fds, stdout_fd, stderr_fd])
        except OSError:
            for fd in parent_fds:
                os.close(fd)
            raise
        finally:
            for fd in child_fds:
                os.close(fd)
        pid = int(reply["pid"])
        return WorkerHandle(pid, parent_fds[0], parent_fds[1], lambda: self._end(pid))

    def _end(self, pid: int) -> None:
        with self._lock:
            try:
                self._ask({"op": "end", "pid": pid}, [])
            except OSError:
                kill_group(pid)

    def _ask(self, request: dict, fds: list[int]) -> dict:
        """One request and its reply; a dead zygote is restarted once."""
        for attempt in (1, 2):
            try:
                socket.send_fds(self._socket, [json.dumps(request).encode()], fds)
                return _receive(self._socket)
            except OSError:
                if attempt == 2:
                    raise
                self._restart()
        raise OSError("unreachable")  # pragma: no cover

    def _restart(self) -> None:
        self._stop()
        self._socket, self._process = self._spawn()

    def _stop(self) -> None:
        self._socket.close()  # the zygote kills its workers and exits on end of input
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover
            kill_group(self._process.pid)
            self._process.wait()

    def close(self) -> None:
        self._stop()
        try:
            os.rmdir(self._home)
        except OSError:
            pass


def _receive(sock: socket.socket) -> dict:
    data = sock.recv(_MAX_MESSAGE)
    if not data:
        raise OSError("the sandbox zygote closed its socket")
    return json.loads(data)


# -- the zygote's side ------------------------------------------------------------


def serve(control_fd: int) -> None:
    """Main loop of the zygote process (runs under ``python -I`` with a clean environment)."""
    import numpy  # noqa: F401  - imported once here, inherited by every worker

    from . import isolation  # noqa: F401  - used by every worker; import it once

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
            else:
                pid = int(request["pid"])
                if pid in children:
                    _end_child(pid)
                    children.discard(pid)
                control.sendall(b'{"ended": true}')
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
        requests, responses, stdout, stderr = fds
        for fd, target in ((stdout, 1), (stderr, 2), (requests, 3), (responses, 4)):
            os.dup2(fd, target)
        os.closerange(5, 1 << 16)
        code = run_worker(config)
    except BaseException:  # noqa: BLE001 - a worker must never return into the zygote's loop
        code = 70
    os._exit(code)


def _end_child(pid: int) -> None:
    kill_group(pid)
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass
