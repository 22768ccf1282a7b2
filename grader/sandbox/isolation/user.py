"""The unprivileged user: a worker that would run as root without a user namespace becomes uid 65534.

Stops: such a worker (root in a container without user namespaces, as on Gradescope) reading
every root-readable file (the reference included), writing root-owned files, signalling or
tracing the grader's root processes, and ignoring RLIMIT_NPROC. It switches to uid and gid 65534
(nobody/nogroup) with no supplementary groups. Root inside a user namespace, or a non-root
caller, is not switched (reported, still active: it holds no privilege on the host).

Traps:
- Order: after every layer that needs root (namespaces, cgroups, mounts, rlimits) and after the
  capability bounding set is dropped (that needs CAP_SETPCAP); before the capabilities are emptied
  (setuid needs CAP_SETUID) and before Landlock and seccomp. setgroups([]) comes first: after
  setuid it is no longer allowed. The kernel empties the capability sets on the switch.
- The switch clears PR_SET_PDEATHSIG: it is set again at once; pid_namespace.py then checks that
  the waiting parent did not die in between.
- The process becomes non-dumpable: other uid-65534 processes (another submission's worker)
  cannot trace it or read its memory, and its /proc/self files turn root's (environ unreadable).
- A Python installed under a 0700 home (/root/.pyenv here) cannot lazily import modules after the
  switch. With a mount namespace, mounts.py covers each folder that uid 65534 cannot search with
  a 0755 tmpfs and binds the paths it needs back, so the original paths work. Without one, every
  sys.path entry and package __path__ entry below such a readable folder is rerouted through
  /proc/self/fd/N, N a descriptor opened as root before the switch: a lookup through it skips the
  ancestors' permissions, below it uid 65534's own permissions and Landlock still apply. A module
  found by another route (its original absolute path) may still fail to load; without /proc the
  detail says so.
- The scratch folder must be writable by uid 65534: the tmpfs is mounted for it; without a mount
  namespace the folder is chowned to it here. The launcher must make the folders above the
  scratch and the submission searchable by gid 65534 (see the README's security model).
- RLIMIT_NPROC then counts every process of uid 65534 on the machine, not only the sandbox's.
"""

from __future__ import annotations

import ctypes
import os
import stat
import sys
from dataclasses import dataclass, field

from ._syscalls import _PR_GET_PDEATHSIG, _PR_SET_PDEATHSIG, _err, _prctl
from .paths import _contains
from .status import UNPRIVILEGED_USER, LayerStatus, SandboxError

UNPRIVILEGED_UID = UNPRIVILEGED_GID = 65534  # nobody / nogroup
_PROC_FD = "/proc/self/fd"


def _may_search(st: os.stat_result, uid: int, gid: int) -> bool:
    """Whether uid/gid (no supplementary groups) may search a directory with these owner and mode bits."""
    if st.st_uid == uid:
        return bool(st.st_mode & stat.S_IXUSR)
    if st.st_gid == gid:
        return bool(st.st_mode & stat.S_IXGRP)
    return bool(st.st_mode & stat.S_IXOTH)


def _unsearchable_ancestor(path: str, uid: int = UNPRIVILEGED_UID, gid: int = UNPRIVILEGED_GID) -> str | None:
    """The topmost folder above real path `path` that uid/gid may not search (None if it can reach it)."""
    current = "/"
    for part in [p for p in os.path.dirname(path).split("/") if p]:
        try:
            if not _may_search(os.stat(current), uid, gid):
                return current
        except OSError:
            return None
        current = os.path.join(current, part)
    try:
        if path != "/" and not _may_search(os.stat(current), uid, gid):
            return current
    except OSError:
        return None
    return None


@dataclass
class _Reroute:
    """Descriptors (opened as root) to readable folders uid 65534 cannot reach, and import paths below them."""

    descriptors: dict[str, int] = field(default_factory=dict)  # real folder -> O_PATH descriptor
    entries: dict[str, str] = field(default_factory=dict)  # sys.path / __path__ entry -> /proc/self/fd/N/...


def _package_paths() -> list[list]:
    """The __path__ lists of the imported packages (read from __dict__: a module __getattr__ may run code)."""
    paths = []
    for module in list(sys.modules.values()):
        value = getattr(module, "__dict__", {}).get("__path__")
        if isinstance(value, list):
            paths.append(value)
    return paths


def _prepare_reroute(readable_paths: tuple[str, ...]) -> _Reroute:
    """Before the switch, without a mount namespace: open the unreachable readable folders, map import paths."""
    reroute = _Reroute()
    for path in readable_paths:
        real = os.path.realpath(path)
        if real in reroute.descriptors or not os.path.isdir(real) or _unsearchable_ancestor(real) is None:
            continue
        try:
            reroute.descriptors[real] = os.open(real, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
        except OSError:
            continue
    if not reroute.descriptors:
        return reroute
    entries = {e for e in sys.path if isinstance(e, str) and e}
    entries.update(e for paths in _package_paths() for e in paths if isinstance(e, str) and e)
    for entry in entries:
        real = os.path.realpath(entry)
        for folder, fd in reroute.descriptors.items():
            if _contains(folder, real):
                rel = os.path.relpath(real, folder)
                reroute.entries[entry] = f"{_PROC_FD}/{fd}" + ("" if rel == "." else f"/{rel}")
                break
    return reroute


def _apply_reroute(reroute: _Reroute) -> list[str]:
    """After the switch: swap the mapped import paths in. Returns the folders now reached through /proc."""
    usable = {folder for folder, fd in reroute.descriptors.items() if os.path.isdir(f"{_PROC_FD}/{fd}")}
    if not usable:
        return []
    fds = {f"{_PROC_FD}/{reroute.descriptors[folder]}" for folder in usable}
    mapping = {old: new for old, new in reroute.entries.items()
               if any(new == fd or new.startswith(fd + "/") for fd in fds)}
    sys.path[:] = [mapping.get(e, e) if isinstance(e, str) else e for e in sys.path]
    for paths in _package_paths():
        paths[:] = [mapping.get(e, e) if isinstance(e, str) else e for e in paths]
    sys.path_importer_cache.clear()
    return sorted(usable)


def _will_switch(user_namespace: bool) -> bool:
    """Whether this process will give up root: it is root and not inside a user namespace of its own."""
    return os.geteuid() == 0 and not user_namespace and hasattr(os, "setresuid")


def _switch_user(libc: ctypes.CDLL, scratch_dir: str, reachable: str, reroute: _Reroute | None) -> LayerStatus:
    """setgroups([]), setresgid and setresuid to 65534; PR_SET_PDEATHSIG set again. `reachable` says how the
    readable paths stay reachable (mount namespace), `reroute` is for the case without one."""
    uid, gid = UNPRIVILEGED_UID, UNPRIVILEGED_GID
    pdeathsig = ctypes.c_int(0)
    try:
        _prctl(libc, _PR_GET_PDEATHSIG, ctypes.addressof(pdeathsig))
    except OSError:
        pass
    notes = []
    if reroute is not None:  # no mount namespace: no tmpfs scratch owned by uid 65534
        try:
            os.chown(scratch_dir, uid, gid)
        except OSError as exc:
            notes.append(f"scratch folder not given to uid {uid} ({_err(exc)})")
        if _unsearchable_ancestor(os.path.realpath(scratch_dir)) is not None:
            notes.append("the scratch folder is not reachable for it")
    try:
        os.setgroups([])
    except OSError as exc:  # no CAP_SETGID: nothing changed yet
        return LayerStatus(UNPRIVILEGED_USER, False, f"still root without a user namespace: setgroups: {_err(exc)}")
    try:
        os.setresgid(gid, gid, gid)
    except OSError as exc:  # e.g. gid 65534 not mapped in this container: still nothing that matters changed
        return LayerStatus(UNPRIVILEGED_USER, False, f"still root without a user namespace: setresgid: {_err(exc)}")
    try:
        os.setresuid(uid, uid, uid)
        if pdeathsig.value:
            _prctl(libc, _PR_SET_PDEATHSIG, pdeathsig.value)  # cleared by the credential change
    except OSError as exc:
        raise SandboxError(f"gid switched to {gid} but uid not: {_err(exc)}") from exc
    if os.getresuid() != (uid, uid, uid) or os.getresgid() != (gid, gid, gid) or os.getgroups():
        raise SandboxError("switched to uid 65534 but the ids did not all change")
    detail = f"runs as uid {uid} and gid {gid} (nobody/nogroup), no supplementary groups"
    if reroute is None:
        detail += f"; {reachable}"
    else:
        rerouted = _apply_reroute(reroute)
        missed = sorted(set(reroute.descriptors) - set(rerouted))
        if rerouted:
            notes.append(f"no mount namespace: imports from {', '.join(rerouted)} go through descriptors "
                         "opened before the switch")
        if missed:
            notes.append(f"no mount namespace and no /proc: modules not already imported from "
                         f"{', '.join(missed)} may fail to load")
    if notes:
        detail += "; " + "; ".join(notes)
    return LayerStatus(UNPRIVILEGED_USER, True, detail)


def _not_switched(user_namespace: bool) -> LayerStatus:
    uid = os.geteuid()
    if uid == 0 and user_namespace:
        return LayerStatus(UNPRIVILEGED_USER, True, "not switched: root of the user namespace, no capability on "
                                                    "the host (host uid 0 for file ownership: Landlock and the "
                                                    "read-only mounts confine it)")
    if uid == 0:
        return LayerStatus(UNPRIVILEGED_USER, False, "still root: setresuid unavailable on this platform")
    return LayerStatus(UNPRIVILEGED_USER, True, f"not switched: runs as uid {uid}, not root")
