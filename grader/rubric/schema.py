"""Validate a rubric document against the JSON Schema shipped in the package."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any

import jsonschema
from jsonschema.exceptions import ValidationError, best_match

from .errors import RubricError, RubricErrors
from .yaml_source import YamlSource

_TYPE_WORDS = {
    "number": "a number",
    "integer": "an integer",
    "string": "a string",
    "object": "a mapping",
    "array": "a list",
    "boolean": "true or false",
}


@lru_cache(maxsize=1)
def rubric_schema() -> dict[str, Any]:
    """The rubric JSON Schema (draft 2020-12)."""
    text = resources.files("grader.rubric").joinpath("schema.json").read_text(encoding="utf-8")
    return json.loads(text)


def validate_document(source: YamlSource) -> None:
    """Raise :class:`RubricErrors` listing every schema violation (the most relevant reading of each), by line."""
    validator = jsonschema.Draft202012Validator(rubric_schema())
    found = [best_match([error], key=_relevance) for error in validator.iter_errors(source.data)]
    specific = [e for e in found if not (e.validator in ("oneOf", "anyOf") and _explained(e, found))]
    if specific:
        raise RubricErrors([_located(source, e) for e in specific])


def _explained(vague: ValidationError, errors: list[ValidationError]) -> bool:
    """Whether another error says something more precise at or beneath the vague one's place."""
    where = tuple(vague.absolute_path)
    return any(e is not vague and e.validator not in ("oneOf", "anyOf")
               and tuple(e.absolute_path)[:len(where)] == where for e in errors)


def _located(source: YamlSource, error: ValidationError) -> RubricError:
    path = tuple(error.absolute_path)
    if error.validator == "additionalProperties":
        extra = _unexpected_keys(error)
        if extra:
            path = path + (extra[0],)
    return source.error(path, describe(error))


def _relevance(error: ValidationError) -> tuple[int, int]:
    # Prefer deep errors, and among them the ones that say something concrete.
    vague = error.validator in ("oneOf", "anyOf", "not")
    return (-len(error.absolute_path), vague)


def _unexpected_keys(error: ValidationError) -> list[str]:
    allowed = set(error.schema.get("properties", {}))
    instance = error.instance if isinstance(error.instance, dict) else {}
    return sorted(k for k in instance if k not in allowed)


def describe(error: ValidationError) -> str:
    """A short human sentence for one schema violation."""
    kind = error.validator
    if kind == "type":
        wanted = error.validator_value
        words = " or ".join(_TYPE_WORDS.get(t, t) for t in ([wanted] if isinstance(wanted, str) else wanted))
        return f"expected {words}, got {_show(error.instance)}"
    if kind == "required":
        missing = error.message.split("'")[1] if "'" in error.message else error.message
        return f"missing required key '{missing}'"
    if kind == "additionalProperties":
        extra = _unexpected_keys(error)
        allowed = ", ".join(sorted(error.schema.get("properties", {})))
        return f"unknown key '{extra[0]}' (allowed: {allowed})" if extra else error.message
    if kind == "enum":
        return "expected one of " + ", ".join(repr(v) for v in error.validator_value) + f", got {_show(error.instance)}"
    if kind in ("minimum", "exclusiveMinimum", "maximum", "exclusiveMaximum"):
        return f"{_show(error.instance)} is out of range ({kind} {error.validator_value})"
    if kind == "minItems":
        return f"expected at least {error.validator_value} item(s)"
    if kind == "pattern":
        return f"{_show(error.instance)} is not a valid name"
    if kind == "oneOf" and isinstance(error.instance, dict) and "points" in error.instance:
        return "a part needs exactly one of 'call' (with 'checks'), 'constant' (with 'checks') or 'claim'"
    if kind == "oneOf" and _is_claim(error):
        return ("a claim needs 'kind': symmetry (with 'call'), gradient_check (with 'loss' and 'gradient') or "
                "gradient_shapes (with 'call' and 'outputs')")
    if kind == "oneOf" and isinstance(error.instance, dict):
        return "a check needs exactly one of 'shape', 'value' or 'reference'"
    if kind in ("anyOf", "oneOf"):
        return f"{_show(error.instance)} is not an accepted form here"
    return error.message


def _is_claim(error: ValidationError) -> bool:
    return bool(error.absolute_path) and error.absolute_path[-1] == "claim"


def _show(value: Any) -> str:
    text = json.dumps(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


