"""The grading side of ``grade batch --dask``: what runs inside each Dask worker process.

No shared filesystem is assumed: a task receives the submission's bytes and the rubric
bundle (the YAML and the reference, content-hashed); the worker writes the bundle once
into its own run folder and keeps one ``Grader`` per bundle (per worker thread) for the
whole batch, so reference answers are computed once per worker. The worker's zygote is
started by the plugin when the worker starts, before any rubric is read. The task
returns JSON text (the versioned result); only the client writes the gradebook.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path

from ..api import Grader
from ..sandbox.launcher import acquire_launcher, release_launcher
from ..sandbox.slots import Launcher
from ..sandbox.tempdirs import run_folder
from .bundle import RubricBundle
from .pool_worker import grade_request

_lock = threading.Lock()
_launcher: Launcher | None = None
_graders: dict[tuple[str, int], Grader] = {}


def start() -> None:
    """Start this process's zygote (a worker plugin calls this when the worker starts)."""
    global _launcher
    with _lock:
        if _launcher is None:
            _launcher = acquire_launcher()


def stop() -> None:
    """Close every Grader and the zygote (when the worker shuts down)."""
    global _launcher
    with _lock:
        graders = list(_graders.values())
        _graders.clear()
        launcher, _launcher = _launcher, None
    for grader in graders:
        grader.close()
    if launcher is not None:
        release_launcher(launcher)


def grade_task(bundle: RubricBundle, request_json: str) -> str:
    """Grade one submission (a :meth:`Job.request` as JSON) with ``bundle``; the reply as JSON text."""
    start()
    grader = _grader(bundle)
    return json.dumps(grade_request(grader, json.loads(request_json)), allow_nan=False)


def _grader(bundle: RubricBundle) -> Grader:
    key = (bundle.digest, threading.get_ident())
    with _lock:
        grader = _graders.get(key)
    if grader is not None:
        return grader
    folder = run_folder() / f"rubric-{bundle.digest[:16]}-{threading.get_ident()}"
    grader = Grader(bundle.materialize(Path(folder)))
    with _lock:
        _graders[key] = grader
    return grader
