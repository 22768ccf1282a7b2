"""One batch run: find the submissions, grade what is new or changed, commit each grade, write the outputs.

The client reads every submission once (without trusting it, through
:func:`grader.submissions.read_submission`), hashes it and decides from the gradebook what
to grade: a (student, content, rubric) with a grade is skipped unless ``--force`` or
``--only`` names the student; a fault of ours is tried again. Grades are committed one
by one as they arrive, so a run stopped at any point resumes where it was. Only the
client writes the gradebook; the backends (local processes or a Dask cluster) only grade.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from ..api import hidden_paths
from ..report.classbook import ClassReport, RowStatus
from ..rubric.loader import load_rubric
from ..rubric.model import Rubric
from ..sandbox.tempdirs import run_folder
from ..submissions import SubmissionError, read_submission
from ..testpoint import reached
from .bundle import RubricBundle, content_hash
from .gradebook import Grade, Gradebook, RosterEntry, RubricInfo, now, rubric_info
from .inputs import Entry, Roster, discover
from .jobs import Backend, Job
from .outputs import write_outputs
from .progress import Progress


class UnknownStudent(Exception):
    """``--only`` named someone who is not in SUBMISSIONS."""


@dataclass(frozen=True)
class BatchOptions:
    submissions: Path
    rubric: Path
    out: Path
    jobs: int
    force: bool = False
    only: tuple[str, ...] = ()
    entry: str | None = None
    dask: str | None = None


@dataclass(frozen=True)
class Prepared:
    """A roster entry and, when its submission could be read, the job that grades it."""

    roster: RosterEntry
    job: Job | None


@dataclass(frozen=True)
class BatchRun:
    report: ClassReport
    graded_now: int
    unchanged: int
    seconds: float
    processes_started: int
    notes: tuple[str, ...] = field(default=())

    @property
    def could_not_grade(self) -> list[str]:
        return [row.label for row in self.report.rows if row.status is RowStatus.COULD_NOT_GRADE]


BackendFactory = Callable[[Rubric, RubricBundle, int, Sequence[Path]], Backend]  # rubric, bundle, jobs, hide


def run_batch(options: BatchOptions, progress_stream, make_backend: BackendFactory) -> BatchRun:
    """Grade a class; RubricError, InputError, GradebookError, UnknownStudent and the backends' faults propagate."""
    rubric = load_rubric(options.rubric)
    bundle = RubricBundle.read(rubric)
    info = rubric_info(bundle.digest, rubric.title, str(options.rubric),
                       ((f"{q.id}/{p.id}", p.title, p.points) for q, p in rubric.parts()))
    scratch = Path(tempfile.mkdtemp(prefix="grader-batch-", dir=run_folder()))
    try:
        roster = discover(options.submissions, scratch)
        prepared = prepare(roster, rubric, options.entry)
        options.out.mkdir(parents=True, exist_ok=True)
        with Gradebook(options.out) as book:
            book.record_rubric(info)
            book.replace_roster([p.roster for p in prepared])
            todo = select(prepared, book.graded_keys(info.rubric_hash), options.force, options.only)
            started = time.monotonic()
            hide = (roster.root.resolve(), options.out.resolve())  # no student reads another's work or grades
            processes = _grade(todo, book, info, lambda jobs: make_backend(rubric, bundle, jobs, hide), options.jobs,
                               progress_stream)
            seconds = time.monotonic() - started
            report = write_outputs(book, options.out, info, roster.notes)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return BatchRun(report, len(todo), len(prepared) - len(todo), seconds, processes, roster.notes)


def prepare(roster: Roster, rubric: Rubric, entry_name: str | None) -> list[Prepared]:
    """Read every submission once (refusals become the student's problem), in roster order."""
    forbidden = hidden_paths(rubric)
    defines = [*rubric.functions, *rubric.constants]
    out = []
    for position, entry in enumerate(roster.entries):
        out.append(_prepare_one(position, entry, forbidden, defines, entry_name))
    return out


def _prepare_one(position: int, entry: Entry, forbidden, defines, entry_name: str | None) -> Prepared:
    def listed(digest: str | None, problem: str) -> RosterEntry:
        return RosterEntry(entry.key, position, entry.label, entry.submitters, digest, problem)

    if entry.path is None:
        return Prepared(listed(None, entry.problem or "no submission"), None)
    try:
        files = read_submission(entry.path, forbidden, entry_name, defines)
    except SubmissionError as exc:
        return Prepared(listed(None, f"refused: {exc}"), None)
    digest = content_hash(files)
    return Prepared(listed(digest, ""), Job(position, entry.key, entry.label, files, digest))


def select(prepared: Sequence[Prepared], graded: set[tuple[str, str]], force: bool,
           only: Sequence[str]) -> list[Job]:
    """The jobs to run: new or changed submissions (all with ``force``; only the named ones with ``only``)."""
    jobs = [p.job for p in prepared if p.job is not None]
    if only:
        wanted = _named(prepared, only)
        return [j for j in jobs if j.student in wanted]
    if force:
        return jobs
    return [j for j in jobs if (j.student, j.content_hash) not in graded]


def _named(prepared: Sequence[Prepared], only: Sequence[str]) -> set[str]:
    """Students named by key, label, or a submitter's id, email or name (case-insensitive)."""
    wanted: set[str] = set()
    for name in only:
        needle = name.casefold()
        hits = {p.roster.student for p in prepared
                if needle in {p.roster.student.casefold(), p.roster.label.casefold().rstrip("/")}
                or any(needle in {s.sid.casefold(), s.email.casefold(), s.name.casefold()} - {""}
                       for s in p.roster.submitters)}
        if not hits:
            raise UnknownStudent(f"--only {name}: no such student in the submissions")
        wanted |= hits
    return wanted


def _grade(todo: list[Job], book: Gradebook, info: RubricInfo, make_backend: Callable[[int], Backend], jobs: int,
           progress_stream) -> int:
    """Grade ``todo``, committing each grade as it arrives; the number of grading processes started."""
    if not todo:
        return 0
    reached("pool")
    backend = make_backend(jobs)
    try:
        with Progress(progress_stream, len(todo)) as progress:
            for done in backend.run(todo):
                book.add_grades([Grade(done.job.student, done.job.content_hash, info.rubric_hash, done.outcome,
                                       done.seconds, now(), done.feedback)])
                progress.advance()
    finally:
        backend.close()
    return getattr(backend, "started", 0)
