"""enter_sandbox: apply every available layer, in the order that makes each of them possible.

Order and why: namespaces (user first: it grants the rights the mounts need); the fork into the pid
namespace (the waiting parent joins the cgroups meanwhile); mounts; rlimits; no-new-privs and
capabilities; libseccomp loaded, then Landlock (which would deny reading the library), then
seccomp (which denies the mount and namespace calls used above); finally the cgroup verdict.

Traps:
- The caller must be fresh and single-threaded (Landlock binds the calling thread only).
- With a pid namespace the call returns in a different process (PID 1) than it started in.
- Statuses are returned in ALL_LAYERS order, whatever order the layers were applied in.
"""

from __future__ import annotations

import os
import sys
import tempfile

from ._syscalls import _libc, _thread_count
from .landlock import _apply_landlock
from .mounts import _setup_mounts
from .namespaces import _unshare_namespaces
from .pid_namespace import _fork_into_pid_namespace, _receive_cgroup_status
from .privileges import _drop_capabilities, _set_no_new_privs
from .rlimits import _apply_rlimits
from .seccomp import _apply_seccomp, _load_libseccomp
from .status import (_CGROUP_LAYERS, _MOUNT_LAYERS, _NAMESPACE_LAYERS, ALL_LAYERS, DISABLE_CGROUPS,
                     DISABLE_LANDLOCK, DISABLE_SECCOMP, DISABLE_USER_NAMESPACE, DISABLED_DETAIL, LANDLOCK, RLIMITS,
                     SECCOMP, LayerStatus, SandboxError, SandboxSpec, _in_layer_order, _inactive)



def _redirect_tempdir(scratch: str) -> None:
    os.environ["TMPDIR"] = scratch
    tempfile.tempdir = scratch


def _enter_linux(spec: SandboxSpec) -> list[LayerStatus]:
    if _thread_count() > 1:
        raise SandboxError("enter_sandbox must be called from a single-threaded process")
    libc = _libc()
    host_uid = os.geteuid()
    if spec.disables(DISABLE_USER_NAMESPACE):  # as on a machine without user namespaces
        statuses, userns, pidns = _inactive(_NAMESPACE_LAYERS, DISABLED_DETAIL), False, False
    else:
        statuses, userns, pidns = _unshare_namespaces(libc)
    cgroups_wanted = not spec.disables(DISABLE_CGROUPS)
    verdict_fd = _fork_into_pid_namespace(libc, spec.limits, cgroups_wanted) if pidns else None
    own_proc = False
    if userns:
        mount_statuses, own_proc = _setup_mounts(libc, spec, pidns)
        statuses += mount_statuses
    else:
        statuses += _inactive(_MOUNT_LAYERS, "needs a user namespace")
    os.chdir(spec.scratch_dir)
    _redirect_tempdir(spec.scratch_dir)
    statuses.append(_apply_rlimits(spec.limits, host_uid))
    statuses.append(_set_no_new_privs(libc))
    statuses.append(_drop_capabilities(libc))
    use_seccomp = not spec.disables(DISABLE_SECCOMP)
    libseccomp = _load_libseccomp() if use_seccomp else None
    if spec.disables(DISABLE_LANDLOCK):
        statuses.append(LayerStatus(LANDLOCK, False, DISABLED_DETAIL))
    else:
        statuses.append(_apply_landlock(libc, spec, allow_proc=own_proc))
    statuses.append(_apply_seccomp(libseccomp) if use_seccomp else LayerStatus(SECCOMP, False, DISABLED_DETAIL))
    if verdict_fd is not None:
        statuses += _receive_cgroup_status(verdict_fd)
    elif not cgroups_wanted:
        statuses += _inactive(_CGROUP_LAYERS, DISABLED_DETAIL)
    else:
        statuses += _inactive(_CGROUP_LAYERS, "needs the pid namespace's waiting parent")
    return _in_layer_order(statuses)


def preload() -> None:
    """Load libc and libseccomp now, so that processes forked from this one skip the dlopen."""
    if sys.platform == "linux":
        _libc()
        _load_libseccomp()


def enter_sandbox(spec: SandboxSpec) -> list[LayerStatus]:
    """Apply every available layer to this (fresh, single-threaded) process; see the package docstring.

    With a pid namespace the caller forks: the original process waits and exits with the inner
    process's status, and this function returns only in the inner process (PID 1 of the namespace).
    Unavailable layers are reported inactive; SandboxError means a layer failed half-way.
    """
    if sys.platform != "linux":
        os.chdir(spec.scratch_dir)
        status = _apply_rlimits(spec.limits, os.geteuid())
        reason = f"not available on {sys.platform}"
        return [LayerStatus(n, False, reason) if n != RLIMITS else status for n in ALL_LAYERS]
    return _enter_linux(spec)

