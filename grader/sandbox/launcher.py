"""Choosing and sharing the launcher that starts sandboxed workers.

The fastest launcher that works here is a zygote (fork from a clean pre-imported
process, where fork and Unix sockets exist); elsewhere every worker is spawned
anew. One launcher serves the whole process: every ``Grader`` in it shares the same
zygote, which is closed when its last user releases it, or at exit.
"""

from __future__ import annotations

import atexit
import threading

from .slots import Launcher, WorkerSpec
from .spawn import SpawnLauncher
from .zygote import ZygoteLauncher

__all__ = ["Launcher", "SpawnLauncher", "WorkerSpec", "ZygoteLauncher", "acquire_launcher", "default_launcher",
           "release_launcher"]


def default_launcher() -> Launcher:
    """A new launcher of the fastest kind that works here (the caller closes it).

    Start it before reading any rubric: a launcher must never hold reference data.
    """
    if ZygoteLauncher.available():
        try:
            return ZygoteLauncher()
        except OSError:
            pass
    return SpawnLauncher()


_lock = threading.Lock()
_shared: Launcher | None = None
_users = 0


def acquire_launcher() -> Launcher:
    """The process's shared launcher, started on first use; pair every call with :func:`release_launcher`."""
    global _shared, _users
    with _lock:
        if _shared is None:
            _shared = default_launcher()
        _users += 1
        return _shared


def release_launcher(launcher: Launcher) -> None:
    """Give the shared launcher back; the last user closes it (its zygote and spare worker end)."""
    global _shared, _users
    with _lock:
        if launcher is not _shared:
            return
        _users -= 1
        if _users <= 0:
            _shared, _users = None, 0
            launcher.close()


@atexit.register
def _close_shared() -> None:
    global _shared, _users
    with _lock:
        if _shared is not None:
            _shared.close()
        _shared, _users = None, 0
