"""Pids and memory cgroups, created, joined and removed by the pid namespace's waiting parent.

Stops: fork bombs (at most `Limits.processes` tasks) and memory use summed over all of the
submission's processes (RLIMIT_AS caps each process alone). Without a pid namespace, also any of
the submission's processes outliving it (one that called setsid() escapes a process-group kill).

Every sandbox's cgroups are named after the process its launcher forked (`_CGROUP_PREFIX` + pid):
the waiting parent with a pid namespace, the worker itself without one. Without a pid namespace
there is no waiting parent: the process creates and joins its cgroups itself (`_join_own_cgroups`,
before it gives up root), and its launcher, which forked it, calls `end_sandbox_cgroups(pid)` once
it has reaped it: every task left in them is killed (cgroup.kill on v2, a kill-until-empty loop
on v1) and they are removed. The zygote does so for every worker it ends, pid namespace or not.

Traps:
- RLIMIT_NPROC does not bind when the caller is host root, even inside the user namespace (the
  kernel exempts the root user_struct: 20 of 20 forks succeeded with a limit of 5); the pids cgroup
  and the pid namespace bound fork bombs. For a non-root caller inside the user namespace it counts
  only the sandbox's own processes (4 forks with a limit of 5).
- Moving a task into a cgroup-v1 hierarchy waits for an RCU grace period, which is slow: the
  waiting parent does it while the inner process applies the other layers.
- The waiting parent keeps the host's view of the cgroup filesystem (the mount namespace is made
  by the inner process), so it can remove the cgroups once the sandbox is gone. A parent killed
  by SIGKILL leaves a cgroup behind: the launcher ends it (above), else the next sandbox sweeps it
  (killing what is left in it) once its owner's pid is gone. An unreaped zombie keeps its pid, so
  a worker that exited but was not yet ended is never swept.
- A v1 cgroup can be removed while zombies are still counted in pids.current; it cannot while a
  live task is in it.
"""

from __future__ import annotations

import os
import re
import signal
import time

from ..limits import readable_bytes
from ._syscalls import _err, _write_file
from .status import MEMORY_CGROUP, PIDS_CGROUP, LayerStatus

_CGROUP_PREFIX = "grader-sandbox-"


def _cgroup_root(controller: str) -> str | None:
    """Mount point of a cgroup hierarchy where a child cgroup gets ``controller`` (pids, memory)."""
    try:
        with open("/proc/self/mountinfo", encoding="utf-8") as f:
            lines = f.read().splitlines()
    except OSError:
        return None
    for line in lines:
        left, _, right = line.partition(" - ")
        fields, rest = left.split(), right.split()
        if len(fields) < 5 or len(rest) < 3:
            continue
        mount_point = re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), fields[4])
        if rest[0] == "cgroup" and controller in rest[2].split(","):
            return mount_point
        if rest[0] == "cgroup2":
            try:
                with open(os.path.join(mount_point, "cgroup.subtree_control"), encoding="utf-8") as f:
                    if controller in f.read().split():
                        return mount_point
            except OSError:
                continue
    return None


def _sweep_stale_cgroups(root: str) -> None:
    """Empty and remove cgroups whose owner (waiting parent or worker) is gone: its pid no longer exists."""
    try:
        names = [n for n in os.listdir(root) if n.startswith(_CGROUP_PREFIX)]
    except OSError:
        return
    for name in names:
        try:
            os.kill(int(name[len(_CGROUP_PREFIX):]), 0)
        except ProcessLookupError:
            path = os.path.join(root, name)
            _kill_tasks(path, deadline=time.monotonic() + 0.5)
            try:
                os.rmdir(path)
            except OSError:
                pass
        except (OSError, ValueError):
            pass


def _tasks(path: str) -> list[int]:
    try:
        with open(os.path.join(path, "cgroup.procs"), encoding="ascii") as f:
            return [int(pid) for pid in f.read().split()]
    except (OSError, ValueError):
        return []


def _kill_tasks(path: str, deadline: float) -> int:
    """SIGKILL every task in the cgroup at `path` until none is left (cgroup.kill where it exists, cgroup
    v2; else kill what cgroup.procs lists, again, as forks race). Returns how many kill rounds it took."""
    rounds = 0
    tasks = _tasks(path)
    if tasks:
        try:
            _write_file(os.path.join(path, "cgroup.kill"), "1")
        except OSError:
            pass
    while tasks and time.monotonic() <= deadline:
        rounds += 1
        for pid in tasks:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.001)
        tasks = _tasks(path)
    return rounds


def end_sandbox_cgroups(owner: int, timeout: float = 2.0) -> bool:
    """Kill every task left in the cgroups of the sandbox whose launcher forked `owner` (reaped already), and
    remove them. For the launcher: without a pid namespace nothing else kills a submission's escaped
    processes (but a subreaper); with one it spares the next sandbox the sweep. Does nothing where there
    are none. Returns whether it found a task to kill (the launcher may then have zombies to reap)."""
    deadline, killed = time.monotonic() + timeout, False
    for controller in ("pids", "memory"):
        root = _cgroup_root(controller)
        path = os.path.join(root, f"{_CGROUP_PREFIX}{owner}") if root else None
        if path and os.path.isdir(path):
            killed = _kill_tasks(path, deadline) > 0 or killed
            _remove_cgroup(path)
    return killed


def _join_own_cgroups(processes: int, memory_bytes: int) -> list[LayerStatus]:
    """No pid namespace, so no waiting parent: put this process in its own pids and memory cgroups (it must
    still be root, or own a delegated hierarchy). Its launcher ends them (`end_sandbox_cgroups`)."""
    statuses = []
    for status, path in (_join_pids_cgroup(os.getpid(), processes),
                         _join_memory_cgroup(os.getpid(), memory_bytes)):
        if path:
            status = LayerStatus(status.name, True, f"{status.detail}; no pid namespace: joined by the worker "
                                                    "itself, whose launcher kills every task left in it at the end")
        statuses.append(status)
    return statuses


def _join_cgroup(child: int, layer: str, controller: str, settings: dict[str, str],
                 active_detail: str) -> tuple[LayerStatus, str | None]:
    """Create this sandbox's cgroup under ``controller``, apply ``settings`` (file -> value; a
    setting whose file does not exist is skipped) and move ``child`` into it."""
    root = _cgroup_root(controller)
    if root is None:
        return LayerStatus(layer, False, f"no cgroup hierarchy with the {controller} controller"), None
    _sweep_stale_cgroups(root)
    path = os.path.join(root, f"{_CGROUP_PREFIX}{os.getpid()}")
    try:
        try:
            os.mkdir(path, 0o755)
        except FileExistsError:  # left by a dead sandbox whose owner had this pid before us
            _kill_tasks(path, deadline=time.monotonic() + 0.5)
            os.rmdir(path)
            os.mkdir(path, 0o755)
    except OSError as exc:
        return LayerStatus(layer, False, f"cannot create a cgroup in {root}: {_err(exc)}"), None
    try:
        for name, value in settings.items():
            if os.path.exists(os.path.join(path, name)):
                _write_file(os.path.join(path, name), value)
        _write_file(os.path.join(path, "cgroup.procs"), str(child))
    except OSError as exc:
        _remove_cgroup(path)
        return LayerStatus(layer, False, f"cannot configure {path}: {_err(exc)}"), None
    return LayerStatus(layer, True, active_detail), path


def _join_pids_cgroup(child: int, max_pids: int) -> tuple[LayerStatus, str | None]:
    return _join_cgroup(child, PIDS_CGROUP, "pids", {"pids.max": str(max_pids)},
                        f"at most {max_pids} tasks (processes+threads): fork bombs fail with EAGAIN")


def _join_memory_cgroup(child: int, max_bytes: int) -> tuple[LayerStatus, str | None]:
    """Cap the memory of all the sandbox's processes together (RLIMIT_AS caps each one alone)."""
    settings = {"memory.limit_in_bytes": str(max_bytes), "memory.memsw.limit_in_bytes": str(max_bytes),
                "memory.max": str(max_bytes), "memory.swap.max": "0"}
    return _join_cgroup(child, MEMORY_CGROUP, "memory", settings,
                        f"at most {readable_bytes(max_bytes)} for all of the submission's processes together")


def _remove_cgroup(path: str) -> None:
    for _ in range(50):  # the namespace is torn down before waitpid returns; retry briefly anyway
        try:
            os.rmdir(path)
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.002)
