"""Public rubrics: what students may hold, so they can check their work without the answer key.

``grade publish`` turns a course rubric into a *public* one (``public: true``): the same
interface, cases, questions and checks, without the reference implementation, the
declared mistakes (functions of the reference, and hints at the answers), the samples
folder (``correct.py`` is the answer key) and any comment or path of the course repo.
Parts a student must not see before submitting (``visibility`` other than ``visible``)
are left out entirely, their literal values with them, and listed by id under
``after_submission``. Graded with a public rubric, checks that need the reference are
not run: their share of a part's points is graded after submission.

This module works on the YAML document (plain data) and is pure: the loader asks it
what is wrong with a public document, ``grade publish`` asks it for the public document.
"""

from __future__ import annotations

import copy
import re
from typing import Any, Mapping

from .errors import KeyPath

Problem = tuple[KeyPath, str]  # (key path in the document, message)

# Keys a public rubric never carries (each points into the course repo or at the answers).
_PRIVATE_TOP_KEYS = ("reference", "samples")
_PATH_LIKE = re.compile(r"(^|[\s(])(~|\.{1,2})?/|\\|\.(py|ya?ml|pdf|tex|ipynb|md|txt)\b", re.IGNORECASE)


def public_problems(doc: Mapping[str, Any]) -> list[Problem]:
    """What makes ``doc`` wrong as a public rubric, or (for a course rubric) a public-only key it uses."""
    if not doc.get("public"):
        if "after_submission" in doc:
            return [(("after_submission",), "only a public rubric (public: true) lists parts graded after "
                                            "submission")]
        return []
    problems: list[Problem] = [((key,), f"a public rubric has no '{key}': it is graded without the answers "
                                        "(`grade publish` leaves it out)")
                               for key in _PRIVATE_TOP_KEYS if key in doc]
    for (qi, pi), part in _parts(doc):
        if "mistakes" in part:
            problems.append((("questions", qi, "parts", pi, "mistakes"),
                             "a public rubric declares no mistakes: they are functions of the reference"))
    parts = {name for name, _ in _named_parts(doc)}
    for index, name in enumerate(doc.get("after_submission", ())):
        if name in parts:
            problems.append((("after_submission", index), f"'{name}' is also a part of this rubric"))
    return problems


def withheld(part: Mapping[str, Any]) -> bool:
    """Whether a part is hidden from students before they submit (Gradescope's visibility)."""
    return part.get("visibility", "visible") != "visible"


def public_document(doc: Mapping[str, Any]) -> dict[str, Any]:
    """The public rubric for a course rubric's document (see the module docstring).

    Raises ValueError when nothing would be left to check (every part is withheld)."""
    public: dict[str, Any] = {"public": True}
    after: list[str] = list(doc.get("after_submission", ()))
    questions = []
    for question in doc["questions"]:
        parts = []
        for part in question["parts"]:
            if withheld(part):
                after.append(f"{question['id']}/{part['id']}")
                continue
            parts.append({k: copy.deepcopy(v) for k, v in part.items() if k != "mistakes"})
        if parts:
            questions.append({**{k: copy.deepcopy(v) for k, v in question.items() if k != "parts"}, "parts": parts})
    if not questions:
        raise ValueError("every part is hidden before submission: a public rubric would check nothing")
    for key, value in doc.items():
        if key in _PRIVATE_TOP_KEYS or key in ("public", "after_submission"):
            continue
        if key == "questions":
            public[key] = questions
        elif key == "source" and _PATH_LIKE.search(str(value)):
            continue  # a path in the course repo (a handout's file) means nothing to a student
        else:
            public[key] = copy.deepcopy(value)
    if after:
        public["after_submission"] = after
    return public


def _parts(doc: Mapping[str, Any]):
    for qi, question in enumerate(doc.get("questions") or ()):
        if isinstance(question, Mapping):
            for pi, part in enumerate(question.get("parts") or ()):
                if isinstance(part, Mapping):
                    yield (qi, pi), part


def _named_parts(doc: Mapping[str, Any]):
    for (qi, _), part in _parts(doc):
        yield f"{doc['questions'][qi].get('id')}/{part.get('id')}", part
