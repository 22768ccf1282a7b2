"""User, network, IPC and UTS namespaces (and the request for a pid namespace).

Stops: reaching any network (only a loopback that is down), System V IPC and the hostname of the
host; with a user namespace, gives the process a root inside that is mapped to the caller's uid.

Without a user namespace (none on this machine, or the test-only switch), root still creates
the net, IPC, UTS and pid namespaces (and later the mount namespace): it holds CAP_SYS_ADMIN in
the initial user namespace. A non-root caller then gets none of them.

Traps:
- Root inside the user namespace maps to the caller's uid. When the grader runs as root that is
  host uid 0, so DAC owner checks still pass on root-owned files (and /proc/sys). The read-only
  mount tree and Landlock are what stop writes; do not rely on the user namespace alone.
- Root without a user namespace is real root inside these namespaces: it must give up root
  before student code runs (user.py switches it to uid 65534, privileges.py drops every
  capability), or it could unmount the mounts that hide and protect the host.
- The mount namespace is not created here but later by the inner process (see mounts.py).
- After unshare the process may be non-dumpable, which makes /proc/self/*_map root's: it is made
  dumpable again before the id maps are written.
"""

from __future__ import annotations

import ctypes
import os

from ._syscalls import (_CLONE_NEWIPC, _CLONE_NEWNET, _CLONE_NEWPID, _CLONE_NEWUSER, _CLONE_NEWUTS,
                        _PR_GET_DUMPABLE, _PR_SET_DUMPABLE, _err, _prctl, _write_file)
from .status import DISABLED_DETAIL, NAMESPACES, PID_NAMESPACE, LayerStatus, SandboxError

_NO_USER_FLAGS = _CLONE_NEWNET | _CLONE_NEWIPC | _CLONE_NEWUTS
_PID_ACTIVE = "student is PID 1 of its own namespace: cannot see or signal the grader; all its processes die with it"


def _try_unshare(libc: ctypes.CDLL, flags: int, with_pid: bool) -> tuple[bool, bool, list[str]]:
    """unshare(flags | NEWPID), else unshare(flags). Returns (done, with pid, failures)."""
    attempts = ((flags | _CLONE_NEWPID, True), (flags, False)) if with_pid else ((flags, False),)
    failures = []
    for attempt, pid in attempts:
        if libc.unshare(ctypes.c_int(attempt)) == 0:
            return True, pid, failures
        failures.append(f"{'with' if pid else 'without'} pid: {os.strerror(ctypes.get_errno())}")
    return False, False, failures


def _unshare_namespaces(libc: ctypes.CDLL, user: bool = True,
                        pid: bool = True) -> tuple[list[LayerStatus], bool, bool]:
    """unshare user+net+ipc+uts (+pid) and map root inside to the caller; as root without a user
    namespace (unavailable, or `user` false), net+ipc+uts (+pid) alone. `pid` false leaves the pid
    namespace out (the test-only switch). Returns (statuses, user namespace made, pid namespace made)."""
    uid, gid = os.geteuid(), os.getegid()
    user_failures: list[str] = []
    if user:
        done, with_pid, user_failures = _try_unshare(libc, _NO_USER_FLAGS | _CLONE_NEWUSER, pid)
        if done:
            _map_root(libc, uid, gid)
            detail = f"root inside maps to uid {uid}; no network (loopback down), private IPC and hostname"
            return _statuses(libc, detail, pid, with_pid, user_failures), True, with_pid
    why_no_user = f"unshare failed ({'; '.join(user_failures)})" if user else DISABLED_DETAIL
    if uid != 0:
        return _none_made(why_no_user, pid), False, False
    done, with_pid, failures = _try_unshare(libc, _NO_USER_FLAGS, pid)
    if not done:
        reason = f"{why_no_user}; as root without a user namespace: unshare failed ({'; '.join(failures)})"
        return _none_made(reason, pid), False, False
    detail = (f"net+ipc+uts namespaces without a user namespace (root; user namespace: {why_no_user}): "
              "no network (loopback down), private IPC and hostname")
    return _statuses(libc, detail, pid, with_pid, failures), False, with_pid


def _none_made(reason: str, pid_wanted: bool) -> list[LayerStatus]:
    return [LayerStatus(NAMESPACES, False, reason),
            LayerStatus(PID_NAMESPACE, False, reason if pid_wanted else DISABLED_DETAIL)]


def _map_root(libc: ctypes.CDLL, uid: int, gid: int) -> None:
    try:
        if _prctl(libc, _PR_GET_DUMPABLE) != 1:
            _prctl(libc, _PR_SET_DUMPABLE, 1)  # else /proc/self/*_map belong to root and cannot be written
        _write_file("/proc/self/setgroups", "deny")
        _write_file("/proc/self/uid_map", f"0 {uid} 1")
        _write_file("/proc/self/gid_map", f"0 {gid} 1")
    except OSError as exc:
        raise SandboxError(f"user namespace created but id maps not written: {_err(exc)}") from exc


def _statuses(libc: ctypes.CDLL, detail: str, pid_wanted: bool, with_pid: bool,
              failures: list[str]) -> list[LayerStatus]:
    libc.sethostname(b"sandbox", ctypes.c_size_t(7))
    statuses = [LayerStatus(NAMESPACES, True, detail)]
    if with_pid:
        statuses.append(LayerStatus(PID_NAMESPACE, True, _PID_ACTIVE))
    elif not pid_wanted:
        statuses.append(LayerStatus(PID_NAMESPACE, False, DISABLED_DETAIL))
    else:
        statuses.append(LayerStatus(PID_NAMESPACE, False, f"unshare with pid failed: {failures[0]}"))
    return statuses
