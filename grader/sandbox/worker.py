"""The sandboxed worker: imports the student's submission and answers call requests.

Runs in its own process, never in the grader's. It knows nothing of rubrics or
reference answers: it receives a submission path and, one request at a time, a
function name with arguments; it replies with the plain values the function
returned (see ``protocol``) or with the error it raised. Everything it sends is
checked again by the grader, so a submission that tampers with this loop can only
spoil its own answers.
"""

from __future__ import annotations

import importlib.util
import json
import os
import sys
import traceback
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from .protocol import encode, read_message, write_bytes, write_message

MODULE_NAME = "submission"
_TRACEBACK_FRAMES = 6


@dataclass(frozen=True)
class WorkerConfig:
    """What the worker needs to start; passed as JSON on the command line or through the zygote."""

    submission: str
    requests_fd: int
    responses_fd: int
    scratch_dir: str
    readable_paths: tuple[str, ...] = ()
    hidden_paths: tuple[str, ...] = ()
    limits: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> str:
        return json.dumps(self.__dict__)

    @classmethod
    def from_json(cls, text: str) -> "WorkerConfig":
        raw = json.loads(text)
        raw["readable_paths"] = tuple(raw.get("readable_paths", ()))
        raw["hidden_paths"] = tuple(raw.get("hidden_paths", ()))
        return cls(**raw)


def main(argv: list[str] | None = None) -> None:
    """Entry point of a spawned worker: ``python -I -c BOOT ROOT CONFIG_JSON``."""
    argv = sys.argv if argv is None else argv
    config = WorkerConfig.from_json(argv[-1])
    os._exit(run(config))


def run(config: WorkerConfig) -> int:
    """Sandbox this process, wait for the go-ahead, import the submission, then serve requests.

    The sandbox is entered before the submission exists: a launcher may start a worker
    ahead of time, and the grader copies the submission to ``config.submission`` only
    when it sends ``{"op": "import"}``.
    """
    from .isolation import Limits, SandboxSpec, enter_sandbox

    layers = enter_sandbox(
        SandboxSpec(config.scratch_dir, config.readable_paths, config.hidden_paths, Limits(**config.limits))
    )
    os.chdir(config.scratch_dir)
    os.environ["HOME"] = os.environ["TMPDIR"] = config.scratch_dir  # the only writable place
    sys.dont_write_bytecode = True
    sys.path[:] = [p for p in sys.path if p and os.path.isdir(p)]
    responses = config.responses_fd
    write_message(responses, {"event": "sandboxed", "layers": [[x.name, x.active, x.detail] for x in layers]})
    try:
        if read_message(config.requests_fd).get("op") != "import":
            return 0
    except Exception:  # the grader hung up: this worker was never used
        return 0
    module, error = import_submission(config.submission)
    _flush_student_output()
    write_message(responses, {"event": "ready", "error": error})
    if error is not None:
        return 0
    serve(module, config.requests_fd, responses, config.submission)
    return 0


def import_submission(path: str) -> tuple[Any, dict | None]:
    """Import the student's file as module ``submission``; return (module, error)."""
    try:
        spec = importlib.util.spec_from_file_location(MODULE_NAME, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[MODULE_NAME] = module
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        where = f"line {exc.lineno}" if exc.lineno else "unknown line"
        text = (exc.text or "").rstrip()
        return None, _error("syntax_error", f"SyntaxError at {where}: {exc.msg}", text)
    except SystemExit:
        return None, _error("exit", "the submission called exit() while being imported", "")
    except BaseException as exc:  # the student's import may raise anything
        return None, _error("import_error", f"{_describe(exc)} while importing the submission",
                            _student_traceback(exc, path))
    return module, None


def serve(module: Any, requests_fd: int, responses_fd: int, path: str) -> None:
    """Answer requests ``{"id", "op": "call"|"get", "name", "args"}`` until end of input."""
    while True:
        try:
            request = read_message(requests_fd)
        except Exception:
            return
        request_id = request.get("id")
        try:
            message = encode({"id": request_id, "error": None, "value": answer(module, request, path)})
        except _StudentFailure as failure:
            message = encode({"id": request_id, "error": failure.error})
        except BaseException as exc:  # a returned object that breaks while being read
            failure = _error("bad_result", f"the returned value cannot be read ({_describe(exc)})", "")
            message = encode({"id": request_id, "error": failure})
        _flush_student_output()
        write_bytes(responses_fd, message)


class _StudentFailure(Exception):
    def __init__(self, error: dict):
        super().__init__(error["message"])
        self.error = error


def answer(module: Any, request: dict, path: str) -> Any:
    name = request["name"]
    if not hasattr(module, name):
        what = "function" if request["op"] == "call" else "constant"
        raise _StudentFailure(_error("missing", f"the submission defines no {what} '{name}'", ""))
    value = getattr(module, name)
    if request["op"] == "get":
        return value
    if not callable(value):
        raise _StudentFailure(_error("not_callable", f"'{name}' is not a function", ""))
    args = [float(a) if isinstance(a, np.ndarray) and a.ndim == 0 else a for a in request.get("args", [])]
    try:
        return value(*args)
    except SystemExit:
        raise _StudentFailure(_error("exit", f"{name}() called exit()", "")) from None
    except RecursionError as exc:
        raise _StudentFailure(_error("exception", f"{name}() recursed too deeply (RecursionError)",
                                     _student_traceback(exc, path))) from None
    except BaseException as exc:
        raise _StudentFailure(_error("exception", f"{name}() raised {_describe(exc)}",
                                     _student_traceback(exc, path))) from None


def _flush_student_output() -> None:
    """Print buffers live in this process: flush them before the grader may kill it."""
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except BaseException:  # the student may have closed or replaced the stream
            pass


def _error(kind: str, message: str, details: str) -> dict:
    return {"kind": kind, "message": message, "details": details}


def _describe(exc: BaseException) -> str:
    try:
        text = str(exc)
    except Exception:
        text = ""
    name = type(exc).__name__
    return f"{name}: {text[:300]}" if text else name


def _student_traceback(exc: BaseException, path: str) -> str:
    """The frames of the student's own file, innermost last (the grader's frames are noise)."""
    try:
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename == path]
        lines = [f'  line {f.lineno}, in {f.name}: {(f.line or "").strip()}' for f in frames[-_TRACEBACK_FRAMES:]]
        return "\n".join(lines)
    except Exception:
        return ""
