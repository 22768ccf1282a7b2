"""Landlock: a filesystem allow-list, TCP denied, signals and abstract unix sockets scoped.

Stops: reading anything but the readable paths (Python installation, system libraries, the
submission's copy), a few devices and the sandbox's own /proc; writing anywhere but the scratch
folder; executing outside the allow-list; TCP bind/connect (ABI 4+); signalling or connecting to
abstract unix sockets outside the sandbox (ABI 6+). Rights an ABI does not know are not handled.

Traps:
- Landlock applies to the calling thread only, so the caller must be single-threaded
  (enter_sandbox checks: SandboxError otherwise).
- Anything loaded from a path not in the allow-list must be loaded before: libseccomp is opened
  before Landlock is applied (see seccomp.py).
- A fresh interpreter importing numpy needs the system's libstdc++: see python_paths().
- /proc is allowed only when it is the sandbox's own (a fresh proc or an empty tmpfs).
- A path that does not exist is skipped; a file gets only the rights that apply to files.
- The rules are added (their paths opened) before a switch to uid 65534 (user.py), which may not
  be able to reach them (a 0700 /root above the Python installation); the ruleset is enforced
  after it (`_prepare_landlock`, then `_restrict_landlock`).
"""

from __future__ import annotations

import ctypes
import os
import stat

from ._syscalls import _err, _syscall
from .status import LANDLOCK, LayerStatus, SandboxSpec

# Landlock (same syscall numbers on x86_64 and aarch64)
_SYS_LANDLOCK_CREATE_RULESET, _SYS_LANDLOCK_ADD_RULE, _SYS_LANDLOCK_RESTRICT_SELF = 444, 445, 446
_LANDLOCK_CREATE_RULESET_VERSION = 1
_LANDLOCK_RULE_PATH_BENEATH = 1
_FS_EXECUTE, _FS_WRITE_FILE, _FS_READ_FILE, _FS_READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
_FS_ABI1 = (1 << 13) - 1  # execute .. make_sym
_FS_REFER, _FS_TRUNCATE, _FS_IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15
_FS_FILE_RIGHTS = _FS_EXECUTE | _FS_WRITE_FILE | _FS_READ_FILE | _FS_TRUNCATE | _FS_IOCTL_DEV
_NET_BIND_TCP, _NET_CONNECT_TCP = 1 << 0, 1 << 1
_SCOPE_ABSTRACT_UNIX_SOCKET, _SCOPE_SIGNAL = 1 << 0, 1 << 1
_READ_ONLY = _FS_EXECUTE | _FS_READ_FILE | _FS_READ_DIR
_DEVICES = (("/dev/null", _FS_READ_FILE | _FS_WRITE_FILE | _FS_IOCTL_DEV),
            ("/dev/zero", _FS_READ_FILE), ("/dev/random", _FS_READ_FILE), ("/dev/urandom", _FS_READ_FILE))


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64), ("handled_access_net", ctypes.c_uint64),
                ("scoped", ctypes.c_uint64)]


class _PathBeneathAttr(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _landlock_fs_rights(abi: int) -> int:
    rights = _FS_ABI1
    if abi >= 2:
        rights |= _FS_REFER
    if abi >= 3:
        rights |= _FS_TRUNCATE
    if abi >= 5:
        rights |= _FS_IOCTL_DEV
    return rights


def _landlock_rules(spec: SandboxSpec, allow_proc: bool) -> list[tuple[str, int]]:
    rules = [(path, _READ_ONLY) for path in spec.readable_paths]
    rules += list(_DEVICES)
    if allow_proc:
        rules.append(("/proc", _READ_ONLY))
    rules.append((spec.scratch_dir, -1))  # -1: everything the ABI handles
    return rules


def _add_path_rule(libc: ctypes.CDLL, ruleset_fd: int, path: str, access: int) -> bool:
    """Allow `access` beneath `path`; False if the path does not exist."""
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        if not stat.S_ISDIR(os.fstat(fd).st_mode):
            access &= _FS_FILE_RIGHTS
        attr = _PathBeneathAttr(allowed_access=access, parent_fd=fd)
        _syscall(libc, _SYS_LANDLOCK_ADD_RULE, ctypes.c_int(ruleset_fd), ctypes.c_int(_LANDLOCK_RULE_PATH_BENEATH),
                 ctypes.byref(attr), ctypes.c_uint32(0))
    finally:
        os.close(fd)
    return True


class _Prepared:
    """A ruleset with its rules added, not yet enforced."""

    def __init__(self, abi: int, ruleset: int, allowed: int) -> None:
        self.abi, self.ruleset, self.allowed = abi, ruleset, allowed


def _prepare_landlock(libc: ctypes.CDLL, spec: SandboxSpec, allow_proc: bool) -> _Prepared | LayerStatus:
    """Create the ruleset and add the rules (opening their paths); a LayerStatus if Landlock is unavailable."""
    try:
        abi = _syscall(libc, _SYS_LANDLOCK_CREATE_RULESET, None, ctypes.c_size_t(0),
                       ctypes.c_uint32(_LANDLOCK_CREATE_RULESET_VERSION))
    except OSError as exc:
        return LayerStatus(LANDLOCK, False, f"not supported by this kernel or disabled at boot ({_err(exc)})")
    fs_rights = _landlock_fs_rights(abi)
    attr = _RulesetAttr(handled_access_fs=fs_rights,
                        handled_access_net=(_NET_BIND_TCP | _NET_CONNECT_TCP) if abi >= 4 else 0,
                        scoped=(_SCOPE_ABSTRACT_UNIX_SOCKET | _SCOPE_SIGNAL) if abi >= 6 else 0)
    try:
        ruleset = _syscall(libc, _SYS_LANDLOCK_CREATE_RULESET, ctypes.byref(attr),
                           ctypes.c_size_t(ctypes.sizeof(attr)), ctypes.c_uint32(0))
    except OSError as exc:
        return LayerStatus(LANDLOCK, False, f"ABI {abi}: create_ruleset failed ({_err(exc)})")
    try:
        allowed = sum(_add_path_rule(libc, ruleset, path, access & fs_rights)
                      for path, access in _landlock_rules(spec, allow_proc))
    except OSError as exc:
        os.close(ruleset)
        return LayerStatus(LANDLOCK, False, f"ABI {abi}: {_err(exc)}")
    return _Prepared(abi, ruleset, allowed)


def _restrict_landlock(libc: ctypes.CDLL, prepared: _Prepared | LayerStatus) -> LayerStatus:
    """Enforce a prepared ruleset on this thread (needs no-new-privs)."""
    if isinstance(prepared, LayerStatus):
        return prepared
    abi = prepared.abi
    try:
        _syscall(libc, _SYS_LANDLOCK_RESTRICT_SELF, ctypes.c_int(prepared.ruleset), ctypes.c_uint32(0))
    except OSError as exc:
        return LayerStatus(LANDLOCK, False, f"ABI {abi}: {_err(exc)}")
    finally:
        os.close(prepared.ruleset)
    detail = f"ABI {abi}: filesystem allow-list ({prepared.allowed} paths; only scratch writable)"
    if abi >= 4:
        detail += ", TCP bind/connect denied"
    if abi >= 6:
        detail += ", signals and abstract unix sockets scoped to the sandbox"
    return LayerStatus(LANDLOCK, True, detail)


def _apply_landlock(libc: ctypes.CDLL, spec: SandboxSpec, allow_proc: bool) -> LayerStatus:
    return _restrict_landlock(libc, _prepare_landlock(libc, spec, allow_proc))
