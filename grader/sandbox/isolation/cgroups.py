"""Pids and memory cgroups, created, joined and removed by the pid namespace's waiting parent.

Stops: fork bombs (at most `Limits.processes` tasks) and memory use summed over all of the
submission's processes (RLIMIT_AS caps each process alone).

Traps:
- RLIMIT_NPROC does not bind when the caller is host root, even inside the user namespace (the
  kernel exempts the root user_struct: 20 of 20 forks succeeded with a limit of 5); the pids cgroup
  and the pid namespace bound fork bombs. For a non-root caller inside the user namespace it counts
  only the sandbox's own processes (4 forks with a limit of 5).
- Moving a task into a cgroup-v1 hierarchy waits for an RCU grace period, which is slow: the
  waiting parent does it while the inner process applies the other layers.
- The waiting parent keeps the host's view of the cgroup filesystem (the mount namespace is made
  by the inner process), so it can remove the cgroups once the sandbox is gone. A parent killed
  by SIGKILL leaves an empty cgroup behind; the next sandbox's parent sweeps it.
"""

from __future__ import annotations

import os
import re
import time

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
    """Remove cgroups left by waiting parents that were killed (their pid no longer exists)."""
    try:
        names = [n for n in os.listdir(root) if n.startswith(_CGROUP_PREFIX)]
    except OSError:
        return
    for name in names:
        try:
            os.kill(int(name[len(_CGROUP_PREFIX):]), 0)
        except ProcessLookupError:
            try:
                os.rmdir(os.path.join(root, name))
            except OSError:
                pass
        except (OSError, ValueError):
            pass


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
                        f"at most {max_bytes} bytes for all of the submission's processes together")


def _remove_cgroup(path: str) -> None:
    for _ in range(50):  # the namespace is torn down before waitpid returns; retry briefly anyway
        try:
            os.rmdir(path)
            return
        except FileNotFoundError:
            return
        except OSError:
            time.sleep(0.002)
