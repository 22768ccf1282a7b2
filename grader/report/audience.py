"""Who reads a report, and what they may see of a result: the audience rule, in one place.

A part's ``visibility`` (Gradescope's) says when a student may see it: ``visible``
always, ``after_due_date`` and ``after_published`` once the course releases them,
``hidden`` never. Every student-facing format (text, JUnit, Markdown, GitHub
annotations and summary, Classroom's result, Gradescope's top-level output) renders the
:class:`View` of a result for its audience, never the result itself: the withheld parts'
titles, points, scores and reasons are gone, totals are of the visible parts only, and
the withheld parts are listed by id only, as "graded after submission". The program's printed
output in a view follows the rule of :mod:`.printed`: capped, and withheld while a part is.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace

from ..results import GradeResult, PartResult, QuestionResult
from .printed import shown_output


class Audience(enum.Enum):
    STUDENT = "student"  # before release: only `visible` parts (the default of every format)
    RELEASED = "released"  # after the due date and publication: all but `hidden` parts
    STAFF = "staff"  # course staff: everything

    @property
    def shows(self) -> frozenset[str] | None:
        """The visibilities this audience sees (None: all of them)."""
        return _SHOWN[self]


_SHOWN = {
    Audience.STUDENT: frozenset({"visible"}),
    Audience.RELEASED: frozenset({"visible", "after_due_date", "after_published"}),
    Audience.STAFF: None,
}


@dataclass(frozen=True)
class View:
    """What one audience may see of a result."""

    result: GradeResult  # only the parts the audience may see; its totals are theirs; its stdout as shown (.printed)
    withheld: tuple[str, ...] = ()  # parts graded after submission ("question/part"), nothing more
    printed_withheld: int = 0  # lines the program printed, not shown because parts are withheld (see .printed)

    @property
    def pending(self) -> float:
        """Points of the shown parts that need the reference (a public rubric): graded after submission."""
        return self.result.pending


def audience_view(result: GradeResult, audience: Audience = Audience.STUDENT) -> View:
    """The view of ``result`` for ``audience`` (see the module docstring)."""
    shows = audience.shows
    withheld = list(result.after_submission)
    questions = []
    hidden = False
    for question in result.questions:
        kept = tuple(p for p in question.parts if _shown(p, shows))
        withheld += [p.name for p in question.parts if not _shown(p, shows)]
        hidden = hidden or len(kept) < len(question.parts)
        if kept:
            questions.append(QuestionResult(question.id, question.title, kept))
    # the program's output, by the rule of .printed: capped, and withheld while a graded part is
    stdout = "" if hidden else shown_output(result.stdout, result.output_truncated)
    printed_withheld = len(result.stdout.rstrip().splitlines()) if hidden and result.stdout.strip() else 0
    return View(replace(result, questions=tuple(questions), after_submission=(), stdout=stdout), tuple(withheld),
                printed_withheld)


def _shown(part: PartResult, shows: frozenset[str] | None) -> bool:
    return shows is None or part.visibility in shows


def percent(view: View) -> float:
    """The score as a percentage of what this view grades (100 when nothing is graded here)."""
    result = view.result
    return 100.0 * result.score / result.max_score if result.max_score else 100.0


def number(value: float) -> str:
    """A score as people write it: ``3``, ``2.5``, ``0.67``."""
    rounded = round(value, 2)
    return f"{rounded:g}" if rounded == int(rounded) else f"{rounded:.2f}".rstrip("0")
