"""Attack (killing the grader): SIGKILL / SIGSTOP the parent, the process group, every process.

os.kill(os.getppid(), SIGKILL), os.killpg(0, SIGKILL), kill(-1, SIGSTOP) then
kill(-1, SIGKILL) (every process the user may signal), and a SIGKILL to every process
whose command line mentions python, grade or pytest -- at import and again in every call.

DANGER: without a PID namespace, and with the grader running as root, kill(-1, SIGKILL)
kills every process on the machine. tests/test_attacks.py runs this file only when
`grade doctor` shows the pid namespace active.

Expected: the worker is PID 1 of its own namespace, sees no other process and cannot
signal out of it (Landlock scopes signals too); the grader finishes with a full report;
every part 0.
"""

import os
import signal

_notes = []


def _attempt(what, action):
    try:
        action()
        _notes.append(f"sent: {what}")
    except OSError as exc:
        _notes.append(f"blocked: {what}: {exc.strerror}")


def _kill_by_name():
    for pid in (p for p in os.listdir("/proc") if p.isdigit() and int(p) != os.getpid()):
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                cmdline = f.read()
        except OSError:
            continue
        if any(word in cmdline for word in (b"python", b"grade", b"pytest")):
            _attempt(f"SIGKILL to {pid} ({cmdline[:60]!r})", lambda: os.kill(int(pid), signal.SIGKILL))


def attack():
    ppid = os.getppid()
    _attempt(f"SIGKILL to parent {ppid}", lambda: os.kill(ppid, signal.SIGKILL))
    _attempt("SIGKILL to the parent's group", lambda: os.killpg(os.getpgid(ppid), signal.SIGKILL))
    _attempt("SIGKILL to my process group", lambda: os.killpg(0, signal.SIGKILL))
    _attempt("SIGSTOP to everything", lambda: os.kill(-1, signal.SIGSTOP))
    _attempt("SIGKILL to everything", lambda: os.kill(-1, signal.SIGKILL))
    _attempt("SIGKILL to pid 1", lambda: os.kill(1, signal.SIGKILL))
    _kill_by_name()


attack()
print("\n".join(_notes))


def forward(alpha, beta, x, y):
    attack()
    return None


def backward(alpha, beta, x, y):
    attack()
    return None


def chain_rule(dy_dx, dz_dy):
    attack()
    return None


def d_Ax_dx(A, x):
    attack()
    return None


def linear_regression(X, y):
    attack()
    return None
