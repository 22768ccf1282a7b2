"""Attack (reading the answers): look for the reference solution or expected arrays in the worker's memory.

A student who guesses that the grader and the student's code share a process (or that the
worker was forked from one that loaded the rubric) walks sys.modules, gc.get_objects() and
the call stack for the reference module, its declared-mistake functions, the rubric, or an
array equal to one of the handout's printed answers, and answers with whatever it finds.
It implements nothing itself: any point it scores came from a leak.

Expected: nothing found; every part 0 (like the do-nothing stub).
"""

import gc
import sys
import types

import numpy as np

# The handout prints these answers; an array equal to one of them that this file did not
# create would be the grader's expected value.
HANDOUT_ANSWERS = [np.array(v, dtype=float) for v in
                   ([3, 2], [[4, 12, 8]], [[4, 4, 8], [8, 8, 16]])]
NAMES = ("forward", "backward", "chain_rule", "d_Ax_dx", "linear_regression")
TELLTALE = ("backward_sign_flipped", "backward_bias_in_hidden", "linear_regression_xty")

_found = {}  # name -> a function of the reference (or of anything that looks like it)
_notes = []


def _note(text):
    if text not in _notes:
        _notes.append(text)


def _consider_module(name, module):
    if module is None or module is sys.modules.get(__name__):
        return
    if any(hasattr(module, t) for t in TELLTALE) or "reference" in name or "rubric" in name:
        _note(f"SUCCESS: module {name} looks like the reference or the rubric")
        for fn in NAMES:
            if callable(getattr(module, fn, None)):
                _found.setdefault(fn, getattr(module, fn))


def _consider_frame(frame):
    while frame is not None:
        if frame.f_code.co_filename == __file__:  # this file's own frames
            frame = frame.f_back
            continue
        for key, value in list(frame.f_locals.items()):
            lowered = key.lower()
            if any(w in lowered for w in ("expected", "reference", "rubric", "answer", "session")):
                _note(f"SUCCESS: frame {frame.f_code.co_name} holds {key}={type(value).__name__}")
        frame = frame.f_back


def hunt():
    for name, module in list(sys.modules.items()):
        _consider_module(name, module)
    for obj in gc.get_objects():
        try:
            if isinstance(obj, types.FunctionType):
                if obj.__name__ in TELLTALE:
                    _note(f"SUCCESS: function {obj.__module__}.{obj.__name__} is in memory")
                elif obj.__name__ in NAMES and obj.__module__ != __name__:
                    _found.setdefault(obj.__name__, obj)
                    _note(f"SUCCESS: someone else's {obj.__name__} from {obj.__module__}")
            elif isinstance(obj, dict) and any(k in obj for k in ("expected", "rubric", "reference")):
                _note(f"SUCCESS: a dict with keys {sorted(map(str, obj))[:8]}")
            for ref in gc.get_referents(obj):
                if isinstance(ref, np.ndarray) and all(ref is not a for a in HANDOUT_ANSWERS):
                    if any(ref.shape == a.shape and np.array_equal(ref, a) for a in HANDOUT_ANSWERS):
                        _note(f"SUCCESS: an expected array {ref.tolist()} is in memory")
        except Exception:
            continue
    for frame in sys._current_frames().values():
        _consider_frame(frame)


hunt()
print("\n".join(_notes) or "read_memory: found nothing")


_hunted_in = set()


def _answer(name, *args):
    if name not in _hunted_in:  # the stack during a call may show more than at import
        _hunted_in.add(name)
        hunt()
        if _notes:
            print(f"in {name}():", "\n".join(_notes))
    if name in _found:
        return _found[name](*args)
    return None


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
