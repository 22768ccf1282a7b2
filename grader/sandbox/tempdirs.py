"""One temporary folder per grading process, and the sweep of folders left by killed ones.

Every folder the sandbox creates (the zygote's home, each worker's slot with a copy of
the submission) lives inside this process's *run folder*, ``grader-run-*`` in the
temporary directory. The process holds an exclusive ``flock`` on the run folder's lock
file for its whole life; the kernel releases it when the process dies, even by
SIGKILL. A later run removes a run folder only when it can take that lock, owns the
folder, and the folder is not its own: so two grades or a parallel batch side by
side never lose each other's folders, and a SIGKILLed run leaves nothing for long.
"""

from __future__ import annotations

import atexit
import fcntl
import os
import shutil
import stat
import tempfile
import threading
from pathlib import Path

RUN_PREFIX = "grader-run-"
_LOCK_NAME = ".lock"

_lock = threading.Lock()
_run: tuple[Path, int, int] | None = None  # (folder, lock fd, owning pid)


def run_folder() -> Path:
    """This process's run folder, created (and stale ones swept) on first use; OSError if impossible."""
    global _run
    with _lock:
        if _run is None or _run[2] != os.getpid():  # a forked child makes its own
            sweep_stale()
            folder = Path(tempfile.mkdtemp(prefix=RUN_PREFIX))
            try:
                enterable_by_the_unprivileged_user(folder)
                fd = os.open(folder / _LOCK_NAME, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                shutil.rmtree(folder, ignore_errors=True)
                raise
            _run = (folder, fd, os.getpid())
        return _run[0]


UNPRIVILEGED = 65534  # the uid and gid a worker switches to when root runs it without a user namespace


def enterable_by_the_unprivileged_user(folder: Path) -> None:
    """When the grader is root, let the unprivileged worker enter (not list) ``folder``: the worker may
    drop to uid/gid 65534, and its slot lies beneath; other users still see nothing."""
    if os.geteuid() == 0:
        os.chown(folder, 0, UNPRIVILEGED)
        os.chmod(folder, 0o710)


def remove_run_folder() -> None:
    """Remove this process's run folder (at exit; sandboxes have been ended by then)."""
    global _run
    with _lock:
        if _run is not None and _run[2] == os.getpid():
            folder, fd, _ = _run
            _run = None
            shutil.rmtree(folder, ignore_errors=True)
            os.close(fd)


atexit.register(remove_run_folder)


def sweep_stale(parent: str | None = None) -> list[Path]:
    """Remove the run folders of grading processes that are gone; return what was removed."""
    base = Path(parent or tempfile.gettempdir())
    removed = []
    try:
        entries = list(os.scandir(base))
    except OSError:
        return removed
    for entry in entries:
        if entry.name.startswith(RUN_PREFIX) and _is_stale(Path(entry.path)):
            shutil.rmtree(entry.path, ignore_errors=True)
            removed.append(Path(entry.path))
    return removed


def _is_stale(folder: Path) -> bool:
    if _run is not None and folder == _run[0]:
        return False
    try:
        info = os.lstat(folder)
        if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid():
            return False
        fd = os.open(folder / _LOCK_NAME, os.O_RDWR | os.O_CLOEXEC | os.O_NOFOLLOW)
    except FileNotFoundError:
        return _abandoned_before_locking(folder)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        return False  # its process is alive
    finally:
        os.close(fd)
    return True


def _abandoned_before_locking(folder: Path) -> bool:
    """A run folder without a lock file: killed between creating it and locking it (old enough to be sure)."""
    import time

    try:
        return time.time() - os.lstat(folder).st_mtime > 60
    except OSError:
        return False
