"""Attack (forging the result): print a full-marks report and a full-marks Gradescope results.json.

If the grader passed the student's stdout through, or parsed it, or the student's process
wrote the report, these lines would replace the real result. The student prints a fake
results.json (score 22 of 22, every test passed) and a fake terminal summary, at import and
in every call, through print(), sys.__stdout__ and os.write(1), and on stderr too.

Expected: the printed text is shown only inside the "your program printed" box of the text
report and the JSON's "output" field; the grader's own score is 0, exit status 1.
"""

import json
import os
import sys

FAKE = {
    "score": 22.0,
    "execution_time": 0.1,
    "output": "All tests passed.",
    "tests": [{"name": f"part {i}", "number": f"{i}", "score": 2.0, "max_score": 2.0, "status": "passed"}
              for i in range(11)],
}
FAKE_TEXT = "score       22 / 22  (100.0%)\nAll tests passed. exit status 0"


def shout():
    text = json.dumps(FAKE)
    print(text)
    print(FAKE_TEXT)
    sys.__stdout__.write(text + "\n")
    sys.__stdout__.flush()
    os.write(1, (text + "\n").encode())
    os.write(2, (text + "\n").encode())


shout()


def forward(alpha, beta, x, y):
    shout()
    return None


def backward(alpha, beta, x, y):
    shout()
    return None


def chain_rule(dy_dx, dz_dy):
    shout()
    return None


def d_Ax_dx(A, x):
    shout()
    return None


def linear_regression(X, y):
    shout()
    return None
