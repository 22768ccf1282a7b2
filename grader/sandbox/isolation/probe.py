"""probe_layers: which layers are active on this machine, found by sandboxing a throwaway child.

Used by `grade doctor` and the tests. The caller is left unchanged: only the forked child enters
the sandbox, and it reports over a pipe (read with a deadline; the child is killed if late).
"""

from __future__ import annotations

import json
import os
import select
import signal
import sys
import tempfile
import time
from dataclasses import asdict

from .cgroups import end_sandbox_cgroups
from .enter import enter_sandbox
from .status import ALL_LAYERS, LayerStatus, SandboxSpec, _inactive


def _read_until_eof(fd: int, deadline: float) -> bytes:
    chunks = []
    while (remaining := deadline - time.monotonic()) > 0:
        ready, _, _ = select.select([fd], [], [], remaining)
        if not ready:
            break
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def _reap(pid: int, deadline: float) -> None:
    while time.monotonic() < deadline:
        if os.waitpid(pid, os.WNOHANG)[0]:
            return
        time.sleep(0.005)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)


def _probe_child(spec: SandboxSpec, write_fd: int) -> None:
    code = 1
    try:
        os.setsid()
        statuses = enter_sandbox(spec)
        os.write(write_fd, json.dumps([asdict(s) for s in statuses]).encode())
        code = 0
    except BaseException as exc:  # noqa: BLE001 - report, never return into the caller
        try:
            os.write(write_fd, json.dumps({"error": f"{type(exc).__name__}: {exc}"}).encode())
        except BaseException:  # noqa: BLE001
            pass
    finally:
        os._exit(code)


def probe_layers(timeout: float = 10.0) -> list[LayerStatus]:
    """Fork a throwaway child that enters the sandbox and report which layers are active here."""
    if not hasattr(os, "fork"):
        return _inactive(ALL_LAYERS, f"os.fork unavailable on {sys.platform}")
    scratch = tempfile.mkdtemp(prefix="grader-probe-")
    read_fd, write_fd = os.pipe()
    try:
        pid = os.fork()
        if pid == 0:
            os.close(read_fd)
            _probe_child(SandboxSpec(scratch, (), ()), write_fd)  # never returns
        os.close(write_fd)
        write_fd = -1
        deadline = time.monotonic() + timeout
        data = _read_until_eof(read_fd, deadline)
        _reap(pid, deadline)
        end_sandbox_cgroups(pid)  # made by the child itself when there is no pid namespace
    finally:
        for fd in (read_fd, write_fd):
            if fd >= 0:
                os.close(fd)
        os.rmdir(scratch)
    try:
        report = json.loads(data)
    except ValueError:
        return _inactive(ALL_LAYERS, "probe child reported nothing")
    if isinstance(report, dict):
        return _inactive(ALL_LAYERS, f"probe failed: {report.get('error')}")
    return [LayerStatus(**entry) for entry in report]
