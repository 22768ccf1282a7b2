"""Where each part's code is in a submission: the line of the student's function, for CI annotations.

The submission is parsed with :mod:`ast` in the grader's process and never run: only the
top-level definitions are read (a ``def`` for a function, an assignment for a constant).
A file that does not parse is located at its syntax error.
"""

from __future__ import annotations

import ast
from typing import Mapping

from .rubric.model import CallTarget, CheckedPart, ClaimPart, GradientCheckClaim, Part, Rubric
from .sandbox.slots import SubmissionFiles

WHOLE_FILE = ""  # the key of the submission's own location (its syntax error, or line 1)


def part_lines(rubric: Rubric, files: SubmissionFiles) -> dict[str, tuple[str, int]]:
    """``{"question/part": (module, line)}`` for every part whose code is found in the entry module, and
    :data:`WHOLE_FILE` for the module itself."""
    source = dict(files.files).get(files.entry, b"")
    try:
        tree = ast.parse(source)
    except SyntaxError as error:
        return {WHOLE_FILE: (files.entry, max(1, error.lineno or 1))}
    except (ValueError, RecursionError, MemoryError):
        return {WHOLE_FILE: (files.entry, 1)}
    lines = definition_lines(tree)
    found = {WHOLE_FILE: (files.entry, 1)}
    for question, part in rubric.parts():
        name = graded_name(part)
        if name in lines:
            found[f"{question.id}/{part.id}"] = (files.entry, lines[name])
    return found


def definition_lines(tree: ast.Module) -> Mapping[str, int]:
    """The line of each top-level function, class and assigned name (the last definition wins, as in Python)."""
    lines: dict[str, int] = {}
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            lines[node.name] = node.lineno
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            lines.update((t.id, node.lineno) for t in targets if isinstance(t, ast.Name))
    return lines


def graded_name(part: Part) -> str:
    """The student's function or constant a part grades (for a gradient check, the gradient function)."""
    if isinstance(part, CheckedPart):
        return part.target.function if isinstance(part.target, CallTarget) else part.target.name
    if isinstance(part, ClaimPart):
        claim = part.claim
        return claim.gradient_call if isinstance(claim, GradientCheckClaim) else claim.call
    return ""
