"""Attack (escaping): write, delete and tamper outside the scratch folder.

Targets: the test's canary folder (create, overwrite, append, delete, rename, chmod,
utime, symlink, hard link), /tmp, /var/tmp, /dev/shm, the home folder (unless it is the
scratch folder, as it is in the sandbox), the repository
(a new file, appending to the rubric and to the reference implementation so that the next
student is graded against a tampered reference, a new module in the grader package), and
the worker's own code folder (replacing its copy of the submission). It reports every
success on stdout. (It only appends comments and creates marker files, so that a broken
sandbox does little harm.)

Expected: every attempt fails (read-only mounts, Landlock); the canary and rubrics/ are
unchanged; no marker file appears; every part 0.
"""

import glob
import os

# Filled in by tests/test_attacks.py (defaults for grading this file by hand).
HOOKS = {"repo": "/work/main", "canary": "/tmp/grader-attack-canary", "submission_dir": "/tmp",
         "tcp_port": 47011, "udp_port": 47012, "marker": "atkmarker"}

_notes = []


def _attempt(what, action):
    try:
        action()
        _notes.append(f"SUCCESS: {what}")
    except OSError as exc:
        _notes.append(f"blocked: {what}: {exc.strerror}")


def _create(path, text="written by a student\n"):
    with open(path, "x") as f:
        f.write(text)


def _append(path, text):
    with open(path, "a") as f:
        f.write(text)


def escape():
    marker, canary, repo = HOOKS["marker"], HOOKS["canary"], HOOKS["repo"]
    for existing in glob.glob(os.path.join(canary, "*")):
        _attempt(f"append to {existing}", lambda: _append(existing, "tampered\n"))
        _attempt(f"truncate {existing}", lambda: os.truncate(existing, 0))
        _attempt(f"chmod {existing}", lambda: os.chmod(existing, 0o777))
        _attempt(f"utime {existing}", lambda: os.utime(existing, (0, 0)))
        _attempt(f"rename {existing}", lambda: os.rename(existing, existing + ".moved"))
        _attempt(f"unlink {existing}", lambda: os.unlink(existing))
    scratch = os.path.realpath(os.getcwd())  # writable by design, and so is HOME, which points there
    for folder in (canary, "/tmp", "/var/tmp", "/dev/shm", os.path.expanduser("~"), "/root", repo,
                   os.path.join(repo, "rubrics"), os.path.join(repo, "grader"), os.path.dirname(__file__)):
        if os.path.realpath(folder) == scratch:
            continue
        target = os.path.join(folder, f"{marker}-escape.txt")
        _attempt(f"create {target}", lambda: _create(target))
        _attempt(f"mkdir in {folder}", lambda: os.mkdir(os.path.join(folder, f"{marker}-dir")))
        _attempt(f"symlink in {folder}", lambda: os.symlink("/etc/passwd", os.path.join(folder, f"{marker}-link")))
    _attempt("hard link into the canary", lambda: os.link(__file__, os.path.join(canary, f"{marker}-hardlink")))
    _attempt("tamper with the rubric", lambda: _append(os.path.join(repo, "rubrics", "recitation5.yaml"),
                                                        f"\n# {marker} tampered\n"))
    _attempt("tamper with the reference", lambda: _append(os.path.join(repo, "rubrics", "recitation5_reference.py"),
                                                           f"\n# {marker} tampered\n"))
    _attempt("plant a grader module", lambda: _create(os.path.join(repo, "grader", f"{marker}_plugin.py")))
    _attempt("replace my own copy of the submission", lambda: _append(__file__, "\n# replaced\n"))
    _attempt("write through /proc/self/root", lambda: _create(f"/proc/self/root/tmp/{marker}-via-proc.txt"))
    print("\n".join(sorted(_notes, key=lambda n: not n.startswith("SUCCESS"))))


escape()


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
