"""A clean, pre-imported process that forks sandboxed workers, one spare always warm.

Spawning ``python`` and importing numpy costs ~100 ms per worker; forking from a
process that already did costs a few milliseconds, and entering the sandbox about
ten more. The zygote is started by the grader *before* any rubric is read, with an
empty environment, and imports only the standard library, numpy and the worker: a
student's process forked from it finds no reference, no expected value and no secret
in memory. The launcher keeps one spare worker sandboxing itself while the current
submission is graded, so in a batch the next submission finds its sandbox ready.

The grader talks to the zygote over a Unix SEQPACKET socket (one message per request,
even when an unanswered ``end`` is followed at once by a ``start``): ``start`` passes the worker's
configuration and its four file descriptors (requests, responses, stdout, stderr)
with SCM_RIGHTS, and the zygote forks and answers with the pid; ``end`` (no answer)
kills a worker's process group and reaps it. The zygote reaps nothing on its own, so
a worker's pid cannot be reused before the grader has ended it.
"""

from __future__ import annotations

import fcntl
import json
import os
import socket
import subprocess
import sys
import shutil
import tempfile
import threading
import traceback
from dataclasses import replace
from pathlib import Path

from .launcher import PACKAGE_ROOT, Slot, WorkerHandle, WorkerSpec, kill_group, open_channels, open_output, worker_env
from .worker import WorkerConfig, run as run_worker

_BOOT = ("import sys; sys.path.insert(0, sys.argv[1]); from grader.sandbox.zygote import serve; "
         "serve(int(sys.argv[2]))")
_MAX_MESSAGE = 1 << 16
_FDS = 4


class ZygoteLauncher:
    """Fork workers from a zygote process (where Unix SEQPACKET sockets exist, i.e. Linux), keeping a spare."""

    name = "zygote"

    @staticmethod
    def available() -> bool:
        """Needs fork, descriptor passing and message-preserving Unix sockets (Linux has all three)."""
        return hasattr(os, "fork") and hasattr(socket, "send_fds") and hasattr(socket, "SOCK_SEQPACKET")

    def __init__(self, keep_spare: bool = True) -> None:
        self._keep_spare = keep_spare
        self._home = tempfile.mkdtemp(prefix="grader-zygote-")
        self._lock = threading.Lock()  # one request at a time on the socket
        self._spare: tuple[WorkerSpec, WorkerHandle] | None = None
        self._refill: threading.Thread | None = None
        self._socket, self._process = self._spawn()

    def start(self, spec: WorkerSpec) -> WorkerHandle:
        """A sandboxed worker for ``spec``: the warm spare if it fits; the next spare is forked in the background."""
        spare = self._take_spare()
        if spare is not None and spare[0] != spec:
            spare[1].close()
            spare = None
        handle = spare[1] if spare is not None else self._fork(spec)
        if self._keep_spare:
            self._refill = threading.Thread(target=self._make_spare, args=(spec,), daemon=True)
            self._refill.start()
        return handle

    def close(self) -> None:
        spare = self._take_spare()
        if spare is not None:
            spare[1].close()
        self._socket.close()  # the zygote kills its remaining workers and exits on end of input
        try:
            self._process.wait(timeout=5)
        except subprocess.TimeoutExpired:  # pragma: no cover
            kill_group(self._process.pid)
            self._process.wait()
        shutil.rmtree(self._home, ignore_errors=True)

    def _take_spare(self) -> tuple[WorkerSpec, WorkerHandle] | None:
        if self._refill is not None:
            self._refill.join()
            self._refill = None
        spare, self._spare = self._spare, None
        return spare

    def _make_spare(self, spec: WorkerSpec) -> None:
        try:
            self._spare = (spec, self._fork(spec))
        except OSError:
            self._spare = None

    # -- talking to the zygote ---------------------------------------------------

    def _spawn(self) -> tuple[socket.socket, subprocess.Popen]:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        try:
            process = subprocess.Popen(
                [sys.executable, "-I", "-c", _BOOT, PACKAGE_ROOT, str(theirs.fileno())],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                pass_fds=(theirs.fileno(),),
                env=worker_env(self._home),
                cwd=self._home,
                start_new_session=True,
            )
        finally:
            theirs.close()
        if _receive(ours).get("ready") is not True:
            raise OSError("the sandbox zygote did not start")
        return ours, process

    def _fork(self, spec: WorkerSpec) -> WorkerHandle:
        slot = Slot.create()
        child_fds, parent_fds = open_channels()
        output_fds = open_output(slot)
        config = replace(slot.config(spec), requests_fd=3, responses_fd=4)
        try:
            with self._lock:
                pid = int(self._send({"op": "start", "config": config.to_json()}, [*child_fds, *output_fds])["pid"])
        except (OSError, KeyError, ValueError):
            for fd in parent_fds:
                os.close(fd)
            slot.remove()
            raise OSError("the sandbox zygote could not start a worker") from None
        finally:
            for fd in (*child_fds, *output_fds):
                os.close(fd)
        return WorkerHandle(pid, slot, parent_fds[0], parent_fds[1], lambda: self._end(pid, slot))

    def _end(self, pid: int, slot: Slot) -> None:
        """Ask the zygote to kill, reap and clean up a worker; the grader does not wait for it."""
        with self._lock:
            try:
                self._socket.send(json.dumps({"op": "end", "pid": pid, "slot": str(slot.folder)}).encode())
            except OSError:
                kill_group(pid)
                slot.remove()

    def _send(self, request: dict, fds: list[int]) -> dict:
        """One request and its answer; a dead zygote is restarted once."""
        try:
            socket.send_fds(self._socket, [json.dumps(request).encode()], fds)
            return _receive(self._socket)
        except OSError:
            self._socket.close()
            self._socket, self._process = self._spawn()
            socket.send_fds(self._socket, [json.dumps(request).encode()], fds)
            return _receive(self._socket)


def _receive(sock: socket.socket) -> dict:
    data = sock.recv(_MAX_MESSAGE)
    if not data:
        raise OSError("the sandbox zygote closed its socket")
    return json.loads(data)


# -- the zygote's side ------------------------------------------------------------


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
