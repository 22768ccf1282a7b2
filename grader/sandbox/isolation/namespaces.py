"""User, network, IPC and UTS namespaces (and the request for a pid namespace).

Stops: reaching any network (only a loopback that is down), System V IPC and the hostname of the
host; gives the process a root inside that is mapped to the caller's uid.

Traps:
- Root inside the user namespace maps to the caller's uid. When the grader runs as root that is
  host uid 0, so DAC owner checks still pass on root-owned files (and /proc/sys). The read-only
  mount tree and Landlock are what stop writes; do not rely on the user namespace alone.
- The mount namespace is not created here but later by the inner process (see mounts.py).
- After unshare the process may be non-dumpable, which makes /proc/self/*_map root's: it is made
  dumpable again before the id maps are written.
"""

from __future__ import annotations

import ctypes
import os

from ._syscalls import _CLONE_NEWPID, _NS_FLAGS, _PR_GET_DUMPABLE, _PR_SET_DUMPABLE, _err, _prctl, _write_file
from .status import NAMESPACES, PID_NAMESPACE, LayerStatus, SandboxError, _inactive


def _unshare_namespaces(libc: ctypes.CDLL) -> tuple[list[LayerStatus], bool, bool]:
    """unshare user+net+ipc+uts (+pid) and map root inside to the caller. Returns (statuses, userns, pidns)."""
    uid, gid = os.geteuid(), os.getegid()
    failures = []
    for flags, with_pid in ((_NS_FLAGS | _CLONE_NEWPID, True), (_NS_FLAGS, False)):
        if libc.unshare(ctypes.c_int(flags)) == 0:
            break
        failures.append(f"{'with' if with_pid else 'without'} pid: {os.strerror(ctypes.get_errno())}")
    else:
        reason = f"unshare failed ({'; '.join(failures)})"
        return _inactive((NAMESPACES, PID_NAMESPACE), reason), False, False
    try:
        if _prctl(libc, _PR_GET_DUMPABLE) != 1:
            _prctl(libc, _PR_SET_DUMPABLE, 1)  # else /proc/self/*_map belong to root and cannot be written
        _write_file("/proc/self/setgroups", "deny")
        _write_file("/proc/self/uid_map", f"0 {uid} 1")
        _write_file("/proc/self/gid_map", f"0 {gid} 1")
    except OSError as exc:
        raise SandboxError(f"user namespace created but id maps not written: {_err(exc)}") from exc
    libc.sethostname(b"sandbox", ctypes.c_size_t(7))
    statuses = [LayerStatus(NAMESPACES, True, f"root inside maps to uid {uid}; no network (loopback down), "
                                              "private IPC and hostname")]
    if with_pid:
        statuses.append(LayerStatus(PID_NAMESPACE, True, "student is PID 1 of its own namespace: cannot see or "
                                                         "signal the grader; all its processes die with it"))
    else:
        statuses.append(LayerStatus(PID_NAMESPACE, False, f"unshare with pid failed: {failures[0]}"))
    return statuses, True, with_pid
