"""Kernel isolation layers for the child process that runs student code.

`enter_sandbox` is called in a fresh, single-threaded child (own session, stdout/stderr already
redirected) before the student's module is imported. It applies, when available:

1. user+net+ipc+uts namespaces and a pid namespace (`namespaces`; root without a user namespace
   still gets the others); with the pid namespace the caller becomes a waiting parent and the
   call returns in PID 1 (`pid_namespace`),
2. pids and memory cgroups created and removed by that waiting parent, or without a pid
   namespace joined by the process itself and ended by its launcher (`cgroups`,
   `end_sandbox_cgroups`),
3. a private mount namespace made read-only recursively, with a size-capped tmpfs on the scratch
   directory, empty read-only tmpfs over hidden paths and a fresh read-only /proc (`mounts`),
4. rlimits (`rlimits`), no-new-privs (`privileges`), uid 65534 instead of root when there is no
   user namespace (`user`), and an empty capability set (`privileges`),
5. Landlock: filesystem allow-list, TCP denied, signal and abstract-socket scoping (`landlock`),
6. a seccomp deny-list (sockets, exec, namespace and mount calls, ptrace, ...) via libseccomp
   (`seccomp`).

Every layer is optional and reported as a `LayerStatus`, in `ALL_LAYERS` order (`status`); each
module's docstring says what its layer stops and the traps that matter for it. `enter` holds the
order they are applied in, `probe` the throwaway child behind `grade doctor`. Bounds come from
`grader.sandbox.limits.Limits`. Only the standard library (and that module) is imported: the
zygote imports this package. `bench/isolation_cost.py` measures what entering costs.
"""

from __future__ import annotations

import importlib

from .paths import python_paths
from .status import (ALL_LAYERS, CAPABILITIES, DISABLEABLE, DISABLED_DETAIL, FRESH_PROC, HIDDEN_PATHS, LANDLOCK,
                     MEMORY_CGROUP, MOUNT_NAMESPACE, NAMESPACES, NO_NEW_PRIVS, PID_NAMESPACE, PIDS_CGROUP,
                     READ_ONLY_MOUNTS, RLIMITS, SCRATCH_TMPFS, SECCOMP, UNPRIVILEGED_USER, LayerStatus, SandboxError,
                     SandboxSpec)

# The layers themselves (ctypes, libseccomp) load on first use: the grader's own process only
# needs the status types and the readable paths.
_LAZY = {"enter_sandbox": "enter", "preload": "enter", "probe_layers": "probe", "end_sandbox_cgroups": "cgroups"}


def __getattr__(name: str):
    if name in _LAZY:
        return getattr(importlib.import_module(f"{__name__}.{_LAZY[name]}"), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "enter_sandbox", "probe_layers", "python_paths", "preload", "end_sandbox_cgroups",
    "SandboxSpec", "LayerStatus", "SandboxError",
    "NAMESPACES", "PID_NAMESPACE", "PIDS_CGROUP", "MEMORY_CGROUP", "MOUNT_NAMESPACE", "READ_ONLY_MOUNTS",
    "SCRATCH_TMPFS", "HIDDEN_PATHS", "FRESH_PROC", "RLIMITS", "NO_NEW_PRIVS", "UNPRIVILEGED_USER", "CAPABILITIES",
    "LANDLOCK", "SECCOMP",
    "ALL_LAYERS", "DISABLEABLE", "DISABLED_DETAIL",
]
