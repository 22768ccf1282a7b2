"""Claims: properties of the student's own functions that the handouts state in words."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..results import CheckResult
from ..rubric.model import Part

if TYPE_CHECKING:
    from ..grading import Session


def evaluate_claim(part: Part, session: "Session") -> list[CheckResult]:
    """Check the part's claim against the student's functions."""
    return [CheckResult("claim", 0.0, 1.0, f"claim '{part.claim.kind}' is not supported yet")]
