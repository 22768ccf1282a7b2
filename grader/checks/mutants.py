"""Automatic mutants of the reference implementation: the wrong answers a student is likely to give.

The rubric's declared ``mistakes`` are hand-written wrong implementations; this module makes more of
them automatically. It parses the reference's *source* with :mod:`ast` (nothing is executed here:
the reference is course code and runs only in its own trusted child process, see
:mod:`grader.reference`) and writes one module per mutation, each the reference with one small
change at one place:

========================  ==============================================  ==========================
operator                  change                                          class
========================  ==============================================  ==========================
``sign``                  ``a - b`` → ``b - a``, ``+`` ↔ ``-``, drop a    ``sign_flipped``
                          unary minus; ``θ - η g`` → ``θ + η g``          (gradient ascent)
``drop_factor``           leave out one factor of a product (or a pair    ``activation_derivative_
                          ``t·(1 − t)``), a ``@`` operand, a divisor      missing``, ``scaled``,
                                                                          ``missing_factor``
``drop_term``             leave out one term of a sum                     ``missing_path``,
                                                                          ``bias_missing``
``mask_at_zero``          ``a > 0`` ↔ ``a >= 0``                          ``relu_at_zero``
``transpose``             drop a ``.T``, swap the operands of ``@``,      ``transposed``
                          ``outer`` or ``dot``
``wrong_variable``        a derivative taken at the wrong variable:       ``sigma_prime_of_
                          ``t(1 − t)`` at σ(t) or at the pre-activation,  activation``,
                          ``1 − t²`` likewise, a ReLU mask from another   ``sigma_prime_of_
                          array                                           preactivation``,
                                                                          ``relu_mask_wrong_array``
``overwrite``             ``+=`` → ``=``, ``sum(…)`` → its last term      ``missing_path``
``sum_mean``              ``sum`` ↔ ``mean``                              ``scaled``
``intercept``             the folded-in constant 1 → 0, or moved last     ``bias_missing``,
                                                                          ``bias_column_last``
``bias_slice``            ``w[1:]`` → ``w[:-1]``                          ``bias_row_included``
``update_order``          gradients of earlier parameters recomputed      ``update_order``
                          after the later ones were updated
========================  ==============================================  ==========================

A mutant's message comes from what the changed place *is* (a sigmoid's derivative, a ReLU mask, a
sum of chain-rule paths, a learning-rate step, ...), recognised from the structure of the
expression, never from the reference's code or names. The session computes each mutant's answers on
the part's cases in the reference's process; :func:`decide` (see :mod:`.explain`) names a mutant
only when it alone (or only mutants with the same diagnosis) reproduces the student's answer on every
case of the part, at least three of them random.

An author silences mutation with a ``# pragma: no mutate`` comment: on a line, no mutant is made at
that line; on a ``def`` line, none in that function.
"""

from __future__ import annotations

import ast
import copy
import hashlib
from dataclasses import dataclass
from functools import lru_cache
from typing import Callable, Iterator

PRAGMA = "pragma: no mutate"

# Helpers a mutant module may call; appended to its source (plain numpy, no alias assumed).
_HELPERS = '''

def _grader_sigmoid_(t):
    import numpy
    return 1.0 / (1.0 + numpy.exp(-numpy.asarray(t, dtype=float)))


def _grader_logit_(t):
    import numpy
    t = numpy.asarray(t, dtype=float)
    return numpy.log(t) - numpy.log1p(-t)


def _grader_tanh_(t):
    import numpy
    return numpy.tanh(t)


def _grader_arctanh_(t):
    import numpy
    return numpy.arctanh(t)


def _grader_ones_(t):
    import numpy
    return numpy.ones_like(numpy.asarray(t, dtype=float))
'''


@dataclass(frozen=True)
class MutantInfo:
    """What a mutant means, without its code: the class and sentence a matching student gets."""

    key: str  # identifies the mutant module (a digest of its source)
    operator: str  # see the module docstring
    place: str  # "function:line" in the reference (for course staff and tests; never shown to students)
    kind: str  # a diagnosis class (grader.checks.diagnose.KINDS)
    message: str  # one sentence for the student


@dataclass(frozen=True)
class Mutant:
    info: MutantInfo
    source: str  # the whole mutant module


# -- what the student is told ---------------------------------------------------------------

_ACTIVATION = {
    "sigmoid": ("σ′", "a sigmoid", "σ′(a) = σ(a)(1 − σ(a)), i.e. z(1 − z) with z = σ(a)"),
    "tanh": ("tanh′", "tanh", "tanh′(a) = 1 − tanh²(a), i.e. 1 − z² with z = tanh(a)"),
    "relu": ("ReLU′", "a ReLU", "ReLU′(a) = 1 where the pre-activation a > 0 and 0 elsewhere"),
}


def _derivative_missing(activation: str) -> tuple[str, str]:
    name, through, formula = _ACTIVATION[activation]
    if activation == "relu":
        return ("activation_derivative_missing",
                f"{name} is missing: the path goes through {through}, so the chain rule multiplies by "
                f"{formula}; units whose pre-activation is ≤ 0 must get no gradient.")
    return ("activation_derivative_missing",
            f"{name} is missing: the path goes through {through}, so the chain rule multiplies by its "
            f"derivative, {formula}.")


def _at_activation(activation: str) -> tuple[str, str]:
    if activation == "tanh":
        return ("sigma_prime_of_activation",
                "tanh′ was evaluated at the activation z = tanh(a), as 1 − tanh²(z); it belongs at the "
                "pre-activation: tanh′(a) = 1 − tanh²(a) = 1 − z².")
    return ("sigma_prime_of_activation",
            "σ′ was evaluated at the activation z = σ(a), as σ(z)(1 − σ(z)); it belongs at the "
            "pre-activation: σ′(a) = σ(a)(1 − σ(a)) = z(1 − z).")


def _at_preactivation(activation: str) -> tuple[str, str]:
    if activation == "tanh":
        return ("sigma_prime_of_preactivation",
                "tanh′ was written as 1 − a² with the pre-activation a; the formula 1 − z² needs the "
                "activation z = tanh(a) (tanh′(a) = 1 − tanh²(a)).")
    return ("sigma_prime_of_preactivation",
            "σ′ was written as a(1 − a) with the pre-activation a; the formula z(1 − z) needs the "
            "activation z = σ(a) (σ′(a) = σ(a)(1 − σ(a))).")


_MESSAGES = {
    "sign_difference": ("sign_flipped", "A sign error: a difference is taken the wrong way round "
                        "(e.g. y − ŷ where ŷ − y belongs)."),
    "sign_add": ("sign_flipped", "A sign error: a term is added where it must be subtracted."),
    "sign_sub": ("sign_flipped", "A sign error: a term is subtracted where it must be added."),
    "sign_minus": ("sign_flipped", "A sign error: a minus sign is missing."),
    "ascent": ("sign_flipped", "The update moves along the gradient (θ + η·∂ℓ/∂θ), gradient ascent: gradient "
               "descent steps against it, θ ← θ − η·∂ℓ/∂θ."),
    "drop_path": ("missing_path", "A path of the multivariate chain rule is missing: the variable reaches "
                  "the output along more than one path, and the contributions of all of them are summed."),
    "drop_bias": ("bias_missing", "The bias term is left out: it is added to the weighted sum (W x + b) "
                  "before the activation."),
    "overwrite": ("missing_path", "A contribution is overwritten instead of accumulated (= where += "
                  "belongs), so only one path or one example counts: sum the contributions."),
    "last_only": ("missing_path", "Only the last example's contribution is kept: the gradient of a loss "
                  "summed over examples is the sum of the per-example gradients."),
    "mask_at_zero": ("relu_at_zero", "ReLU′(0) must be 0: the mask treats a pre-activation of exactly 0 as "
                     "active (>= 0 where > 0 belongs), or the reverse."),
    "transpose": ("transposed", "The factors of a matrix product are in the wrong order or orientation "
                  "(e.g. J·v where vᵀJ belongs, or x δᵀ where δ xᵀ belongs): the result uses a transposed "
                  "matrix."),
    "mask_array": ("relu_mask_wrong_array", "The ReLU′ mask is built from the wrong array: it is 1 where "
                   "the ReLU's input (the pre-activation) is > 0, not where the upstream gradient or "
                   "another quantity is."),
    "sum_mean": ("scaled", "A sum where a mean belongs, or a mean where a sum belongs: check whether the "
                 "quantity averages or adds up its terms (over examples or outputs)."),
    "divisor": ("scaled", "A division is missing (e.g. the 1/N of a mean, or a normalisation): the result "
                "is off by that constant factor."),
    "intercept_zero": ("bias_missing", "The intercept is left out: with the bias folded in, the input "
                       "gets a leading 1 (x̂ = [1, x]) so that column 0 of the weights is added."),
    "intercept_last": ("bias_column_last", "The intercept is placed last: the bias is entry 0, so prepend "
                       "the constant 1 (x̂ = [1, x]) rather than appending it."),
    "bias_slice": ("bias_row_included", "The bias weight is used in hidden backprop: propagate with the "
                   "weights without their bias entry (entries 1 … h), not the first h entries."),
    "missing_factor": ("missing_factor", "A factor of the chain rule is missing: one local derivative (or "
                       "the upstream gradient) in the product is left out."),
    "learning_rate": ("missing_factor", "The step is not scaled by the learning rate: θ ← θ − η·∂ℓ/∂θ."),
    "update_order": ("update_order", "The update order is wrong: an earlier layer's gradient was computed "
                     "after a later layer had been updated; compute every gradient from the same (old) "
                     "parameters, then update them all."),
}


def _constant_message(value: float) -> tuple[str, str]:
    if value == 2:
        return ("scaled", "A factor 2 is missing (e.g. from differentiating a square): the result is half "
                          "the expected one.")
    if value == 0.5:
        return ("scaled", "A factor ½ is missing (e.g. the ½ of a squared loss): the result is twice the "
                          "expected one.")
    return ("scaled", f"A constant factor {value:g} is missing from a product.")


# -- reading the reference -----------------------------------------------------------------------


def _dump(node: ast.AST) -> str:
    return ast.dump(node, annotate_fields=False, include_attributes=False)


def _number(node: ast.AST) -> float | None:
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, float)) and not isinstance(node.value, bool):
        return float(node.value)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _number(node.operand)
        return -inner if inner is not None else None
    return None


def _call_name(node: ast.AST) -> str | None:
    """``f`` for ``f(...)`` and ``np.f(...)``/``numpy.f(...)``, else None."""
    if not isinstance(node, ast.Call):
        return None
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name):
        return node.func.attr
    return None


def _method(node: ast.AST) -> str | None:
    """``m`` for ``<expr>.m(...)`` where ``<expr>`` is not a module name."""
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def _mult_factors(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        return _mult_factors(node.left) + _mult_factors(node.right)
    return [node]


def _matmul_operands(node: ast.AST) -> list[ast.AST]:
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
        return _matmul_operands(node.left) + _matmul_operands(node.right)
    return [node]


def _product(factors: list[ast.AST], op: ast.operator) -> ast.AST:
    result = factors[0]
    for factor in factors[1:]:
        result = ast.BinOp(result, op, factor)
    return result


def _terms(node: ast.AST, sign: int = 1) -> list[tuple[int, ast.AST]]:
    """The signed terms of a sum ``a + b - c`` (left-nested)."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)):
        right_sign = sign if isinstance(node.op, ast.Add) else -sign
        return _terms(node.left, sign) + [(right_sign, node.right)]
    return [(sign, node)]


def _sum(terms: list[tuple[int, ast.AST]]) -> ast.AST:
    first_sign, first = terms[0]
    result = first if first_sign > 0 else ast.UnaryOp(ast.USub(), first)
    for sign, term in terms[1:]:
        result = ast.BinOp(result, ast.Add() if sign > 0 else ast.Sub(), term)
    return result


def _one_minus(node: ast.AST) -> ast.AST | None:
    """``t`` for ``1 - t``."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Sub) and _number(node.left) == 1:
        return node.right
    return None


def _squared(node: ast.AST) -> ast.AST | None:
    """``t`` for ``t ** 2`` or ``t * t``."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Pow) and _number(node.right) == 2:
        return node.left
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult) and _dump(node.left) == _dump(node.right):
        return node.left
    return None


def _mask_operand(node: ast.AST) -> ast.Compare | None:
    """The comparison ``e > 0`` (or ``>=``, ``0 < e``) of a ReLU mask, possibly cast (``.astype``, ``float``)."""
    if _method(node) == "astype" or _call_name(node) in ("float", "asarray", "array"):
        inner = node.func.value if _method(node) == "astype" else (node.args[0] if node.args else None)
        return _mask_operand(inner) if inner is not None else None
    if isinstance(node, ast.Compare) and len(node.ops) == 1:
        op, left, right = node.ops[0], node.left, node.comparators[0]
        if isinstance(op, (ast.Gt, ast.GtE)) and _number(right) == 0:
            return node
        if isinstance(op, (ast.Lt, ast.LtE)) and _number(left) == 0:
            return node
    return None


def _masked_side(compare: ast.Compare) -> str:
    return "left" if _number(compare.comparators[0]) == 0 else "right"


class _Module:
    """The reference's top-level functions and what some of them are (an activation, a derivative)."""

    def __init__(self, tree: ast.Module) -> None:
        self.tree = tree
        self.functions = {n.name: n for n in tree.body if isinstance(n, ast.FunctionDef)}
        self.sigmoids = {name for name, f in self.functions.items() if _is_sigmoid(f)}

    def is_sigmoid_call(self, node: ast.AST) -> bool:
        return _call_name(node) in self.sigmoids | {"expit", "_grader_sigmoid_"} and len(node.args) == 1

    def derivative_of(self, node: ast.AST, scope: "_Scope | None" = None, depth: int = 0) -> str | None:
        """'sigmoid', 'tanh' or 'relu' when ``node`` computes that activation's derivative."""
        if depth > 4 or node is None:
            return None
        if _call_name(node) in ("diag", "diagflat", "asarray", "array", "float") and node.args:
            return self.derivative_of(node.args[0], scope, depth + 1)
        if _method(node) == "astype":
            return self.derivative_of(node.func.value, scope, depth + 1)
        if _mask_operand(node) is not None:
            return "relu"
        if _call_name(node) == "where" and len(node.args) == 3 and _mask_operand(node.args[0]) is not None:
            return "relu"
        if _call_name(node) == "heaviside":
            return "relu"
        if _tanh_prime_variable(node) is not None:
            return "tanh"
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
            # a product is a derivative when all its factors are (constants aside): 5·(z > 0), z(1 − z)
            factors = _mult_factors(node)
            pairs = _sigmoid_pairs(factors)
            paired = {i for pair in pairs for i in pair}
            rest = [f for k, f in enumerate(factors) if k not in paired and _number(f) is None]
            kinds = {self.derivative_of(f, scope, depth + 1) for f in rest} | ({"sigmoid"} if pairs else set())
            return kinds.pop() if len(kinds) == 1 and None not in kinds else None
        name = _call_name(node)
        if name in self.functions and name not in self.sigmoids:
            inner = _Scope(self, self.functions[name])
            returned = inner.returned()
            return self.derivative_of(returned, inner, depth + 1) if returned is not None else None
        if isinstance(node, ast.Name) and scope is not None:
            bound = scope.value_of(node.id)
            if bound is not None:
                return self.derivative_of(bound, scope.outer_scope(node.id), depth + 1)
        return None


def _is_sigmoid(function: ast.FunctionDef) -> bool:
    """``return 1 / (1 + exp(-t))`` (any number type, any exp)."""
    returns = [n for n in function.body if isinstance(n, ast.Return)]
    if len(function.args.args) != 1 or len(returns) != 1 or returns[0].value is None:
        return False
    value = returns[0].value
    if not (isinstance(value, ast.BinOp) and isinstance(value.op, ast.Div) and _number(value.left) == 1):
        return False
    denominator = value.right
    if not (isinstance(denominator, ast.BinOp) and isinstance(denominator.op, ast.Add)):
        return False
    parts = [denominator.left, denominator.right]
    return any(_number(p) == 1 for p in parts) and any(
        _call_name(p) == "exp" and p.args and isinstance(p.args[0], ast.UnaryOp) and isinstance(p.args[0].op, ast.USub)
        for p in parts)


def _sigmoid_pairs(factors: list[ast.AST]) -> list[tuple[int, int]]:
    """Positions (i, j) of factors ``t`` and ``1 - t``."""
    pairs = []
    for j, factor in enumerate(factors):
        t = _one_minus(factor)
        if t is None:
            continue
        for i, other in enumerate(factors):
            if i != j and _dump(other) == _dump(t):
                pairs.append((i, j))
                break
    return pairs


def _tanh_prime_variable(node: ast.AST) -> ast.AST | None:
    """``t`` for ``1 - t ** 2`` (tanh′ written from the activation t = tanh(a))."""
    inner = _one_minus(node)
    return _squared(inner) if inner is not None else None


class _Scope:
    """A function of the reference: its parameters, its local assignments and the arguments its callers
    (on the way from the graded function) pass to it."""

    def __init__(self, module: _Module, function: ast.FunctionDef, bindings: dict | None = None,
                 callers: dict | None = None) -> None:
        self.module = module
        self.function = function
        self.params = [a.arg for a in function.args.args]
        self.bindings = bindings or {}  # (function, param) -> [(argument expression, caller scope)]
        self.callers = callers or {}
        self.assigned: dict[str, list[ast.AST]] = {}
        for node in ast.walk(function):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Name):
                        self.assigned.setdefault(target.id, []).append(node.value)

    def names(self) -> list[str]:
        return list(dict.fromkeys(self.params + list(self.assigned)))

    def returned(self) -> ast.AST | None:
        returns = [n for n in ast.walk(self.function) if isinstance(n, ast.Return) and n.value is not None]
        if len(returns) != 1:
            return None
        value = returns[0].value
        if isinstance(value, ast.Name) and len(self.assigned.get(value.id, [])) == 1:
            return self.assigned[value.id][0]
        return value

    def value_of(self, name: str) -> ast.AST | None:
        """The one expression a local name is assigned, or the one argument bound to a parameter."""
        if len(self.assigned.get(name, [])) == 1:
            return self.assigned[name][0]
        bound = self.bindings.get((self.function.name, name), [])
        kinds = {self.module.derivative_of(expr, scope) for expr, scope in bound}
        if bound and len(kinds) == 1:
            return bound[0][0]
        return None

    def outer_scope(self, name: str) -> "_Scope":
        if name in self.assigned:
            return self
        bound = self.bindings.get((self.function.name, name), [])
        return bound[0][1] if bound else self


def _closure(module: _Module, target: str, exclude: frozenset[str]) -> list[_Scope]:
    """The graded function and every reference function it calls (transitively), with call bindings."""
    bindings: dict[tuple[str, str], list] = {}
    order: list[str] = []
    queue = [target]
    while queue:
        name = queue.pop(0)
        if name in order or name not in module.functions or name in exclude:
            continue
        order.append(name)
        function = module.functions[name]
        scope = _Scope(module, function)
        for node in ast.walk(function):
            callee = _call_name(node) if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) else None
            if callee in module.functions and callee not in exclude:
                params = [a.arg for a in module.functions[callee].args.args]
                for param, arg in zip(params, node.args):
                    bindings.setdefault((callee, param), []).append((arg, scope))
                queue.append(callee)
    scopes = [_Scope(module, module.functions[name], bindings) for name in order]
    by_name = {s.function.name: s for s in scopes}
    for key, bound in bindings.items():  # re-point callers at the scopes that know the bindings
        bindings[key] = [(expr, by_name.get(scope.function.name, scope)) for expr, scope in bound]
    return scopes


# -- mutation sites -----------------------------------------------------------------------------


@dataclass(frozen=True)
class _Site:
    """One mutation: replace the node at ``index`` (in ``ast.walk`` order of the function) by ``build(copy)``."""

    function: str
    index: int
    line: int
    operator: str
    kind: str
    message: str
    build: Callable[[ast.AST], ast.AST | list[ast.stmt]]


def _sites(scope: _Scope, skip_lines: set[int]) -> Iterator[_Site]:
    module = scope.module
    function = scope.function
    nodes = list(ast.walk(function))
    index_of = {id(n): i for i, n in enumerate(nodes)}
    parents = {id(child): parent for parent in nodes for child in ast.iter_child_nodes(parent)}
    params = set(scope.params)

    def site(node, operator, kind_message, build):
        kind, message = kind_message
        line = getattr(node, "lineno", function.lineno)
        if line in skip_lines:
            return None
        return _Site(function.name, index_of[id(node)], line, operator, kind, message, build)

    def chain_root(node, op_type) -> bool:
        parent = parents.get(id(node))
        return not (isinstance(parent, ast.BinOp) and isinstance(parent.op, op_type))

    for node in nodes:
        found: list[_Site | None] = []
        # -- signs ----------------------------------------------------------------------
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Sub):
            if _is_update(node, params):
                found.append(site(node, "sign", _MESSAGES["ascent"],
                                  lambda n: ast.BinOp(n.left, ast.Add(), n.right)))
            elif _number(node.left) != 1:  # 1 − t is a derivative's form, mutated below
                found.append(site(node, "sign", _MESSAGES["sign_difference"],
                                  lambda n: ast.BinOp(n.right, ast.Sub(), n.left)))
                found.append(site(node, "sign", _MESSAGES["sign_add"],
                                  lambda n: ast.BinOp(n.left, ast.Add(), n.right)))
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add) and not (
                _number(node.left) is not None or _number(node.right) is not None):
            found.append(site(node, "sign", _MESSAGES["sign_sub"], lambda n: ast.BinOp(n.left, ast.Sub(), n.right)))
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub) and not _in_exp(node, parents):
            found.append(site(node, "sign", _MESSAGES["sign_minus"], lambda n: n.operand))
        # -- sums: drop a term ---------------------------------------------------------------
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub)) and chain_root(node, (ast.Add, ast.Sub)) \
                and not _is_update(node, params):
            terms = _terms(node)
            if len(terms) >= 2 and _number(node.left) != 1:
                for k, (sign, term) in enumerate(terms):
                    what = _term_kind(sign, term, params, terms)
                    if what is not None:
                        found.append(site(node, "drop_term", _MESSAGES[what],
                                          lambda n, k=k: _sum(_terms(n)[:k] + _terms(n)[k + 1:])))
        # -- products: drop a factor, a derivative, or take it at the wrong variable ------------------
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult) and chain_root(node, ast.Mult):
            parent = parents.get(id(node))
            step = isinstance(parent, ast.BinOp) and parent.right is node and _is_update(parent, params)
            found += _product_sites(node, scope, site, step)
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Div):
            divisor = node.right
            value = _number(divisor)
            if value is not None and value not in (0, 1):
                found.append(site(node, "drop_factor", ("scaled", f"A division by {value:g} is missing: the result "
                                                        f"is {value:g} times the expected one."), lambda n: n.left))
            elif _is_count(divisor, scope):
                found.append(site(node, "drop_factor", _MESSAGES["divisor"], lambda n: n.left))
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.MatMult):
            if chain_root(node, ast.MatMult):
                operands = _matmul_operands(node)
                for k, operand in enumerate(operands):
                    activation = module.derivative_of(operand, scope)
                    if len(operands) > 1 and activation is not None:
                        found.append(site(node, "drop_factor", _derivative_missing(activation),
                                          lambda n, k=k: _product(_matmul_operands(n)[:k] + _matmul_operands(n)[k + 1:],
                                                                  ast.MatMult())))
            found.append(site(node, "transpose", _MESSAGES["transpose"],
                              lambda n: ast.BinOp(n.right, ast.MatMult(), n.left)))
        # -- derivatives written alone (not inside a product) ---------------------------------
        if not _inside_product(node, parents):
            found += _standalone_derivative_sites(node, scope, site)
        # -- masks ---------------------------------------------------------------------------
        mask = _mask_operand(node)
        if mask is not None and mask is node:
            swapped = {ast.Gt: ast.GtE, ast.GtE: ast.Gt, ast.Lt: ast.LtE, ast.LtE: ast.Lt}[type(node.ops[0])]
            found.append(site(node, "mask_at_zero", _MESSAGES["mask_at_zero"],
                              lambda n, swapped=swapped: ast.Compare(n.left, [swapped()], n.comparators)))
            side = _masked_side(node)
            masked = getattr(node, side) if side == "left" else node.comparators[0]
            if isinstance(masked, ast.Name):
                for other in scope.names():
                    if other != masked.id:
                        found.append(site(node, "wrong_variable", _MESSAGES["mask_array"],
                                          lambda n, other=other, side=side: _replace_masked(n, side, ast.Name(other, ast.Load()))))
        if _call_name(node) == "heaviside" and len(node.args) == 2 and _number(node.args[1]) in (0, 1, 0.5):
            value = _number(node.args[1])
            for other in {0.0, 1.0} - {value}:
                found.append(site(node, "mask_at_zero", _MESSAGES["mask_at_zero"],
                                  lambda n, other=other: ast.Call(n.func, [n.args[0], ast.Constant(other)], [])))
        # -- transposes ------------------------------------------------------------------------
        if isinstance(node, ast.Attribute) and node.attr == "T":
            found.append(site(node, "transpose", _MESSAGES["transpose"], lambda n: n.value))
        if _call_name(node) in ("outer", "dot") and len(node.args) == 2 and not node.keywords:
            found.append(site(node, "transpose", _MESSAGES["transpose"],
                              lambda n: ast.Call(n.func, [n.args[1], n.args[0]], [])))
        if _call_name(node) == "transpose" and isinstance(node.func, ast.Attribute) and len(node.args) == 1:
            found.append(site(node, "transpose", _MESSAGES["transpose"], lambda n: n.args[0]))
        # -- sums and means ---------------------------------------------------------------------
        if _call_name(node) in ("sum", "mean") and isinstance(node.func, ast.Attribute):
            other = "mean" if node.func.attr == "sum" else "sum"
            found.append(site(node, "sum_mean", _MESSAGES["sum_mean"],
                              lambda n, other=other: _renamed_call(n, other)))
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id == "sum" \
                and len(node.args) == 1 and isinstance(node.args[0], (ast.GeneratorExp, ast.ListComp)):
            found.append(site(node, "overwrite", _MESSAGES["last_only"], _last_term))
        # -- accumulation -------------------------------------------------------------------------
        if isinstance(node, ast.AugAssign) and isinstance(node.op, ast.Add):
            found.append(site(node, "overwrite", _MESSAGES["overwrite"],
                              lambda n: ast.Assign([_store(n.target)], n.value)))
        # -- the folded-in intercept ----------------------------------------------------------
        found += _intercept_sites(node, site)
        # -- bias entry sliced off ------------------------------------------------------------------
        if isinstance(node, ast.Slice) and _number(node.lower) == 1 and node.upper is None and node.step is None:
            found.append(site(node, "bias_slice", _MESSAGES["bias_slice"],
                              lambda n: ast.Slice(None, ast.UnaryOp(ast.USub(), ast.Constant(1)), None)))
        yield from (s for s in found if s is not None)


def _product_sites(node: ast.BinOp, scope: _Scope, site, step: bool = False) -> list:
    """Mutants of one product ``f1 * f2 * …`` (``step``: the η·g of an update θ − η·g)."""
    module = scope.module
    factors = _mult_factors(node)
    found = []
    pairs = _sigmoid_pairs(factors)
    paired = {i for pair in pairs for i in pair}
    for i, j in pairs:
        t = factors[i]

        def without(n, i=i, j=j):
            fs = _mult_factors(n)
            rest = [f for k, f in enumerate(fs) if k not in (i, j)]
            return _product(rest, ast.Mult()) if rest else _call("_grader_ones_", fs[i])

        found.append(site(node, "drop_factor", _derivative_missing("sigmoid"), without))
        found += _wrong_point_sites(node, t, "sigmoid", module, site, lambda n, new, i=i, j=j: _with_pair(n, i, j, new))
    for k, factor in enumerate(factors):
        if k in paired or len(factors) < 2:
            continue
        rest = lambda n, k=k: _product([f for q, f in enumerate(_mult_factors(n)) if q != k], ast.Mult())
        value = _number(factor)
        activation = module.derivative_of(factor, scope)
        if step:
            if isinstance(factor, ast.Name) and factor.id in scope.params:
                found.append(site(node, "drop_factor", _MESSAGES["learning_rate"], rest))
        elif value is not None:
            if value not in (1, -1, 0):
                found.append(site(node, "drop_factor", _constant_message(abs(value)), rest))
        elif activation is not None:
            found.append(site(node, "drop_factor", _derivative_missing(activation), rest))
            mask = _mask_operand(factor)
            if mask is not None:  # the mask taken from the upstream gradient: the product of the other factors
                others = [f for q, f in enumerate(factors) if q != k and _number(f) is None]
                if others:
                    found.append(site(node, "wrong_variable", _MESSAGES["mask_array"],
                                      lambda n, k=k: _mask_from_upstream(n, k)))
        else:
            found.append(site(node, "drop_factor", _MESSAGES["missing_factor"], rest))
    for k, factor in enumerate(factors):
        t = _tanh_prime_variable(factor)
        if t is not None:
            found += _wrong_point_sites(node, t, "tanh", module, site,
                                        lambda n, new, k=k: _with_factor(n, k, _tanh_prime(new)))
    return found


def _standalone_derivative_sites(node: ast.AST, scope: _Scope, site) -> list:
    """A derivative that is a whole expression (e.g. ``return s * (1 - s)``, ``np.diag(1 - z ** 2)``)."""
    module = scope.module
    found = []
    t = _tanh_prime_variable(node)
    if t is not None:
        found.append(site(node, "drop_factor", _derivative_missing("tanh"), lambda n: _call("_grader_ones_", n)))
        found += _wrong_point_sites(node, t, "tanh", module, site, lambda n, new: _tanh_prime(new))
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        factors = _mult_factors(node)
        if len(factors) == 2 and _sigmoid_pairs(factors):
            return found  # handled as a product (dropping the pair leaves ones)
    if _call_name(node) == "where" and len(node.args) == 3 and _mask_operand(node.args[0]) is not None:
        found.append(site(node, "drop_factor", _derivative_missing("relu"),
                          lambda n: ast.Call(n.func, [_all_true(n.args[0]), n.args[1], n.args[2]], [])))
        mask = _mask_operand(node.args[0])
        side = _masked_side(mask)
        masked = mask.left if side == "left" else mask.comparators[0]
        if isinstance(masked, ast.Name):
            for other in scope.names():
                if other != masked.id:
                    found.append(site(node, "wrong_variable", _MESSAGES["mask_array"],
                                      lambda n, other=other, side=side: ast.Call(n.func, [
                                          _replace_masked(_mask_operand(n.args[0]), side, ast.Name(other, ast.Load())),
                                          n.args[1], n.args[2]], [])))
    mask = _mask_operand(node)
    if mask is not None and (_method(node) == "astype" or _call_name(node) in ("float", "asarray", "array")):
        found.append(site(node, "drop_factor", _derivative_missing("relu"), lambda n: _call("_grader_ones_", n)))
    return found


def _wrong_point_sites(node, t: ast.AST, activation: str, module: _Module, site, rebuild) -> list:
    """The derivative of ``activation`` written from ``t`` (its output), evaluated at the wrong place:
    at the activation of ``t`` (σ(t)), or at the pre-activation (σ⁻¹(t), or the argument of an explicit
    σ(·)/tanh(·) call)."""
    wrap, unwrap = ("_grader_sigmoid_", "_grader_logit_") if activation == "sigmoid" else \
        ("_grader_tanh_", "_grader_arctanh_")
    found = [site(node, "wrong_variable", _at_activation(activation),
                  lambda n, t=t: rebuild(n, _call(wrap, copy.deepcopy(t))))]
    explicit = module.is_sigmoid_call(t) if activation == "sigmoid" else _call_name(t) == "tanh"
    if explicit:
        found.append(site(node, "wrong_variable", _at_preactivation(activation),
                          lambda n, t=t: rebuild(n, copy.deepcopy(t.args[0]))))
    else:
        found.append(site(node, "wrong_variable", _at_preactivation(activation),
                          lambda n, t=t: rebuild(n, _call(unwrap, copy.deepcopy(t)))))
    return found


def _with_pair(node: ast.AST, i: int, j: int, new: ast.AST) -> ast.AST:
    factors = _mult_factors(node)
    factors[i] = new
    factors[j] = ast.BinOp(ast.Constant(1.0), ast.Sub(), copy.deepcopy(new))
    return _product(factors, ast.Mult())


def _with_factor(node: ast.AST, k: int, new: ast.AST) -> ast.AST:
    factors = _mult_factors(node)
    factors[k] = new
    return _product(factors, ast.Mult())


def _tanh_prime(t: ast.AST) -> ast.AST:
    return ast.BinOp(ast.Constant(1.0), ast.Sub(), ast.BinOp(t, ast.Pow(), ast.Constant(2)))


def _mask_from_upstream(node: ast.AST, k: int) -> ast.AST:
    factors = _mult_factors(node)
    mask = _mask_operand(factors[k])
    others = [copy.deepcopy(f) for q, f in enumerate(factors) if q != k and _number(f) is None]
    upstream = _product(others, ast.Mult())
    factors[k] = _replace_masked(mask, _masked_side(mask), upstream)
    return _product(factors, ast.Mult())


def _replace_masked(compare: ast.Compare, side: str, new: ast.AST) -> ast.Compare:
    if side == "left":
        return ast.Compare(new, compare.ops, compare.comparators)
    return ast.Compare(compare.left, compare.ops, [new])


def _all_true(compare: ast.AST) -> ast.AST:
    mask = _mask_operand(compare)
    side = _masked_side(mask)
    masked = mask.left if side == "left" else mask.comparators[0]
    return ast.Compare(copy.deepcopy(masked), [ast.Eq()], [copy.deepcopy(masked)])


def _intercept_sites(node: ast.AST, site) -> list:
    """``concatenate(([1], x))``, ``append(1, x)``, ``insert(x, 0, 1)``, ``hstack(([1], x))``: the constant 1
    folded in front of a vector."""
    name = _call_name(node)
    found = []
    if name in ("concatenate", "hstack", "r_") and node.args and isinstance(node.args[0], (ast.Tuple, ast.List)):
        items = node.args[0].elts
        if len(items) == 2 and _is_one_vector(items[0]):
            found.append(site(node, "intercept", _MESSAGES["intercept_zero"],
                              lambda n: _call_like(n, [type(n.args[0])([_zero_like(n.args[0].elts[0]), n.args[0].elts[1]],
                                                                       ast.Load())])))
            found.append(site(node, "intercept", _MESSAGES["intercept_last"],
                              lambda n: _call_like(n, [type(n.args[0])([n.args[0].elts[1], n.args[0].elts[0]], ast.Load())])))
    if name == "append" and len(node.args) == 2 and _is_one_vector(node.args[0]):
        found.append(site(node, "intercept", _MESSAGES["intercept_zero"],
                          lambda n: _call_like(n, [_zero_like(n.args[0]), n.args[1]])))
        found.append(site(node, "intercept", _MESSAGES["intercept_last"], lambda n: _call_like(n, [n.args[1], n.args[0]])))
    if name == "insert" and len(node.args) == 3 and _number(node.args[1]) == 0 and _number(node.args[2]) == 1:
        found.append(site(node, "intercept", _MESSAGES["intercept_zero"],
                          lambda n: _call_like(n, [n.args[0], n.args[1], ast.Constant(0.0)])))
    return found


def _is_one_vector(node: ast.AST) -> bool:
    if _number(node) == 1:
        return True
    return isinstance(node, (ast.List, ast.Tuple)) and len(node.elts) == 1 and _number(node.elts[0]) == 1


def _zero_like(node: ast.AST) -> ast.AST:
    if isinstance(node, (ast.List, ast.Tuple)):
        return type(node)([ast.Constant(0.0)], ast.Load())
    return ast.Constant(0.0)


def _call_like(node: ast.Call, args: list[ast.AST]) -> ast.Call:
    return ast.Call(node.func, args, node.keywords)


def _call(name: str, *args: ast.AST) -> ast.Call:
    return ast.Call(ast.Name(name, ast.Load()), list(args), [])


def _renamed_call(node: ast.Call, name: str) -> ast.Call:
    func = node.func
    return ast.Call(ast.Attribute(func.value, name, ast.Load()), node.args, node.keywords)


def _last_term(node: ast.Call) -> ast.AST:
    """``sum(g for g in gs)`` → ``[g for g in gs][-1]``: only the last term."""
    gen = node.args[0]
    listed = ast.ListComp(gen.elt, gen.generators)
    return ast.Subscript(listed, ast.UnaryOp(ast.USub(), ast.Constant(1)), ast.Load())


def _store(target: ast.AST) -> ast.AST:
    target = copy.deepcopy(target)
    target.ctx = ast.Store()
    return target


def _is_update(node: ast.BinOp, params: set[str]) -> bool:
    """``θ - η * g``: a parameter minus a product that involves another parameter (the learning rate)."""
    if not (isinstance(node.left, ast.Name) and node.left.id in params):
        return False
    right = node.right
    if isinstance(right, ast.BinOp) and isinstance(right.op, (ast.Mult, ast.MatMult, ast.Div)):
        names = {n.id for n in ast.walk(right) if isinstance(n, ast.Name)}
        return bool(names & (params - {node.left.id}))
    return False


def _is_count(node: ast.AST, scope: "_Scope | None" = None) -> bool:
    """A number of things: ``len(x)``, ``x.shape[0]``, ``x.size``, or a name assigned one."""
    if _call_name(node) == "len":
        return True
    if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Attribute) and node.value.attr == "shape":
        return True
    if isinstance(node, ast.Attribute) and node.attr == "size":
        return True
    if isinstance(node, ast.Name) and scope is not None and node.id in scope.assigned:
        value = scope.value_of(node.id)
        return value is not None and not isinstance(value, ast.Name) and _is_count(value)
    return False


def _term_kind(sign: int, term: ast.AST, params: set[str], terms: list) -> str | None:
    """What leaving ``term`` out of a sum means: a chain-rule path (every term a product), or a bias
    (a parameter added to a product, as in ``W @ x + b``)."""
    if _number(term) is not None:
        return None
    bare = (isinstance(term, ast.Name) and term.id in params) or (
        isinstance(term, ast.Subscript) and isinstance(term.value, ast.Name) and term.value.id in params)
    if bare:
        others = [t for _, t in terms if t is not term]
        weighted = any(isinstance(t, ast.BinOp) and isinstance(t.op, (ast.Mult, ast.MatMult)) or _call_name(t) == "item"
                       or _method(t) == "item" for t in others)
        return "drop_bias" if sign > 0 and weighted else None
    products = [t for _, t in terms if isinstance(t, ast.BinOp) and isinstance(t.op, (ast.Mult, ast.MatMult))]
    if len(products) == len(terms) and isinstance(term, ast.BinOp):
        return "drop_path"
    return None


def _inside_product(node: ast.AST, parents: dict) -> bool:
    parent = parents.get(id(node))
    return isinstance(parent, ast.BinOp) and isinstance(parent.op, ast.Mult)


def _in_exp(node: ast.AST, parents: dict) -> bool:
    """The ``-t`` inside a sigmoid's ``exp(-t)``: flipping it is not a student's sign error."""
    return _call_name(parents.get(id(node))) == "exp"


# -- update order ---------------------------------------------------------------------------------


def _update_order_sites(scope: _Scope, skip_lines: set[int]) -> Iterator[_Site]:
    """``g1, …, gk = grads(p1, …, pk, …)`` then ``return p1 - η g1, …``: recompute the gradients of the earlier
    parameters after the later ones were updated."""
    function = scope.function
    params = set(scope.params)
    body = function.body
    returns = [s for s in body if isinstance(s, ast.Return) and isinstance(s.value, ast.Tuple)]
    if not returns:
        return
    pairs: dict[str, tuple[str, ast.AST]] = {}  # parameter -> (gradient name, step expression)
    for element in returns[-1].value.elts:
        if isinstance(element, ast.BinOp) and isinstance(element.op, ast.Sub) and _is_update(element, params) \
                and isinstance(element.left, ast.Name):
            gradients = [n.id for n in ast.walk(element.right) if isinstance(n, ast.Name) and n.id not in params]
            if len(gradients) == 1:
                pairs[element.left.id] = (gradients[0], element)
    for position, statement in enumerate(body):
        if not (isinstance(statement, ast.Assign) and len(statement.targets) == 1
                and isinstance(statement.targets[0], ast.Tuple) and isinstance(statement.value, ast.Call)
                and isinstance(statement.value.func, ast.Name)):
            continue
        if statement.lineno in skip_lines:
            continue
        targets = [t.id for t in statement.targets[0].elts if isinstance(t, ast.Name)]
        call = statement.value
        order = [a.id for a in call.args if isinstance(a, ast.Name) and a.id in pairs and pairs[a.id][0] in targets]
        for split in range(1, len(order)):
            earlier, later = order[:split], order[split:]

            def build(fn, position=position, earlier=tuple(earlier), later=tuple(later)):
                fn = copy.deepcopy(fn)
                assign = fn.body[position]
                call = assign.value
                new_args = [copy.deepcopy(pairs[a.id][1]) if isinstance(a, ast.Name) and a.id in later else a
                            for a in call.args]
                redo = ast.Assign([ast.Name("_grader_redo_", ast.Store())], ast.Call(call.func, new_args, call.keywords))
                names = [t.id for t in assign.targets[0].elts]
                picks = [ast.Assign([ast.Name(pairs[p][0], ast.Store())],
                                    ast.Subscript(ast.Name("_grader_redo_", ast.Load()),
                                                  ast.Constant(names.index(pairs[p][0])), ast.Load()))
                         for p in earlier]
                fn.body[position + 1:position + 1] = [redo, *picks]
                return fn

            kind, message = _MESSAGES["update_order"]
            yield _Site(function.name, -1, statement.lineno, "update_order", kind, message, build)


# -- making the mutant modules --------------------------------------------------------------------


def _apply(function: ast.FunctionDef, *sites: _Site) -> ast.FunctionDef:
    """``function`` with every one of ``sites`` mutated (node sites, applied from the last in ``ast.walk``
    order to the first, so that an earlier site's index still points at its node)."""
    if len(sites) == 1 and sites[0].index < 0:
        return sites[0].build(function)
    fn = copy.deepcopy(function)
    for site in sorted(sites, key=lambda s: -s.index):
        nodes = list(ast.walk(fn))
        target = nodes[site.index]
        replacement = site.build(copy.deepcopy(target))
        if not _replace(nodes, target, replacement):
            raise ValueError("mutation site not found")
    return fn


def _replace(nodes: list[ast.AST], target: ast.AST, replacement) -> bool:
    for parent in nodes:
        for field, value in ast.iter_fields(parent):
            if value is target:
                setattr(parent, field, replacement)
                return True
            if isinstance(value, list) and any(v is target for v in value):
                value[[i for i, v in enumerate(value) if v is target][0]] = replacement
                return True
    return False


# A misconception is often the same at every place it can show: a student who forgets the folded-in
# intercept forgets it in every layer. These operators also get one mutant that changes every such place.
_EVERYWHERE = {("intercept", "bias_missing"), ("intercept", "bias_column_last"), ("mask_at_zero", "relu_at_zero"),
               ("wrong_variable", "sigma_prime_of_activation"), ("wrong_variable", "sigma_prime_of_preactivation"),
               ("drop_factor", "activation_derivative_missing")}
_EVERYWHERE_SITES = 6  # at most this many places at once


@lru_cache(maxsize=16)
def _prepared(source: str) -> tuple[ast.Module, tuple[str, ...], frozenset[int]] | None:
    """The parsed reference, each top-level statement's text, and the lines that say ``pragma: no mutate``."""
    try:
        tree = ast.parse(source)
    except SyntaxError:
        return None
    skip_lines = frozenset(i + 1 for i, line in enumerate(source.splitlines()) if PRAGMA in line)
    return tree, tuple(ast.unparse(statement) for statement in tree.body), skip_lines


@lru_cache(maxsize=256)
def mutants_for(source: str, function: str, exclude: frozenset[str] = frozenset()) -> tuple[Mutant, ...]:
    """Every mutant of the reference ``source`` that can change ``function``'s answers: mutations of the
    function itself and of the reference functions it calls (never of ``exclude``, the rubric's declared
    mistakes). Distinct sources only; none for a source that does not parse. Cached: a batch makes them once."""
    prepared = _prepared(source)
    if prepared is None:
        return ()
    tree, chunks, skip_lines = prepared
    module = _Module(tree)
    if function not in module.functions:
        return ()
    found: dict[str, Mutant] = {}
    groups: dict[tuple[str, str, str], list[tuple[_Scope, _Site]]] = {}

    def add(changes: dict[int, str], info: tuple[str, str, str, str]) -> None:
        parts = list(chunks)
        for position, text in changes.items():
            parts[position] = text
        text = "\n\n".join(parts) + "\n" + _HELPERS
        key = hashlib.sha256(text.encode()).hexdigest()[:16]
        if key not in found:
            operator, place, kind, message = info
            found[key] = Mutant(MutantInfo(key, operator, place, kind, message), text)

    for scope in _closure(module, function, exclude):
        fn = scope.function
        if fn.lineno in skip_lines:
            continue
        position = tree.body.index(fn)
        for site in [*_sites(scope, set(skip_lines)), *_update_order_sites(scope, set(skip_lines))]:
            mutated = _unparsed(fn, site)
            if mutated is None or mutated == chunks[position]:
                continue
            add({position: mutated}, (site.operator, f"{site.function}:{site.line}", site.kind, site.message))
            if (site.operator, site.kind) in _EVERYWHERE:
                groups.setdefault((site.operator, site.kind, site.message), []).append((scope, site))
    for (operator, kind, message), members in groups.items():  # the same misconception at every place
        if not 2 <= len(members) <= _EVERYWHERE_SITES:
            continue
        by_function: dict[str, list[_Site]] = {}
        for scope, site in members:
            by_function.setdefault(scope.function.name, []).append(site)
        changes = {}
        for name, sites in by_function.items():
            fn = module.functions[name]
            mutated = _unparsed(fn, *sites)
            if mutated is None:
                break
            changes[tree.body.index(fn)] = mutated
        else:
            places = ",".join(f"{s.function}:{s.line}" for _, s in members)
            add(changes, (operator, places, kind, message))
    return tuple(found.values())


def _unparsed(function: ast.FunctionDef, *sites: _Site) -> str | None:
    """The text of ``function`` mutated at ``sites``; None when that makes no valid function."""
    try:
        mutated = ast.unparse(ast.fix_missing_locations(_apply(function, *sites)))
        compile(mutated, "<mutant>", "exec")
    except Exception:  # a mutation that makes no valid function is not a mutant
        return None
    return mutated
