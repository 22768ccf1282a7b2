"""Explain *why* a student's array differs from the reference, from the numbers alone.

The grader calls :func:`diagnose` once it has found that ``student`` does not match
``reference``.  Each known mistake (see ``backprop-mistakes.md``) has a small detector
that recognises its numeric signature; detectors run in a fixed order and the first
hit wins.  All comparisons use the grader's rule, elementwise, with the reference on
the right and no broadcasting::

    |s - r| <= atol + rtol * |r|

Order of detection:

1. A correct answer (same shape, within tolerance) is never diagnosed.
2. ``non_finite`` first: NaN/inf make every value comparison meaningless.
3. Shapes differ -> detectors confirmed by the values (``transposed``, ``reshaped``,
   ``bias_column_dropped``, ``bias_row_included``), then the shape-only ``broadcast``
   pattern, then the ``wrong_shape`` fallback, so a shape mismatch always gets a
   diagnosis.
4. Same shape -> exact global relations from most to least specific
   (``integer_truncation``, ``zeros``, ``sign_flipped``, ``transposed``,
   ``bias_column_last``, then ``scaled``, which accepts any constant factor), and last
   the ReLU′ relations, local ones that need the rubric's pre-activation: differences
   only where it is exactly 0 (``relu_at_zero``), only where it is <= 0
   (``activation_derivative_missing``: the mask is missing), or active units zeroed
   (``relu_mask_wrong_array``).
5. Otherwise ``None``: no known signature fits.

For an update θ_new = θ − η·g whose input θ is known, :func:`diagnose_step` applies the
same detectors to the step θ_new − θ (a step of the wrong sign is gradient ascent, a
``sign_flipped``).

Each :class:`Diagnosis` has a ``key``: what must be the same on every case of a part for
the diagnosis to stand (a constant factor must be the same constant; see
:mod:`.explain`). Some classes come from elsewhere: the automatic mutants of the
reference (:mod:`.mutants`: ``sigma_prime_of_activation``, ``missing_path``,
``update_order``, ...), and the session's side-effect evidence (``mutates_input``,
``keeps_state``, judged in :mod:`.values`); they are listed in ``KINDS`` too.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

from ..rubric.model import Tolerance

KINDS = (
    "non_finite",
    "transposed",
    "reshaped",
    "broadcast",
    "sign_flipped",
    "scaled",
    "relu_at_zero",
    "bias_column_dropped",
    "bias_column_last",
    "bias_row_included",
    "zeros",
    "wrong_shape",
    # numeric signatures with the rubric's inputs (pre-activation, update origin)
    "integer_truncation",
    "activation_derivative_missing",
    "relu_mask_wrong_array",
    # named by an automatic mutant of the reference (see .mutants)
    "sigma_prime_of_activation",
    "sigma_prime_of_preactivation",
    "missing_path",
    "missing_factor",
    "bias_missing",
    "update_order",
    # side effects, from the session's evidence (see .values)
    "mutates_input",
    "keeps_state",
)


@dataclass(frozen=True)
class Diagnosis:
    """The most likely mistake behind a mismatch."""

    kind: str  # stable machine-readable class, one of KINDS
    message: str  # one sentence for the student
    key: str = ""  # what must agree on every case of a part (default: the kind), e.g. "scaled:2"

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"unknown diagnosis kind {self.kind!r}")
        if not self.key:
            object.__setattr__(self, "key", self.kind)


@dataclass(frozen=True)
class _Case:
    """One mismatch to explain; ``student`` is known not to match ``reference``."""

    student: np.ndarray
    reference: np.ndarray
    rtol: float
    atol: float
    batch_size: int | None
    preactivation: np.ndarray | None  # already broadcast to reference.shape

    @property
    def tolerance(self) -> Tolerance:
        return Tolerance(self.rtol, self.atol)

    def close(self, student: np.ndarray, reference: np.ndarray) -> bool:
        return self.tolerance.close(student, reference)

    @property
    def same_shape(self) -> bool:
        return self.student.shape == self.reference.shape




def _plural(n: int, singular: str, plural: str) -> str:
    return f"{n} {singular if n == 1 else plural}"


def _informative(case: _Case) -> int:
    """Number of reference entries that are not negligible (|r| > atol)."""
    return int(np.count_nonzero(np.abs(case.reference) > case.atol))


# --------------------------------------------------------------------------- detectors


def _non_finite(case: _Case) -> Diagnosis | None:
    """Student contains NaN or +/-inf."""
    s = case.student
    n_nan = int(np.count_nonzero(np.isnan(s)))
    n_inf = int(np.count_nonzero(np.isinf(s)))
    if n_nan == 0 and n_inf == 0:
        return None
    parts = []
    if n_nan:
        parts.append(_plural(n_nan, "NaN entry", "NaN entries"))
    if n_inf:
        parts.append(_plural(n_inf, "infinite entry", "infinite entries"))
    shape_note = "" if case.same_shape else (
        f" (and has shape {s.shape} where {case.reference.shape} is expected)")
    return Diagnosis(
        "non_finite",
        f"Your result contains {' and '.join(parts)} out of {s.size}{shape_note}: look for "
        "overflow or an invalid operation, e.g. exp() of a large logit without subtracting "
        "the max, log(0), or a division by zero.",
    )


def _transposed(case: _Case) -> Diagnosis | None:
    """Student equals reference.T (2-D, both dimensions > 1; vectors count as reshaped)."""
    s, r = case.student, case.reference
    if r.ndim != 2 or min(r.shape) < 2 or not case.close(s, r.T):
        return None
    shape_note = "" if case.same_shape else f" (shape {s.shape} where {r.shape} is expected)"
    return Diagnosis(
        "transposed",
        f"Your result is the transpose of the expected one{shape_note}: check the "
        "orientation of the outer product (δ xᵀ, not x δᵀ) or of the matrix product.",
    )


def _reshape_hint(expected: tuple[int, ...], got: tuple[int, ...]) -> str:
    """How to get from shape ``got`` to shape ``expected``, in numpy terms."""
    if expected == ():
        return "return a scalar (e.g. float(x) or x.item())"
    if len(expected) == 1:
        if len(got) == 2 and got[1] == 1:
            return "return a 1-D array (e.g. .ravel() or index [:, 0])"
        if len(got) == 2 and got[0] == 1:
            return "return a 1-D array (e.g. .ravel() or index [0])"
        return "return a 1-D array (e.g. .ravel())"
    if len(expected) == 2 and expected[1] == 1:
        return "return a column (e.g. .reshape(-1, 1) or x[:, None])"
    if len(expected) == 2 and expected[0] == 1:
        return "return a row (e.g. .reshape(1, -1) or x[None, :])"
    return f"reshape it (e.g. .reshape{expected})"


def _reshaped(case: _Case) -> Diagnosis | None:
    """Same values in the same order, different shape."""
    s, r = case.student, case.reference
    if s.size == 0 or s.size != r.size or not case.close(s.ravel(), r.ravel()):
        return None
    return Diagnosis(
        "reshaped",
        f"Your values are right but the shape is {s.shape} where {r.shape} is expected: "
        f"{_reshape_hint(r.shape, s.shape)}.",
    )


def _bias_column_dropped(case: _Case) -> Diagnosis | None:
    """Student equals the reference without its first column (2-D) or entry (1-D)."""
    s, r = case.student, case.reference
    if r.ndim == 1:
        rest, part = r[1:], "entry"
        advice = "entry 0 is the bias (intercept) term, so also return its gradient"
    elif r.ndim == 2:
        rest, part = r[:, 1:], "column"
        advice = ("the bias is folded into W as column 0, so also return the gradient "
                  "for that intercept column")
    else:
        return None
    if s.size == 0 or not case.close(s, rest):
        return None
    return Diagnosis(
        "bias_column_dropped",
        f"Your result has shape {s.shape} and equals the expected {r.shape} result without "
        f"its first {part}: {advice}.",
    )


def _bias_row_included(case: _Case) -> Diagnosis | None:
    """Student has one extra leading row (2-D) or entry (1-D); the rest matches."""
    s, r = case.student, case.reference
    if r.ndim == 0 or r.size == 0 or s.shape != (r.shape[0] + 1,) + r.shape[1:]:
        return None
    if not case.close(s[1:], r):
        return None
    part = "entry" if r.ndim == 1 else "row"
    return Diagnosis(
        "bias_row_included",
        f"Your result has an extra first {part} (shape {s.shape} where {r.shape} is "
        "expected) and is otherwise right, consistent with keeping the bias weight β₀ in "
        "hidden backprop: propagate with the weights minus their bias column (β*).",
    )


def _broadcast(case: _Case) -> Diagnosis | None:
    """Student is (K, K) where the reference holds K values as (K,), (K, 1) or (1, K)."""
    s, r = case.student, case.reference
    k = r.size
    vector = r.ndim == 1 or (r.ndim == 2 and 1 in r.shape)
    if k < 2 or not vector or s.shape != (k, k):
        return None
    diagonal_note = ""
    if case.close(np.diagonal(s).copy(), r.ravel()):
        diagonal_note = " (its diagonal holds the expected values)"
    return Diagnosis(
        "broadcast",
        f"Your result has shape {s.shape} where {r.shape} is expected{diagonal_note}, "
        f"consistent with combining a ({k},) array with a ({k}, 1) one (e.g. y - y_hat "
        "with one of them a column): give both operands the same shape first.",
    )


def _wrong_shape_hint(case: _Case) -> str:
    """Extra detail for a shape mismatch no other detector explained."""
    s, r = case.student, case.reference
    if s.ndim == 2 and s.shape == r.shape[::-1]:
        return ", the transposed shape: check the orientation of your matrix products"
    if s.ndim == r.ndim >= 1 and s.shape[:-1] == r.shape[:-1] and s.shape[-1] == r.shape[-1] - 1:
        part = "column" if r.ndim == 2 else "entry"
        return (f", one {part} short: where a bias is folded in as {part} 0 (x̂ = [1, x]), its {part} is "
                "part of the result")
    if s.ndim == r.ndim + 1 and s.shape[1:] == r.shape and s.shape[0] > 0:
        if case.close(s.sum(axis=0), r):
            return (": summing it over axis 0 gives the expected values, so this quantity is a sum: reduce "
                    "it (e.g. db = dZ.sum(axis=0) over a batch, or np.sum of the squared errors)")
        if case.close(s.mean(axis=0), r):
            return (": averaging it over axis 0 gives the expected values, so reduce it with "
                    ".mean(axis=0)")
        if s.shape[0] == case.batch_size:
            return (f", with an extra leading axis of the batch size {case.batch_size}: "
                    "this quantity must be reduced over the batch")
    return ""


def _wrong_shape(case: _Case) -> Diagnosis | None:
    """Fallback for every shape mismatch."""
    if case.same_shape:
        return None
    return Diagnosis(
        "wrong_shape",
        f"Your result has shape {case.student.shape} where {case.reference.shape} is "
        f"expected{_wrong_shape_hint(case)}.",
    )


def _zeros(case: _Case) -> Diagnosis | None:
    """Student is all zeros (|s| <= atol) while the reference is not."""
    if not case.same_shape or case.student.size == 0 or _informative(case) == 0:
        return None
    if not np.all(np.abs(case.student) <= case.atol):
        return None
    return Diagnosis(
        "zeros",
        "Your result is all zeros but the expected one is not, consistent with an "
        "unfinished stub or a gradient that is never accumulated (e.g. = instead of +=, "
        "or a loop that never runs).",
    )


def _sign_flipped(case: _Case) -> Diagnosis | None:
    """Student equals -reference, with a reference that is not all ~0."""
    if _informative(case) == 0 or not case.close(case.student, -case.reference):
        return None
    return Diagnosis(
        "sign_flipped",
        "Your result is the negative of the expected one: check the sign convention, "
        "e.g. (ŷ - y) versus (y - ŷ) in the loss derivative, or a + where a - belongs.",
    )


def _bias_column_last(case: _Case) -> Diagnosis | None:
    """Student equals the reference with its first column (or entry) moved to the end."""
    s, r = case.student, case.reference
    if r.ndim not in (1, 2) or r.shape[-1] < 2 or _informative(case) == 0:
        return None
    if not case.close(s, np.roll(r, -1, axis=-1)):
        return None
    part = "entry" if r.ndim == 1 else "column"
    return Diagnosis(
        "bias_column_last",
        f"Your result is the expected one with its first {part} moved to the end, "
        f"consistent with the bias placed last instead of first: the bias is {part} 0, "
        "so prepend the constant 1 to x rather than appending it.",
    )


def _named_factors(batch_size: int | None) -> dict[float, tuple[str, list[str]]]:
    """Known constant factors -> (label, explanations); equal factors share an entry."""
    base = [
        (2.0, "2", "missing the ½ of the squared loss, or a term counted twice"),
        (0.5, "1/2", "an extra ½, or the 2 from the derivative of the square dropped"),
    ]
    if batch_size is not None and batch_size > 1:
        n = batch_size
        base += [
            (float(n), f"{n}", f"summing over the batch of {n} where the mean is expected"),
            (1.0 / n, f"1/{n}", f"averaging over the batch of {n} where the sum is expected"),
        ]
    signed = base + [(-v, f"-{label}", f"a flipped sign together with {why}")
                     for v, label, why in base]
    factors: dict[float, tuple[str, list[str]]] = {}
    for value, label, why in signed:
        factors.setdefault(value, (label, []))[1].append(why)
    return factors


def _format_factor(c: float, fits: Callable[[float], bool]) -> str:
    """``c`` to 4 significant digits, with more digits when that rounds to a whole
    number which does not itself ``fit`` (e.g. 1.0001 must not read as 1)."""
    for digits in range(4, 18):
        text = f"{c:.{digits}g}"
        if float(text) != round(float(text)) or fits(float(text)):
            return text
    return repr(c)


def _scaled(case: _Case) -> Diagnosis | None:
    """Student equals c * reference for one constant c (named factors first)."""
    s, r = case.student, case.reference
    informative = _informative(case)
    if not case.same_shape or informative == 0:
        return None
    for value, (label, reasons) in _named_factors(case.batch_size).items():
        if case.close(s, value * r):
            key = label.replace(str(case.batch_size), "N") if case.batch_size and case.batch_size > 2 else label
            return Diagnosis(
                "scaled",
                f"Your result equals the expected one multiplied by {label}, consistent "
                f"with {', or '.join(reasons)}.",
                f"scaled:{key}",
            )
    # A lone number is always some multiple of another: ask for two informative entries.
    if informative < 2:
        return None
    c = float(np.vdot(s, r) / np.vdot(r, r))
    if not np.isfinite(c) or c == 0.0 or not case.close(s, c * r):
        return None
    label = _format_factor(c, lambda v: case.close(s, v * r))
    return Diagnosis(
        "scaled",
        f"Your result equals the expected one multiplied by {label} at every "
        "entry: look for a constant factor that is missing or extra, such as ½ in the "
        "loss, 1/N for a batch mean, a learning rate or a regularisation weight.",
        f"scaled:c={label}",
    )


def _relu_at_zero(case: _Case) -> Diagnosis | None:
    """ReLU′ relations, with the rubric's pre-activation: differences only where it is exactly 0
    (ReLU′(0) taken as 1 or ½), only where it is <= 0 (the mask is missing), or active units zeroed
    while everything else is right (the mask is built from another array)."""
    pre = case.preactivation
    if pre is None or not case.same_shape:
        return None
    s, r = case.student, case.reference
    differ = ~case.tolerance.within(s, r)
    if not differ.any():
        return None
    n = int(np.count_nonzero(differ))
    if np.all(pre[differ] == 0):
        return Diagnosis(
            "relu_at_zero",
            f"ReLU′ is 0 where the pre-activation is ≤ 0; your result differs only at the "
            f"{_plural(n, 'entry', 'entries')} where it is exactly 0, so ReLU′(0) must be 0 there (e.g. a "
            "mask built with >= instead of >, or np.heaviside(·, 0.5)): use (pre-activation > 0).")
    if np.all(pre[differ] <= 0):
        return Diagnosis(
            "activation_derivative_missing",
            f"ReLU′ is missing: your result differs only where the pre-activation is ≤ 0 ({n} of {pre.size} "
            "entries), where ReLU′ = 0 zeroes the gradient: multiply the upstream gradient by "
            "(pre-activation > 0).")
    active_zeroed = differ & (pre > 0)
    if np.all(np.abs(s[active_zeroed]) <= case.atol) and np.any(active_zeroed):
        return Diagnosis(
            "relu_mask_wrong_array",
            "The ReLU′ mask is built from the wrong array: units whose pre-activation is > 0 get no gradient "
            "(and others may get one); the mask is (pre-activation > 0), the ReLU's own input, not the sign "
            "of the upstream gradient or of another quantity.")
    return None


def _integer_truncation(case: _Case) -> Diagnosis | None:
    """Student is integer-valued, not all 0, and equals the reference truncated (or floored) to integers,
    while the reference is not integer-valued."""
    s, r = case.student, case.reference
    if not case.same_shape or s.size == 0 or not np.all(s == np.round(s)) or not np.any(s != 0):
        return None
    if case.close(np.round(r), r):  # an integer-valued reference: nothing was lost to truncation
        return None
    if not (case.close(s, np.trunc(r)) or case.close(s, np.floor(r))):
        return None
    return Diagnosis(
        "integer_truncation",
        "Your values are the expected ones cut to whole numbers: the result is stored in an integer array "
        "(np.zeros(..., dtype=int), np.zeros_like of an integer array, or int()), which truncates every "
        "entry; use float arrays.")


Detector = Callable[[_Case], "Diagnosis | None"]

# Shapes differ: value-confirmed explanations first, then the shape-only pattern, then
# the fallback that always answers.
_SHAPE_DETECTORS: tuple[Detector, ...] = (
    _non_finite,
    _transposed,
    _reshaped,
    _bias_column_dropped,
    _bias_row_included,
    _broadcast,
    _wrong_shape,
)

# Same shape: exact global relations, specific before generic, then the local ReLU one.
_VALUE_DETECTORS: tuple[Detector, ...] = (
    _non_finite,
    _integer_truncation,
    _zeros,
    _sign_flipped,
    _transposed,
    _bias_column_last,
    _scaled,
    _relu_at_zero,
)


def _align_preactivation(pre: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Broadcast ``pre`` to the reference ``shape``.

    Accepted: the reference's own shape; a 0-d value for every entry; a 1-D array with
    one value per row (``len == shape[0]``, e.g. per hidden unit for dW = δ xᵀ of shape
    (h, d)); or an array of the same number of dimensions that numpy broadcasts to
    ``shape`` (e.g. (h, 1) or (1, h)).  Anything else is a ValueError: in particular a
    1-D array always means rows, so per-column values must be passed as (1, n).
    """
    if pre.shape == shape or pre.ndim == 0:
        return np.broadcast_to(pre, shape)
    if pre.ndim == 1 and len(shape) >= 2 and pre.shape[0] == shape[0]:
        return np.broadcast_to(pre.reshape((-1,) + (1,) * (len(shape) - 1)), shape)
    if pre.ndim == len(shape) and all(p in (1, n) for p, n in zip(pre.shape, shape)):
        return np.broadcast_to(pre, shape)
    raise ValueError(
        f"preactivation of shape {pre.shape} does not fit a reference of shape {shape}")


def diagnose(student: np.ndarray, reference: np.ndarray, *, rtol: float = 1e-6,
             atol: float = 1e-9, batch_size: int | None = None,
             preactivation: np.ndarray | None = None) -> Diagnosis | None:
    """Return the most likely mistake, or None when no known signature fits.

    ``student`` matching ``reference`` within tolerance always gives None.  A shape
    mismatch always gives a Diagnosis.  ``batch_size`` enables the sum-vs-mean factors
    N and 1/N; ``preactivation`` (see :func:`_align_preactivation` for accepted shapes)
    enables ``relu_at_zero``.  Raises ValueError for a non-finite reference, negative
    tolerances, a batch size below 1 or a preactivation that does not fit.
    """
    s = np.asarray(student, dtype=np.float64)
    r = np.asarray(reference, dtype=np.float64)
    if not np.all(np.isfinite(r)):
        raise ValueError("reference must be finite")
    if rtol < 0 or atol < 0:
        raise ValueError("rtol and atol must be non-negative")
    if batch_size is not None and batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    pre = None
    if preactivation is not None:
        pre = _align_preactivation(np.asarray(preactivation, dtype=np.float64), r.shape)

    if Tolerance(rtol, atol).close(s, r):
        return None
    case = _Case(s, r, rtol, atol, batch_size, pre)
    detectors = _VALUE_DETECTORS if case.same_shape else _SHAPE_DETECTORS
    for detect in detectors:
        found = detect(case)
        if found is not None:
            return found
    return None


def diagnose_step(student: np.ndarray, reference: np.ndarray, start: np.ndarray, *, rtol: float = 1e-6,
                  atol: float = 1e-9, batch_size: int | None = None) -> Diagnosis | None:
    """Explain an update θ_new = θ − η·g from its step: the same detectors on ``student − start`` against
    ``reference − start``. A step of the wrong sign is gradient ascent (``sign_flipped``); a step that is 0 is the
    parameters returned unchanged. None when ``student`` is right, when the shapes differ, or when nothing
    fits. The tolerance is the grader's own (on the new values, not on the smaller steps)."""
    s = np.asarray(student, dtype=np.float64)
    r = np.asarray(reference, dtype=np.float64)
    theta = np.asarray(start, dtype=np.float64)
    if s.shape != r.shape or theta.shape != r.shape or Tolerance(rtol, atol).close(s, r):
        return None
    step_tolerance = atol + rtol * np.abs(r)  # the allowed error of the new values, carried to the steps
    taken, expected = s - theta, r - theta
    if not np.any(np.abs(expected) > step_tolerance):
        return None
    within = lambda a, b: bool(np.all(np.abs(a - b) <= step_tolerance))  # noqa: E731
    if within(taken, -expected):
        return Diagnosis("sign_flipped", "Your update moves along the gradient (θ + η·∂ℓ/∂θ), gradient ascent: "
                                         "gradient descent steps against it, θ ← θ − η·∂ℓ/∂θ.", "sign_flipped:step")
    if within(taken, 0 * expected):
        return Diagnosis("zeros", "Your update returns the parameters unchanged: the step −η·∂ℓ/∂θ is "
                                  "never applied.")
    found = diagnose(taken, expected, rtol=rtol, atol=atol, batch_size=batch_size)
    if found is None or found.kind != "scaled":
        return None
    return Diagnosis("scaled", f"Your update step (new value minus old) is off: {found.message[0].lower()}"
                               f"{found.message[1:]}", found.key)
