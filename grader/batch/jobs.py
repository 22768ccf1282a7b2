"""What travels between the batch's client and its grading backends: typed, frozen, JSON on the wire.

A job carries the submission's bytes (read once by the client, hashed, never reread), so
the grade always belongs to the content the gradebook records. A backend answers each
job with the full versioned result (:func:`grader.results.outcome_to_json`); nothing
crosses as a pickle from a process that ran student code.
"""

from __future__ import annotations

import base64
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from ..results import Outcome, outcome_from_dict
from ..sandbox.slots import SubmissionFiles


@dataclass(frozen=True)
class Job:
    index: int
    student: str
    label: str  # names the submission in its report
    files: SubmissionFiles
    content_hash: str

    def request(self) -> dict[str, Any]:
        """The job as JSON-ready data (file contents in base64)."""
        return {"id": self.index, "name": self.label, "entry": self.files.entry,
                "files": [[name, base64.b64encode(data).decode("ascii")] for name, data in self.files.files]}


@dataclass(frozen=True)
class Done:
    job: Job
    outcome: Outcome
    seconds: float  # wall time of grading in the backend
    feedback: str = ""  # the student's plain-text report (rendered in the backend, in parallel)


class RubricFault(Exception):
    """The rubric or its reference failed while grading (the course's fault): the whole batch stops (exit 2)."""


class BackendFault(Exception):
    """The grading backend itself cannot run (no process starts, the cluster is unreachable)."""


class Backend(Protocol):
    def run(self, jobs: Iterable[Job]) -> Iterator[Done]: ...

    def close(self) -> None: ...


def files_from_request(request: Mapping[str, Any]) -> tuple[SubmissionFiles, str]:
    """The submission and its name from :meth:`Job.request`'s data; ValueError when malformed."""
    try:
        files = tuple((str(name), base64.b64decode(data, validate=True)) for name, data in request["files"])
        return SubmissionFiles(files, str(request["entry"])), str(request["name"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"a malformed grading request: {exc}") from None


def outcome_from_reply(reply: Mapping[str, Any]) -> Outcome:
    return outcome_from_dict(reply["outcome"])
