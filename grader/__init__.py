"""grader: an auto-grader for student backpropagation homework.

The public API (imported lazily, so that the sandbox's processes, which import
``grader.sandbox``, never load the rubric, checks or report code)::

    with grader.Grader("rubrics/ps5.yaml") as g:
        outcome = g.grade("submission.py")   # GradeResult, or CouldNotGrade
"""

__version__ = "0.1.0"

_PUBLIC = {
    "Grader": "api",
    "SubmissionError": "submissions",
    "RubricError": "rubric.errors",
    "GradeResult": "results",
    "CouldNotGrade": "results",
    "Outcome": "results",
    "outcome_from_json": "results",
    "outcome_to_json": "results",
    "ExitCode": "exit_codes",
}

__all__ = ["__version__", *_PUBLIC]


def __getattr__(name: str):
    if name in _PUBLIC:
        import importlib

        return getattr(importlib.import_module(f"{__name__}.{_PUBLIC[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
