"""Attack (denial of service): fill the disk, inside the scratch folder and outside it.

In the scratch folder (the current directory): one endless file, then up to a hundred
15 MB files, each below the file-size limit. Outside: the same in the test's canary folder, /tmp,
/var/tmp, /dev/shm, the repository and the home folder, under names carrying a marker.
(Outside the scratch folder it stops at 64 MB per place so that a broken sandbox cannot
fill the machine's disk.)

Expected: the file-size limit and the size-capped scratch tmpfs stop it in scratch;
nothing at all is created outside; the grading is unaffected; every part 0.
"""

import os

# Filled in by tests/test_attacks.py (defaults for grading this file by hand).
HOOKS = {"repo": "/work/main", "canary": "/tmp/grader-attack-canary", "submission_dir": "/tmp",
         "tcp_port": 47011, "udp_port": 47012, "marker": "atkmarker"}

MB = 1 << 20
CHUNK = b"\xff" * MB
_notes = []


def _fill(path, limit):
    written = 0
    try:
        with open(path, "wb") as f:
            while written < limit:
                f.write(CHUNK)
                written += MB
    except OSError as exc:
        return written, exc.strerror
    return written, None


def bomb():
    written, error = _fill("endless.bin", 1 << 40)
    _notes.append(f"scratch endless file: {written // MB} MB ({error})")
    total = written
    for i in range(100):  # 1.5 GB at most, in files below the 16 MB file-size limit
        size, error = _fill(f"many-{i}.bin", 15 * MB)
        total += size
        if error:
            break
    _notes.append(f"scratch total: {total // MB} MB ({error})")
    outside = [HOOKS["canary"], "/tmp", "/var/tmp", "/dev/shm", HOOKS["repo"], os.path.join(HOOKS["repo"], "rubrics"),
               os.path.expanduser("~"), "/root", "/"]
    for folder in outside:
        written, error = _fill(os.path.join(folder, f"{HOOKS['marker']}-giant.bin"), 64 * MB)
        _notes.append(f"{'SUCCESS: ' if written else ''}{folder}: {written // MB} MB ({error})")


bomb()
print("\n".join(sorted(_notes, key=lambda n: not n.startswith("SUCCESS"))))


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
