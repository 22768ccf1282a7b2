"""enter_sandbox: apply every available layer, in the order that makes each of them possible.

Order and why: namespaces (user first: it grants the rights the mounts need; root without one
still makes the others); the fork into the pid namespace (the waiting parent joins the cgroups
meanwhile), or without a pid namespace the process joins its own cgroups; mounts; rlimits;
no-new-privs; the Landlock rules added (their paths opened) and libseccomp loaded while the
process can still reach them; the capability bounding set; the switch to uid 65534 when root
runs without a user namespace (after everything that needs root, see user.py); the remaining
capabilities; Landlock enforced (it would deny reading libseccomp), then seccomp (which denies
the mount and namespace calls used above); finally the cgroup verdict.

Traps:
- The caller must be fresh and single-threaded (Landlock binds the calling thread only).
- With a pid namespace the call returns in a different process (PID 1) than it started in.
- Without a pid namespace the process's cgroups outlive it: its launcher must call
  `end_sandbox_cgroups(pid)` after reaping it (the zygote does; see cgroups.py).
- Statuses are returned in ALL_LAYERS order, whatever order the layers were applied in.
"""

from __future__ import annotations

import os
import sys
import tempfile

from ._syscalls import _libc, _thread_count
from .cgroups import _join_own_cgroups
from .landlock import _prepare_landlock, _restrict_landlock
from .mounts import _setup_mounts
from .namespaces import _unshare_namespaces
from .pid_namespace import _fork_into_pid_namespace, _receive_cgroup_status
from .privileges import _drop_bounding_set, _drop_capabilities, _set_no_new_privs
from .rlimits import _apply_rlimits
from .seccomp import _apply_seccomp, _load_libseccomp
from .status import (_CGROUP_LAYERS, _MOUNT_LAYERS, ALL_LAYERS, DISABLE_CGROUPS, DISABLE_LANDLOCK,
                     DISABLE_MOUNT_NAMESPACE, DISABLE_PID_NAMESPACE, DISABLE_SECCOMP, DISABLE_USER_NAMESPACE,
                     DISABLED_DETAIL, LANDLOCK, RLIMITS, SECCOMP, LayerStatus, SandboxError, SandboxSpec,
                     _in_layer_order, _inactive)
from .user import UNPRIVILEGED_GID, UNPRIVILEGED_UID, _not_switched, _prepare_reroute, _switch_user, _will_switch


def _redirect_tempdir(scratch: str) -> None:
    os.environ["TMPDIR"] = scratch
    tempfile.tempdir = scratch


def _enter_linux(spec: SandboxSpec) -> list[LayerStatus]:
    if _thread_count() > 1:
        raise SandboxError("enter_sandbox must be called from a single-threaded process")
    libc = _libc()
    statuses, userns, pidns = _unshare_namespaces(libc, user=not spec.disables(DISABLE_USER_NAMESPACE),
                                                  pid=not spec.disables(DISABLE_PID_NAMESPACE))
    switch = _will_switch(userns)  # root without a user namespace: becomes uid 65534 below
    cgroups_wanted = not spec.disables(DISABLE_CGROUPS)
    verdict_fd = None
    if pidns:
        verdict_fd = _fork_into_pid_namespace(libc, spec.limits, cgroups_wanted)
    elif cgroups_wanted:
        statuses += _join_own_cgroups(spec.limits.processes, spec.limits.memory_bytes)
    else:
        statuses += _inactive(_CGROUP_LAYERS, DISABLED_DETAIL)
    own_proc, covered, mounted = False, [], False
    if spec.disables(DISABLE_MOUNT_NAMESPACE):
        statuses += _inactive(_MOUNT_LAYERS, DISABLED_DETAIL)
    elif userns or os.geteuid() == 0:
        run_as = (UNPRIVILEGED_UID, UNPRIVILEGED_GID) if switch else None
        mount_statuses, own_proc, covered = _setup_mounts(libc, spec, pidns, run_as)
        statuses += mount_statuses
        mounted = mount_statuses[0].active
    else:
        statuses += _inactive(_MOUNT_LAYERS, "needs a user namespace (or root)")
    os.chdir(spec.scratch_dir)
    _redirect_tempdir(spec.scratch_dir)
    statuses.append(_apply_rlimits(spec.limits, UNPRIVILEGED_UID if switch else os.geteuid()))
    statuses.append(_set_no_new_privs(libc))
    use_landlock = not spec.disables(DISABLE_LANDLOCK)
    landlock = _prepare_landlock(libc, spec, allow_proc=own_proc) if use_landlock else None  # paths opened as root
    use_seccomp = not spec.disables(DISABLE_SECCOMP)
    libseccomp = _load_libseccomp() if use_seccomp else None  # before Landlock and the switch: a file to read
    bounding_dropped = _drop_bounding_set(libc)  # needs CAP_SETPCAP, which the switch takes away
    if switch:
        reachable = (f"{', '.join(covered)} covered by a tmpfs so that the readable paths stay reachable"
                     if covered else "the readable paths are reachable for it")
        reroute = None if mounted else _prepare_reroute(spec.readable_paths)
        statuses.append(_switch_user(libc, spec.scratch_dir, reachable, reroute))
    else:
        statuses.append(_not_switched(userns))
    statuses.append(_drop_capabilities(libc, bounding_dropped))
    statuses.append(_restrict_landlock(libc, landlock) if landlock is not None
                    else LayerStatus(LANDLOCK, False, DISABLED_DETAIL))
    statuses.append(_apply_seccomp(libseccomp) if use_seccomp else LayerStatus(SECCOMP, False, DISABLED_DETAIL))
    if verdict_fd is not None:
        statuses += _receive_cgroup_status(verdict_fd)
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

