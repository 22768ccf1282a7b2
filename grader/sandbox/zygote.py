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

import json
import os
import socket
import shutil
import subprocess
import sys
import tempfile
import threading

from .slots import PACKAGE_ROOT, Slot, WorkerHandle, WorkerSpec, kill_group, open_channels, open_output, worker_env
from ..testpoint import reached
from .tempdirs import run_folder

_BOOT = ("import sys; sys.path.insert(0, sys.argv[1]); from grader.sandbox.zygote_process import serve; "
         "serve(int(sys.argv[2]))")
_MAX_MESSAGE = 1 << 16


class ZygoteLauncher:
    """Fork workers from a zygote process (where Unix SEQPACKET sockets exist, i.e. Linux), keeping a spare."""

    name = "zygote"

    @staticmethod
    def available() -> bool:
        """Needs fork, descriptor passing and message-preserving Unix sockets (Linux has all three)."""
        return hasattr(os, "fork") and hasattr(socket, "send_fds") and hasattr(socket, "SOCK_SEQPACKET")

    def __init__(self, keep_spare: bool = True) -> None:
        """Start the zygote process and return at once: it imports numpy while the caller goes on."""
        self._keep_spare = keep_spare
        self._home = tempfile.mkdtemp(prefix="grader-zygote-", dir=run_folder())
        self._lock = threading.Lock()  # one request at a time on the socket
        self._starting = threading.RLock()  # one start/prepare/close at a time, from any thread
        self._spare: tuple[WorkerSpec, WorkerHandle] | None = None
        self._refill: threading.Thread | None = None
        try:
            self._socket, self._process = self._spawn()
            reached("zygote")
        except BaseException:
            self._abandon()
            raise

    def prepare(self, spec: WorkerSpec) -> None:
        """Start sandboxing a spare worker for ``spec`` in the background, if none is on its way."""
        with self._starting:
            if self._keep_spare and self._refill is None and self._spare is None:
                self._start_refill(spec)

    def start(self, spec: WorkerSpec) -> WorkerHandle:
        """A sandboxed worker for ``spec``: the warm spare if it fits; the next spare is forked in the background."""
        with self._starting:
            spare = self._take_spare()
            if spare is not None and spare[0] != spec:
                spare[1].close()
                spare = None
            handle = spare[1] if spare is not None else self._fork(spec)
            if self._keep_spare:
                self._start_refill(spec)
            return handle

    def close(self) -> None:
        with self._starting:
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

    def _abandon(self) -> None:
        """Undo a half-made launcher (interrupted while starting): end the zygote, remove its home."""
        process = getattr(self, "_process", None)
        if process is not None:
            kill_group(process.pid)
            process.wait()
            self._socket.close()
        shutil.rmtree(self._home, ignore_errors=True)

    def _start_refill(self, spec: WorkerSpec) -> None:
        self._refill = threading.Thread(target=self._make_spare, args=(spec,), daemon=True)
        self._refill.start()

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
        self._ready = False
        return ours, process

    def _wait_ready(self) -> None:
        """Wait, once, for the zygote's "ready" (it has imported numpy); call with the socket lock held."""
        if not self._ready:
            if _receive(self._socket).get("ready") is not True:
                raise OSError("the sandbox zygote did not start")
            self._ready = True

    def _fork(self, spec: WorkerSpec) -> WorkerHandle:
        slot = Slot.create()
        child_fds, parent_fds = open_channels()
        output_fds = open_output(slot)
        config = slot.config(spec, requests_fd=3, responses_fd=4)
        try:
            with self._lock:
                self._wait_ready()
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
            kill_group(self._process.pid)
            self._process.wait()
            self._socket, self._process = self._spawn()
            self._wait_ready()
            socket.send_fds(self._socket, [json.dumps(request).encode()], fds)
            return _receive(self._socket)


def _receive(sock: socket.socket) -> dict:
    data = sock.recv(_MAX_MESSAGE)
    if not data:
        raise OSError("the sandbox zygote closed its socket")
    return json.loads(data)
