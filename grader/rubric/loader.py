"""Load a rubric file: YAML → schema validation → semantic checks → :class:`Rubric`."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Mapping

import numpy as np

from .claims import build_claim, claim_problems
from .errors import RubricError, RubricErrors
from .model import (
    CallTarget,
    Check,
    CheckedPart,
    ClaimPart,
    ConstantTarget,
    Defaults,
    DimExpr,
    Draw,
    Edge,
    Function,
    Mistake,
    Param,
    Part,
    Question,
    ReferenceCheck,
    Rubric,
    Shape,
    ShapeCheck,
    ShapeMismatch,
    Target,
    Tolerance,
    ValueCheck,
    ValueSpec,
    infer_dims,
)
from . import cache
from .public import public_problems
from .yaml_source import YamlSource, parse_yaml, read_text


def load_rubric(path: str | Path, *, use_cache: bool = True) -> Rubric:
    """Read and validate a rubric; any problem raises a located :class:`RubricError`.

    A rubric validated before (same bytes, schema and grader version) is read from the
    cache, skipping the YAML parser and the schema; ``use_cache=False`` validates afresh.
    """
    file = Path(path)
    if not file.is_file():
        raise RubricError(file, None, (), "no such rubric file")
    text = read_text(file)
    key = cache.cache_key(text)
    source = cache.load(file, key) if use_cache else None
    if source is None:
        source = _validated(file, text)
        cache.store(key, source)
    return _Builder(source).build()


def _validated(file: Path, text: str) -> YamlSource:
    from .schema import validate_document  # jsonschema is imported only when a rubric is validated

    source = parse_yaml(file, text)
    if not isinstance(source.data, dict):
        raise source.error((), "a rubric must be a YAML mapping")
    validate_document(source)
    return source


class _Builder:
    """Turns a schema-valid document into the model, checking cross references."""

    def __init__(self, source: YamlSource):
        self.source = source
        self.doc: dict[str, Any] = source.data

    def fail(self, path: tuple, message: str) -> RubricError:
        return self.source.error(path, message)

    def build(self) -> Rubric:
        """The model; every error of a stage is reported together (a later stage needs the earlier ones)."""
        doc = self.doc
        problems: list[RubricError] = []

        def attempt(make, *args):
            try:
                return make(*args)
            except RubricError as error:
                problems.append(error)
                return None

        def stop_if_wrong() -> None:
            if problems:
                raise RubricErrors(problems)

        defaults = self._defaults(doc.get("defaults", {}))
        dimensions = attempt(self._dimensions, doc.get("dimensions", {})) or {}
        interface = doc.get("interface", {})
        functions = {name: attempt(self._function, name, spec, dimensions)
                     for name, spec in interface.get("functions", {}).items()}
        constants = {name: attempt(self._constant, name, spec, dimensions)
                     for name, spec in interface.get("constants", {}).items()}
        cases = attempt(self._cases, doc.get("cases", {}), functions)
        public = bool(doc.get("public", False))
        problems.extend(self.fail(path, message) for path, message in public_problems(doc))
        reference = attempt(self._reference, doc["reference"]) if "reference" in doc and not public else None
        samples = attempt(self._samples, doc.get("samples")) if not public else None
        batch_dimension = attempt(self._batch_dimension, doc.get("batch_dimension"), dimensions)
        stop_if_wrong()
        parts = {(qi, pi): attempt(self._part, ("questions", qi, "parts", pi), p, defaults, dimensions, functions,
                                   constants, cases)
                 for qi, q in enumerate(doc["questions"]) for pi, p in enumerate(q["parts"])}
        stop_if_wrong()
        questions = tuple(Question(str(q["id"]), q["title"], tuple(parts[(qi, pi)] for pi in range(len(q["parts"]))))
                          for qi, q in enumerate(doc["questions"]))
        attempt(self._unique_ids, questions)
        attempt(self._upstream_parts_exist, functions, questions)
        stop_if_wrong()
        return Rubric(
            path=self.source.file,
            title=doc["title"],
            reference=reference,
            seed=doc["seed"],
            defaults=defaults,
            dimensions=dimensions,
            functions=functions,
            constants=constants,
            cases=cases,
            questions=questions,
            description=doc.get("description", ""),
            source=doc.get("source", ""),
            samples=samples,
            batch_dimension=batch_dimension,
            public=public,
            after_submission=tuple(doc.get("after_submission", ())),
        )

    def _constant(self, name: str, spec: Mapping[str, Any], dims: Mapping[str, Any]) -> ValueSpec:
        return ValueSpec(name, self._shape(("interface", "constants", name, "shape"), spec.get("shape"), dims),
                         spec.get("doc", ""))

    # -- top-level sections -------------------------------------------------

    def _defaults(self, raw: Mapping[str, Any]) -> Defaults:
        base = Defaults()
        return Defaults(
            tolerance=Tolerance(raw.get("rtol", base.tolerance.rtol), raw.get("atol", base.tolerance.atol)),
            random_cases=raw.get("random_cases", base.random_cases),
            call_timeout=float(raw.get("call_timeout", base.call_timeout)),
            total_timeout=float(raw.get("total_timeout", base.total_timeout)),
            edge_cases=raw.get("edge_cases", base.edge_cases),
            require_float64=raw.get("require_float64", base.require_float64),
        )

    def _dimensions(self, raw: Mapping[str, list[int]]) -> dict[str, tuple[int, int]]:
        dims = {}
        for name, (low, high) in raw.items():
            if low > high:
                raise self.fail(("dimensions", name), f"empty range [{low}, {high}]")
            dims[name] = (low, high)
        return dims

    def _shape(self, path: tuple, entries: list | None, dims: Mapping[str, Any]) -> Shape:
        shape = Shape.parse(entries)
        unknown = sorted(shape.names() - set(dims))
        if unknown:
            raise self.fail(path, f"unknown dimension '{unknown[0]}' (declare it under 'dimensions')")
        return shape

    def _function(self, name: str, spec: Mapping[str, Any], dims: Mapping[str, Any]) -> Function:
        base = ("interface", "functions", name)
        params = tuple(
            Param(p, self._shape(base + ("params", p, "shape"), ps.get("shape"), dims),
                  self._draw(base + ("params", p, "draw"), ps.get("draw", "normal"), dims), ps.get("doc", ""),
                  ps.get("upstream"), ps.get("dtype", "float"))
            for p, ps in (spec.get("params") or {}).items()
        )
        returns = tuple(
            ValueSpec(r, self._shape(base + ("returns", r, "shape"), rs.get("shape"), dims), rs.get("doc", ""))
            for r, rs in spec["returns"].items()
        )
        edges = tuple(self._edge(base + ("edges", i), raw, params, dims) for i, raw in enumerate(spec.get("edges", [])))
        return Function(name, params, returns, spec.get("doc", ""), spec.get("exempt_from_reference", ""),
                        spec.get("in_place", "forbidden") == "allowed", edges)

    def _edge(self, path: tuple, raw: Mapping[str, Any], params: tuple[Param, ...], dims: Mapping[str, Any]) -> Edge:
        kind = "zero" if "zero" in raw else "tie"
        names = tuple(raw[kind])
        by_name = {p.name: p for p in params}
        for name in names:
            if name not in by_name:
                raise self.fail(path + (kind,), f"'{name}' is not a parameter of this function")
        along = raw.get("along")
        if along is not None:
            if along not in dims:
                raise self.fail(path + ("along",), f"unknown dimension '{along}' (declare it under 'dimensions')")
            lacking = [n for n in names if along not in by_name[n].shape.names()]
            if lacking:
                raise self.fail(path + ("along",), f"parameter '{lacking[0]}' has no dimension '{along}'")
        return Edge(kind, names, along)

    def _draw(self, path: tuple, raw: str | Mapping[str, Any], dims: Mapping[str, Any]) -> Draw:
        if isinstance(raw, str):
            return {"normal": Draw("normal", (0.0, 1.0)), "uniform": Draw("uniform", (-1.0, 1.0)),
                    "unit": Draw("uniform", (0.05, 0.95))}[raw]
        (kind, args), = raw.items()
        values = tuple(DimExpr.parse(a) if isinstance(a, str) else float(a)
                       for a in (args if isinstance(args, list) else [args]))
        draw = Draw(kind, values)
        unknown = sorted(draw.names() - set(dims))
        if unknown:
            raise self.fail(path, f"unknown dimension '{unknown[0]}' (declare it under 'dimensions')")
        return draw

    def _cases(self, raw: Mapping[str, Any], functions: Mapping[str, Function]) -> dict[str, dict[str, Any]]:
        cases = {}
        for name, values in raw.items():
            for param, value in values.items():
                if not _is_rectangular(value):
                    raise self.fail(("cases", name, param), "ragged list: every row must have the same length")
            cases[name] = dict(values)
        return cases

    def _reference(self, relative: str) -> Path:
        path = (self.source.file.parent / relative).resolve()
        if not path.is_file():
            raise self.fail(("reference",), f"reference implementation not found: {path}")
        return path

    def _batch_dimension(self, name: str | None, dims: Mapping[str, Any]) -> str | None:
        if name is not None and name not in dims:
            raise self.fail(("batch_dimension",), f"unknown dimension '{name}' (declare it under 'dimensions')")
        return name

    def _samples(self, relative: str | None) -> Path | None:
        folder = self.source.file.parent / (relative or f"../sample_submissions/{self.source.file.stem}")
        if relative and not folder.is_dir():
            raise self.fail(("samples",), f"no such folder: {folder.resolve()}")
        return folder.resolve() if folder.is_dir() else None

    def _upstream_parts_exist(self, functions: Mapping[str, Function], questions: tuple[Question, ...]) -> None:
        known = {f"{q.id}/{p.id}" for q in questions for p in q.parts} | set(self.doc.get("after_submission", ()))
        for function in functions.values():
            for param in function.params:
                if param.upstream is not None and param.upstream not in known:
                    raise self.fail(("interface", "functions", function.name, "params", param.name, "upstream"),
                                    f"no part '{param.upstream}' (write it as 'question id/part id')")

    def _unique_ids(self, questions: tuple[Question, ...]) -> None:
        seen: set[str] = set()
        for qi, question in enumerate(questions):
            for pi, part in enumerate(question.parts):
                key = f"{question.id}/{part.id}"
                if key in seen:
                    raise self.fail(("questions", qi, "parts", pi, "id"), f"duplicate part id '{part.id}'")
                seen.add(key)

    # -- questions and parts -------------------------------------------------

    def _part(self, path, raw, defaults, dims, functions, constants, cases) -> Part:
        common = dict(id=str(raw["id"]), title=raw["title"], points=float(raw["points"]),
                      visibility=raw.get("visibility", "visible"), line=self.source.line_of(path) or 0)
        if "claim" in raw:
            claim = build_claim(raw["claim"])
            for key, message in claim_problems(claim, functions):
                raise self.fail(path + ("claim",) + key, message)
            return ClaimPart(**common, claim=claim)
        tolerance = Tolerance(raw.get("rtol", defaults.tolerance.rtol), raw.get("atol", defaults.tolerance.atol))
        target = self._target(path, raw, functions, constants)
        default_case = raw.get("case")
        if default_case is not None:
            self._known_case(path + ("case",), default_case, target, functions, cases)
        checks = tuple(
            self._check(path + ("checks", ci), c, target, default_case, tolerance, defaults, dims, functions, cases)
            for ci, c in enumerate(raw.get("checks", []))
        )
        mistakes = tuple(Mistake(m["function"], m["message"]) for m in raw.get("mistakes", []))
        if mistakes and not isinstance(target, CallTarget):
            raise self.fail(path + ("mistakes",), "mistakes apply only to parts that call a function")
        preactivation = raw.get("preactivation")
        if preactivation is not None and (not isinstance(target, CallTarget)
                                          or preactivation not in functions[target.function].param_names):
            raise self.fail(path + ("preactivation",), f"'{preactivation}' is not a parameter of the called function")
        if checks and all(c.weight == 0 for c in checks):
            raise self.fail(path + ("checks",), "every check is a gate (weight 0): give one a weight, or the part "
                                                "can earn nothing")
        if isinstance(target, CallTarget) and not _runs_a_case(checks):
            raise self.fail(path + ("checks",), "these checks run no case of the function: add a value check on a "
                                                "case, or a reference check with cases or random cases")
        return CheckedPart(**common, target=target, checks=checks, mistakes=mistakes, preactivation=preactivation)

    def _target(self, path, raw, functions, constants) -> Target:
        if "call" in raw:
            name = raw["call"]
            if name not in functions:
                raise self.fail(path + ("call",), f"'{name}' is not a function of the interface")
            function = functions[name]
            output = raw.get("output")
            names = [r.name for r in function.returns]
            if output is None and len(names) > 1:
                raise self.fail(path + ("call",), f"'{name}' returns {', '.join(names)}: say which with 'output'")
            if output is not None and output not in names:
                raise self.fail(path + ("output",), f"'{name}' returns no '{output}' (it returns {', '.join(names)})")
            return CallTarget(name, output if len(names) > 1 else None, tuple(raw.get("index", ())))
        name = raw["constant"]
        if name not in constants:
            raise self.fail(path + ("constant",), f"'{name}' is not a constant of the interface")
        if "output" in raw:
            raise self.fail(path + ("output",), "a constant has no outputs")
        return ConstantTarget(name, tuple(raw.get("index", ())))

    def _known_case(self, path, case, target, functions, cases) -> None:
        if case not in cases:
            raise self.fail(path, f"no case named '{case}' (known: {', '.join(cases) or 'none'})")
        if isinstance(target, CallTarget):
            function = functions[target.function]
            missing = [p for p in function.param_names if p not in cases[case]]
            if missing:
                raise self.fail(path, f"case '{case}' gives no value for parameter '{missing[0]}' of {target.name}")
            try:
                infer_dims(function, {p: np.asarray(cases[case][p], dtype=np.float64) for p in function.param_names})
            except ShapeMismatch as exc:
                raise self.fail(("cases", case), f"does not fit {target.name}: {exc}") from None

    def _check(self, path, raw, target, default_case, tolerance, defaults, dims, functions, cases) -> Check:
        weight = float(raw.get("weight", 1.0))
        tol = Tolerance(raw.get("rtol", tolerance.rtol), raw.get("atol", tolerance.atol))
        if "shape" in raw:  # a gate unless the rubric gives it a weight: a right shape alone earns nothing
            return ShapeCheck(self._shape(path + ("shape",), raw["shape"], dims), float(raw.get("weight", 0.0)))
        if "value" in raw:
            if not _is_rectangular(raw["value"]):
                raise self.fail(path + ("value",), "ragged list: every row must have the same length")
            case = raw.get("case", default_case)
            if isinstance(target, CallTarget):
                if case is None:
                    raise self.fail(path, "a value check on a function call needs a 'case' (here or on the part)")
                self._known_case(path + ("case",), case, target, functions, cases)
            return ValueCheck(raw["value"], case, tol, weight)
        if not isinstance(target, CallTarget):
            raise self.fail(path + ("reference",), "a reference check needs a function call, not a constant")
        spec = raw["reference"] or {}
        named = tuple(spec.get("cases", [default_case] if default_case else []))
        for ci, case in enumerate(named):
            self._known_case(path + ("reference", "cases", ci), case, target, functions, cases)
        random = spec.get("random", defaults.random_cases)
        if random and not functions[target.name].params:
            random = 1  # without inputs, every call is the same case
        edges = spec.get("edges", defaults.edge_cases if functions[target.name].edges else 0)
        if edges and not functions[target.name].edges:
            raise self.fail(path + ("reference", "edges"), f"{target.name}() declares no edges to push cases onto")
        return ReferenceCheck(random, named, spec.get("scoring", "all"), tol, weight, edges)


def _runs_a_case(checks: tuple[Check, ...]) -> bool:
    """Whether a part's checks call the function at least once (a shape check alone calls nothing)."""
    return any(isinstance(c, ValueCheck) or (isinstance(c, ReferenceCheck) and (c.cases or c.random or c.edges))
               for c in checks)


def _is_rectangular(value: Any) -> bool:
    try:
        np.asarray(value, dtype=np.float64)
    except (ValueError, TypeError):
        return False
    return True
