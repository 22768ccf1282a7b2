"""A private mount namespace: read-only tree, size-capped tmpfs scratch, hidden paths, fresh /proc.

Stops: writes anywhere but the scratch folder (root-owned files, /proc/sys and cgroups included),
filling the disk, reading hidden paths (rubric, grader checkout) and seeing the host's processes.
Needs the user namespace, or root (CAP_SYS_ADMIN in the initial user namespace).

Traps:
- The mount namespace is created by the inner process, not by the first unshare: the waiting
  parent keeps the host's view of the cgroup filesystem, which the read-only remount would
  otherwise stop it from cleaning up.
- Mounts are made private first; if that fails nothing else is mounted (it would leak out).
- The tree is made read-only before the scratch tmpfs is mounted, which therefore stays writable.
- The scratch tmpfs hides whatever the directory held before and vanishes with the sandbox.
- A hidden path that contains the scratch folder or a readable path is skipped (and reported).
- Root without a user namespace: mount propagation is often shared there, hence private first
  (above); the mounts stay only as long as no one can unmount them, so the worker must then lose
  root and every capability (user.py, privileges.py; seccomp also denies umount). Its new uid
  65534 cannot search folders such as a 0700 /root holding the Python installation: each such
  folder above a readable path or the scratch folder is covered with a 0755 tmpfs and the paths
  below it are bound back (opened with O_PATH before the cover, bound through /proc/self/fd), all
  before the tree is made read-only; the scratch tmpfs is then owned by uid 65534.
"""

from __future__ import annotations

import ctypes
import os

from ..limits import readable_bytes
from ._syscalls import _CLONE_NEWNS, _check, _err, _mount, _syscall
from .paths import _contains
from .user import _unsearchable_ancestor
from .status import (FRESH_PROC, HIDDEN_PATHS, MOUNT_NAMESPACE, READ_ONLY_MOUNTS, SCRATCH_TMPFS, _MOUNT_LAYERS,
                     LayerStatus, SandboxError, SandboxSpec, _inactive)

# mount(2) / mount_setattr(2)
_MS_RDONLY, _MS_NOSUID, _MS_NODEV, _MS_NOEXEC = 1, 2, 4, 8
_MS_BIND, _MS_REC, _MS_PRIVATE = 0x1000, 0x4000, 1 << 18
_SYS_MOUNT_SETATTR = 442  # same number on x86_64 and aarch64
_AT_FDCWD, _AT_RECURSIVE, _MOUNT_ATTR_RDONLY = -100, 0x8000, 1


class _MountAttr(ctypes.Structure):
    _fields_ = [("attr_set", ctypes.c_uint64), ("attr_clr", ctypes.c_uint64),
                ("propagation", ctypes.c_uint64), ("userns_fd", ctypes.c_uint64)]


_MAX_COVER_ROUNDS = 16


def _setup_mounts(libc: ctypes.CDLL, spec: SandboxSpec, in_pid_namespace: bool,
                  run_as: tuple[int, int] | None = None) -> tuple[list[LayerStatus], bool, list[str]]:
    """New private mount namespace: read-only tree, tmpfs scratch, hidden paths, fresh /proc.
    `run_as` (uid, gid): root without a user namespace, about to become that user (see user.py).
    Returns the statuses, whether /proc was replaced by the sandbox's own, and the folders covered
    to keep the readable paths reachable for `run_as`."""
    try:
        _check(libc.unshare(ctypes.c_int(_CLONE_NEWNS)), "unshare mount namespace")
    except OSError as exc:
        return _inactive(_MOUNT_LAYERS, _err(exc)), False, []
    try:
        _mount(libc, None, "/", None, _MS_REC | _MS_PRIVATE)
    except OSError as exc:  # e.g. an LSM denying mounts in user namespaces: mounting more would leak out
        return _inactive(_MOUNT_LAYERS, f"cannot make mounts private ({_err(exc)}): no mounts made"), False, []
    covered = _make_reachable(libc, spec, *run_as) if run_as else []
    detail = "private mount tree: changes never reach the host"
    if run_as:
        detail += " (root, without a user namespace)"
    statuses = [LayerStatus(MOUNT_NAMESPACE, True, detail),
                _make_tree_read_only(libc),  # before the scratch mount, which stays writable
                _mount_scratch(libc, spec.scratch_dir, spec.limits.scratch_bytes, run_as),
                _hide_paths(libc, spec)]
    proc_status, proc_replaced = _mount_proc(libc, in_pid_namespace)
    return [*statuses, proc_status], proc_replaced, covered


def _make_reachable(libc: ctypes.CDLL, spec: SandboxSpec, uid: int, gid: int) -> list[str]:
    """Cover every folder that uid/gid may not search above a readable path or the scratch folder with a
    0755 tmpfs, and put back what lies below it: the readable paths (bind mounts of the originals, opened
    before the cover) and an empty scratch folder (the scratch tmpfs goes on it). Returns the covered folders."""
    readable = sorted({os.path.realpath(p) for p in spec.readable_paths if os.path.exists(p)})
    scratch = os.path.realpath(spec.scratch_dir)
    covered: list[str] = []
    for _ in range(_MAX_COVER_ROUNDS):  # a bound-back path may hold another such folder: one level per round
        blocked: dict[str, list[str]] = {}
        for path in (*readable, scratch):
            top = _unsearchable_ancestor(path, uid, gid)
            if top is not None:
                blocked.setdefault(top, []).append(path)
        if not blocked:
            return covered
        for top, paths in sorted(blocked.items()):  # topmost folders: disjoint, never nested
            _cover(libc, top, paths, scratch)
            covered.append(top)
    raise SandboxError(f"readable paths still unreachable for uid {uid} after {_MAX_COVER_ROUNDS} covers")


def _cover(libc: ctypes.CDLL, top: str, paths: list[str], scratch: str) -> None:
    outermost = [p for p in paths if p != scratch and not any(q != p and q != scratch and _contains(q, p)
                                                               for q in paths)]
    opened: list[tuple[str, int, bool]] = []
    try:
        for path in outermost:
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            opened.append((path, fd, os.path.isdir(path)))
        _mount(libc, "tmpfs", top, "tmpfs", _MS_NOSUID | _MS_NODEV, "size=65536,nr_inodes=1024,mode=0755")
        for path, fd, is_dir in opened:
            _make_parents(top, path)
            if is_dir:
                os.mkdir(path, 0o755)
            else:
                os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_CLOEXEC, 0o644))
            _mount(libc, f"/proc/self/fd/{fd}", path, None, _MS_BIND | _MS_REC)
        if scratch in paths and not any(_contains(p, scratch) for p in outermost):
            _make_parents(top, scratch)
            os.mkdir(scratch, 0o755)
    except OSError as exc:
        raise SandboxError(f"cannot make the paths below {top} reachable: {_err(exc)}") from exc
    finally:
        for _, fd, _ in opened:
            os.close(fd)


def _make_parents(top: str, path: str) -> None:
    """Create the folders between `top` (a fresh tmpfs) and `path`, mode 0755 whatever the umask."""
    current = top
    for part in os.path.relpath(os.path.dirname(path), top).split(os.sep):
        if part in ("", "."):
            continue
        current = os.path.join(current, part)
        if not os.path.isdir(current):
            os.mkdir(current)
            os.chmod(current, 0o755)


def _make_tree_read_only(libc: ctypes.CDLL) -> LayerStatus:
    attr = _MountAttr(attr_set=_MOUNT_ATTR_RDONLY)
    try:
        _syscall(libc, _SYS_MOUNT_SETATTR, ctypes.c_int(_AT_FDCWD), b"/", ctypes.c_uint(_AT_RECURSIVE),
                 ctypes.byref(attr), ctypes.c_size_t(ctypes.sizeof(attr)))
    except OSError as exc:
        return LayerStatus(READ_ONLY_MOUNTS, False, f"mount_setattr: {_err(exc)}")
    return LayerStatus(READ_ONLY_MOUNTS, True, "every existing mount read-only (root-owned files, /proc/sys, "
                                               "cgroups)")


def _mount_scratch(libc: ctypes.CDLL, scratch: str, size: int, run_as: tuple[int, int] | None = None) -> LayerStatus:
    data = f"size={size},nr_inodes=16384,mode=0700"
    if run_as:
        data += f",uid={run_as[0]},gid={run_as[1]}"
    try:
        _mount(libc, "tmpfs", scratch, "tmpfs", _MS_NOSUID | _MS_NODEV, data)
    except OSError as exc:
        return LayerStatus(SCRATCH_TMPFS, False, f"tmpfs on {scratch}: {_err(exc)}")
    return LayerStatus(SCRATCH_TMPFS, True, f"scratch is a {readable_bytes(size)} tmpfs: cannot fill the disk")


def _hide_paths(libc: ctypes.CDLL, spec: SandboxSpec) -> LayerStatus:
    keep_visible = [os.path.realpath(p) for p in (spec.scratch_dir, *spec.readable_paths)]
    hidden, skipped = 0, []
    for path in spec.hidden_paths:
        if not os.path.lexists(path):
            continue
        if any(_contains(os.path.realpath(path), p) for p in keep_visible):
            skipped.append(path)
            continue
        try:
            if os.path.isdir(path):
                _mount(libc, "tmpfs", path, "tmpfs", _MS_RDONLY | _MS_NOSUID | _MS_NODEV | _MS_NOEXEC,
                       "size=4096,nr_inodes=2,mode=0")
            else:
                _mount(libc, "/dev/null", path, None, _MS_BIND)
        except OSError as exc:
            raise SandboxError(f"cannot hide {path}: {_err(exc)}") from exc
        hidden += 1
    detail = f"{hidden} path(s) covered by an empty read-only tmpfs"
    if skipped:
        detail += f"; not hidden (contain scratch or a readable path): {', '.join(skipped)}"
    return LayerStatus(HIDDEN_PATHS, True, detail)


def _mount_proc(libc: ctypes.CDLL, in_pid_namespace: bool) -> tuple[LayerStatus, bool]:
    """Fresh read-only /proc (else an empty tmpfs over it). Also returns whether /proc is now our own."""
    flags = _MS_RDONLY | _MS_NOSUID | _MS_NODEV | _MS_NOEXEC
    if in_pid_namespace:
        try:
            _mount(libc, "proc", "/proc", "proc", flags)
            return LayerStatus(FRESH_PROC, True, "read-only /proc showing only the sandbox's processes"), True
        except OSError as exc:
            reason = f"mounting proc failed ({_err(exc)})"
    else:
        reason = "no pid namespace"
    try:
        _mount(libc, "tmpfs", "/proc", "tmpfs", flags, "size=4096,nr_inodes=2,mode=0555")
    except OSError as exc:
        return LayerStatus(FRESH_PROC, False, f"{reason}; tmpfs over /proc failed too: {_err(exc)}"), False
    return LayerStatus(FRESH_PROC, False, f"{reason}: empty tmpfs over /proc instead"), True
