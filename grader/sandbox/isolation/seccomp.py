"""A seccomp deny-list, built with libseccomp through ctypes.

Stops: sockets (the worker talks to the grader over inherited pipes; socketpair stays allowed),
exec, mount and namespace calls (also clone with any CLONE_NEW* flag), ptrace and cross-process
memory access, and kernel attack surface (bpf, io_uring, keyrings, modules, userfaultfd, ...).
Syscalls of other ABIs kill the process. Forks and threads stay allowed.

Traps:
- libseccomp must be loaded before Landlock, which would deny reading the library; preload()
  loads it in the zygote so that forked workers skip the dlopen.
- clone3 passes its flags in memory, where a filter cannot look: it fails with ENOSYS so that
  libc falls back to clone, whose flags are checked.
- A denied name that is not a syscall on this architecture is skipped.
"""

from __future__ import annotations

import ctypes
import functools
import os

from ._syscalls import _CLONE_NS_FLAGS
from .status import SECCOMP, LayerStatus

_SCMP_ACT_ALLOW = 0x7FFF0000
_SCMP_CMP_MASKED_EQ = 7
_ENOSYS, _EPERM = 38, 1
_DENIED_SYSCALLS = (
    # network: the worker talks to the grader over inherited pipes (socketpair stays allowed)
    "socket", "connect", "bind", "listen", "accept", "accept4",
    # other processes
    "ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd", "process_madvise",
    # running other programs
    "execve", "execveat",
    # mounts and namespaces
    "mount", "umount2", "pivot_root", "chroot", "unshare", "setns", "mount_setattr",
    "open_tree", "move_mount", "fsopen", "fsconfig", "fsmount", "fspick",
    # kernel attack surface
    "kexec_load", "kexec_file_load", "init_module", "finit_module", "delete_module", "bpf",
    "perf_event_open", "keyctl", "add_key", "request_key", "personality", "userfaultfd",
    "io_uring_setup", "io_uring_enter", "io_uring_register", "open_by_handle_at", "name_to_handle_at",
)


class _ScmpArgCmp(ctypes.Structure):
    _fields_ = [("arg", ctypes.c_uint), ("op", ctypes.c_int), ("datum_a", ctypes.c_uint64),
                ("datum_b", ctypes.c_uint64)]


@functools.lru_cache(maxsize=1)
def _load_libseccomp() -> ctypes.CDLL | None:
    for name in ("libseccomp.so.2", "libseccomp.so"):
        try:
            lib = ctypes.CDLL(name, use_errno=True)
        except OSError:
            continue
        lib.seccomp_init.restype = ctypes.c_void_p
        lib.seccomp_init.argtypes = [ctypes.c_uint32]
        lib.seccomp_rule_add_array.argtypes = [ctypes.c_void_p, ctypes.c_uint32, ctypes.c_int, ctypes.c_uint,
                                               ctypes.POINTER(_ScmpArgCmp)]
        lib.seccomp_syscall_resolve_name.argtypes = [ctypes.c_char_p]
        lib.seccomp_load.argtypes = [ctypes.c_void_p]
        lib.seccomp_release.argtypes = [ctypes.c_void_p]
        return lib
    return None


def _errno_action(err: int) -> int:
    return 0x00050000 | (err & 0xFFFF)  # SCMP_ACT_ERRNO(err)


def _add_seccomp_rules(lib: ctypes.CDLL, ctx: int) -> None:
    def add(name: str, action: int, *cmps: _ScmpArgCmp) -> None:
        nr = lib.seccomp_syscall_resolve_name(name.encode())
        if nr < 0:  # not a syscall on this architecture
            return
        arr = (_ScmpArgCmp * max(1, len(cmps)))(*cmps)
        ret = lib.seccomp_rule_add_array(ctx, action, nr, len(cmps), arr)
        if ret < 0:
            raise OSError(-ret, f"seccomp_rule_add {name}: {os.strerror(-ret)}")

    for name in _DENIED_SYSCALLS:
        add(name, _errno_action(_EPERM))
    for flag in _CLONE_NS_FLAGS:  # fork/threads stay allowed; new namespaces do not
        add("clone", _errno_action(_EPERM), _ScmpArgCmp(0, _SCMP_CMP_MASKED_EQ, flag, flag))
    add("clone3", _errno_action(_ENOSYS))  # flags live in memory; ENOSYS makes libc fall back to clone


def _apply_seccomp(lib: ctypes.CDLL | None) -> LayerStatus:
    """Load the deny-list; `lib` is loaded before Landlock, which would deny reading the library."""
    if lib is None:
        return LayerStatus(SECCOMP, False, "libseccomp.so.2 not found")
    ctx = lib.seccomp_init(_SCMP_ACT_ALLOW)
    if not ctx:
        return LayerStatus(SECCOMP, False, "seccomp_init failed")
    try:
        _add_seccomp_rules(lib, ctx)
        ret = lib.seccomp_load(ctx)
        if ret < 0:
            return LayerStatus(SECCOMP, False, f"seccomp_load: {os.strerror(-ret)}")
    except OSError as exc:
        return LayerStatus(SECCOMP, False, str(exc))
    finally:
        lib.seccomp_release(ctx)
    return LayerStatus(SECCOMP, True, f"{len(_DENIED_SYSCALLS)} syscalls fail with EPERM (sockets, exec, mount, "
                                      "namespaces, ptrace, bpf, io_uring, ...); other ABIs' syscalls kill")
