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
import os
import sys
import traceback
import types
from dataclasses import asdict
from typing import Any, Callable

import numpy as np

from .config import WorkerConfig
from .protocol import encode, read_message, write_bytes, write_message

_TRACEBACK_FRAMES = 6


def main(argv: list[str] | None = None) -> None:
    """Entry point of a spawned worker: ``python -I -c BOOT ROOT CONFIG_JSON``."""
    argv = sys.argv if argv is None else argv
    config = WorkerConfig.from_json(argv[-1])
    os._exit(run(config))


def run(config: WorkerConfig, sandboxed: bool = True, prepare: Callable[[], None] | None = None) -> int:
    """Sandbox this process, wait for the go-ahead, import the submission, then serve requests.

    The sandbox is entered before the submission exists: a launcher may start a worker
    ahead of time, and the grader copies the submission's files to ``config.code_dir``
    only when it sends ``{"op": "import", "entry": "<module>.py"}``. Only the trusted launcher, which runs the course's
    own reference implementation, passes ``sandboxed=False`` (never from a config), and a
    ``prepare`` step that runs while the grader copies the file in.
    """
    layers = []
    if sandboxed:
        from .isolation import SandboxSpec, enter_sandbox

        layers = enter_sandbox(SandboxSpec(config.scratch_dir, config.readable_paths, config.hidden_paths,
                                           config.limits, disabled_layers=config.disabled_layers))
    os.chdir(config.scratch_dir)
    os.environ["HOME"] = os.environ["TMPDIR"] = config.scratch_dir  # the only writable place
    sys.dont_write_bytecode = True
    sys.path[:] = [p for p in sys.path if p and os.path.isdir(p)]
    responses = config.responses_fd
    write_message(responses, {"event": "sandboxed", "layers": [asdict(layer) for layer in layers]})
    if prepare is not None:
        prepare()
    try:
        request = read_message(config.requests_fd)
    except Exception:  # the grader hung up: this worker was never used
        return 0
    if not isinstance(request, dict) or request.get("op") != "import":
        return 0
    entry = str(request.get("entry", "submission.py"))
    module, error = import_submission(config.code_dir, entry)
    _flush_student_output()
    write_message(responses, {"event": "ready", "error": error})
    if error is not None:
        return 0
    serve(module, config.requests_fd, responses, config.code_dir, variants=None if sandboxed else {})
    return 0


def import_submission(code_dir: str, entry: str) -> tuple[Any, dict | None]:
    """Import the entry module from ``code_dir`` (first on ``sys.path``); return (module, error)."""
    name = entry[:-3] if entry.endswith(".py") else ""
    if not name.isidentifier():
        return None, _error("import_error", f"{entry!r} is not a Python module name", "")
    path = os.path.join(code_dir, entry)
    try:
        sys.path.insert(0, code_dir)
        spec = importlib.util.spec_from_file_location(name, path)
        module = importlib.util.module_from_spec(spec)
        sys.modules[name] = module
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        where = f"line {exc.lineno}" if exc.lineno else "unknown line"
        text = (exc.text or "").rstrip()
        return None, _error("syntax_error", f"SyntaxError at {where}: {exc.msg}", text)
    except SystemExit:
        return None, _error("exit", "the submission called exit() while being imported", "")
    except BaseException as exc:  # the student's import may raise anything
        return None, _error("import_error", f"{_describe(exc)} while importing the submission",
                            _student_traceback(exc, code_dir))
    return module, None


def serve(module: Any, requests_fd: int, responses_fd: int, code_dir: str, variants: dict | None = None) -> None:
    """Answer requests until end of input: ``{"id", "op": "get", "name"}`` (a constant) and
    ``{"id", "op": "has", "names"}`` (which names exist) with one reply each, and
    ``{"id", "op": "calls", "name", "args": [[...], ...]}`` with one reply per call, in order, each
    ``{"id", "index", "value"}`` or ``{"id", "index", "error"}`` (sent as soon as that call returns).

    ``variants`` (a dict) only in the trusted worker of the course's reference (``run(sandboxed=False)``):
    then ``{"id", "op": "load", "key", "source"}`` makes a variant of the reference (an automatic mutant,
    see ``grader.checks.mutants``) from its source, and a call named ``"<key>:<function>"`` calls that
    variant's function. A student's worker knows neither."""
    while True:
        try:
            request = read_message(requests_fd)
        except Exception:
            return
        request_id = request.get("id")
        if variants is not None and request.get("op") == "load":
            _reply(responses_fd, {"id": request_id}, lambda: (_load_variant(variants, request), {}))
        elif variants is not None and request.get("op") == "calls" and ":" in str(request.get("name", "")):
            key, _, name = str(request["name"]).partition(":")
            target = variants.get(key)
            for index, args in enumerate(request.get("args", [])):
                _reply(responses_fd, {"id": request_id, "index": index},
                       lambda: call(target, name, args, code_dir) if target is not None else _not_loaded(key))
        elif request.get("op") == "has":
            names = [str(n) for n in request.get("names", [])]
            _reply(responses_fd, {"id": request_id}, lambda: ([n for n in names if hasattr(module, n)], {}))
        elif request.get("op") == "calls":
            for index, args in enumerate(request.get("args", [])):
                _reply(responses_fd, {"id": request_id, "index": index}, lambda: call(module, request["name"], args, code_dir))
        else:
            _reply(responses_fd, {"id": request_id}, lambda: (constant(module, request["name"]), {}))


def _load_variant(variants: dict, request: dict) -> bool:
    """Compile a variant of the reference from its source into a fresh module (trusted worker only)."""
    key, source = str(request.get("key", "")), str(request.get("source", ""))
    variant = types.ModuleType(f"_grader_variant_{key}")
    try:
        exec(compile(source, f"<variant {key}>", "exec"), variant.__dict__)
    except BaseException as exc:  # a mutant that does not import is no variant
        raise _StudentFailure(_error("import_error", f"variant {key}: {_describe(exc)}", "")) from None
    variants[key] = variant
    return True


def _not_loaded(key: str):
    raise _StudentFailure(_error("not_loaded", f"variant {key} is not loaded", ""))


def _reply(responses_fd: int, header: dict, produce) -> None:
    try:
        value, extra = produce()
        message = encode(dict(header, error=None, value=value, **extra))
    except _StudentFailure as failure:
        message = encode(dict(header, error=failure.error))
    except BaseException as exc:  # a returned object that breaks while being read
        failure = _error("bad_result", f"the returned value cannot be read ({_describe(exc)})", "")
        message = encode(dict(header, error=failure))
    _flush_student_output()
    write_bytes(responses_fd, message)


class _StudentFailure(Exception):
    def __init__(self, error: dict):
        super().__init__(error["message"])
        self.error = error


def _missing(module: Any, name: str, what: str) -> None:
    if not hasattr(module, name):
        raise _StudentFailure(_error("missing", f"the submission defines no {what} '{name}'", ""))


def constant(module: Any, name: str) -> Any:
    _missing(module, name, "constant")
    return getattr(module, name)


def call(module: Any, name: str, args: list, code_dir: str) -> tuple[Any, dict]:
    """The function's return value, and ``{"mutated": [positions]}`` naming the array arguments it changed."""
    _missing(module, name, "function")
    value = getattr(module, name)
    if not callable(value):
        raise _StudentFailure(_error("not_callable", f"'{name}' is not a function", ""))
    args = [a.item() if isinstance(a, np.ndarray) and a.ndim == 0 else a for a in args]  # a scalar is a float or int
    before = [a.copy() if isinstance(a, np.ndarray) else None for a in args]
    try:
        result = value(*args)
        return result, {"mutated": [i for i, (a, b) in enumerate(zip(args, before)) if _changed(a, b)]}
    except SystemExit:
        raise _StudentFailure(_error("exit", f"{name}() called exit()", "")) from None
    except RecursionError as exc:
        raise _StudentFailure(_error("exception", f"{name}() recursed too deeply (RecursionError)",
                                     _student_traceback(exc, code_dir))) from None
    except BaseException as exc:
        raise _StudentFailure(_error("exception", f"{name}() raised {_describe(exc)}",
                                     _student_traceback(exc, code_dir))) from None


def _changed(after: Any, before: np.ndarray | None) -> bool:
    if before is None:
        return False
    try:
        return after.shape != before.shape or not np.array_equal(after, before, equal_nan=before.dtype.kind in "fc")
    except Exception:  # the student replaced the array's class or contents with something unreadable
        return True


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


def _student_traceback(exc: BaseException, code_dir: str) -> str:
    """The frames of the student's own files, innermost last (the grader's frames are noise)."""
    try:
        inside = os.path.join(code_dir, "")
        frames = [f for f in traceback.extract_tb(exc.__traceback__) if f.filename.startswith(inside)]
        lines = [f'  line {f.lineno}, in {f.name}: {(f.line or "").strip()}' for f in frames[-_TRACEBACK_FRAMES:]]
        return "\n".join(lines)
    except Exception:
        return ""
