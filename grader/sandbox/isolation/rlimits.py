"""Resource limits on each of the sandbox's processes.

Stops: a single process using more than `Limits.memory_bytes` of address space (RLIMIT_AS), more
CPU than `Limits.cpu_seconds` (RLIMIT_CPU; soft = hard, so the kernel kills it even when the grader
is gone), writing a file larger than `Limits.output_bytes` (RLIMIT_FSIZE, captured output
included), more than `Limits.open_files` descriptors, core dumps, and (see below) forking.

Traps:
- RLIMIT_NPROC does not bind when the caller is host root, even inside the user namespace; the
  pids cgroup and the pid namespace bound fork bombs then (see cgroups.py). The status says so.
- A limit is never raised above the existing hard limit.
- This is the one layer applied on every platform with a `resource` module.
"""

from __future__ import annotations

from ..limits import Limits
from .status import RLIMITS, LayerStatus

try:
    import resource
except ImportError:  # Windows
    resource = None  # type: ignore[assignment]


def _apply_rlimits(limits: Limits, host_uid: int) -> LayerStatus:
    if resource is None:
        return LayerStatus(RLIMITS, False, "resource module unavailable on this platform")
    wanted = (("AS", limits.memory_bytes), ("CPU", limits.cpu_seconds), ("FSIZE", limits.output_bytes),
              ("NOFILE", limits.open_files), ("CORE", 0), ("NPROC", limits.processes))
    applied, failed = [], []
    for name, value in wanted:
        which = getattr(resource, f"RLIMIT_{name}", None)
        if which is None:
            failed.append(f"{name} (absent)")
            continue
        try:
            _, hard = resource.getrlimit(which)
            value = value if hard == resource.RLIM_INFINITY else min(value, hard)
            resource.setrlimit(which, (value, value))
            applied.append(name)
        except (OSError, ValueError) as exc:
            failed.append(f"{name} ({exc})")
    detail = f"set {', '.join(applied)}"
    if failed:
        detail += f"; failed {', '.join(failed)}"
    if "NPROC" in applied and host_uid == 0:
        detail += "; NPROC does not bind host root"
    return LayerStatus(RLIMITS, not failed, detail)
