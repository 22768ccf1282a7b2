"""What the sandbox is asked to do (`SandboxSpec`) and what it reports back (`LayerStatus`).

Every layer is optional: one that is unavailable here is reported inactive with the reason, one
that was available but failed half-way raises `SandboxError` (the process must not run student
code then).

Test-only switch: `SandboxSpec.disabled_layers` names layers not to apply, so that tests can see
how the others behave without them (exactly as on a machine that lacks them). Allowed names
(`DISABLEABLE`):
- ``"user_namespace"``: no user namespace is created. A non-root caller then gets no namespace
  at all (no pid namespace, no mounts); root still creates the net, IPC, UTS, pid and mount
  namespaces without one (CAP_SYS_ADMIN), and its worker switches to uid 65534 (the
  "unprivileged user" layer, see user.py);
- ``"pid_namespace"``: no pid namespace, hence no waiting parent and no fresh /proc (an empty
  tmpfs covers /proc instead); the cgroups are then created and joined by the process itself,
  and whoever forked it (the zygote) kills every task left in them and removes them
  (`end_sandbox_cgroups`);
- ``"mount_namespace"``: no mount namespace, hence none of the read-only mounts, scratch tmpfs,
  hidden paths and fresh /proc;
- ``"landlock"``, ``"seccomp"``, ``"cgroups"`` (both the pids and the memory cgroup).
A layer disabled by name is reported inactive with the detail `DISABLED_DETAIL` (a layer that
needs it, with the reason); an unknown name raises ValueError when the spec is built. Grading
never sets it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..limits import Limits


class SandboxError(RuntimeError):
    """A layer that was available failed half-way; the process must not run student code."""


@dataclass(frozen=True)
class LayerStatus:
    name: str
    active: bool
    detail: str  # one line: what it stops, or why it is unavailable


# Layer names, in the order enter_sandbox reports them.
NAMESPACES = "user+net+ipc+uts namespaces"
PID_NAMESPACE = "pid namespace"
PIDS_CGROUP = "pids cgroup"
MEMORY_CGROUP = "memory cgroup"
MOUNT_NAMESPACE = "mount namespace"
READ_ONLY_MOUNTS = "read-only mounts"
SCRATCH_TMPFS = "scratch tmpfs"
HIDDEN_PATHS = "hidden paths"
FRESH_PROC = "fresh /proc"
RLIMITS = "rlimits"
NO_NEW_PRIVS = "no-new-privs"
UNPRIVILEGED_USER = "unprivileged user"
CAPABILITIES = "capabilities"
LANDLOCK = "landlock"
SECCOMP = "seccomp"
_NAMESPACE_LAYERS = (NAMESPACES, PID_NAMESPACE)
_MOUNT_LAYERS = (MOUNT_NAMESPACE, READ_ONLY_MOUNTS, SCRATCH_TMPFS, HIDDEN_PATHS, FRESH_PROC)
_CGROUP_LAYERS = (PIDS_CGROUP, MEMORY_CGROUP)
ALL_LAYERS = (NAMESPACES, PID_NAMESPACE, PIDS_CGROUP, MEMORY_CGROUP, MOUNT_NAMESPACE, READ_ONLY_MOUNTS,
              SCRATCH_TMPFS, HIDDEN_PATHS, FRESH_PROC, RLIMITS, NO_NEW_PRIVS, UNPRIVILEGED_USER, CAPABILITIES,
              LANDLOCK, SECCOMP)

# Names accepted by SandboxSpec.disabled_layers (test-only).
DISABLE_USER_NAMESPACE = "user_namespace"
DISABLE_PID_NAMESPACE = "pid_namespace"
DISABLE_MOUNT_NAMESPACE = "mount_namespace"
DISABLE_LANDLOCK = "landlock"
DISABLE_SECCOMP = "seccomp"
DISABLE_CGROUPS = "cgroups"
DISABLEABLE = (DISABLE_USER_NAMESPACE, DISABLE_PID_NAMESPACE, DISABLE_MOUNT_NAMESPACE, DISABLE_LANDLOCK,
               DISABLE_SECCOMP, DISABLE_CGROUPS)
DISABLED_DETAIL = "disabled by the test-only switch"


@dataclass(frozen=True)
class SandboxSpec:
    scratch_dir: str  # the only writable directory; becomes cwd (should be empty: a tmpfs covers it)
    readable_paths: tuple[str, ...]  # read-only for the student (Python prefix, site-packages, submission)
    hidden_paths: tuple[str, ...]  # covered by an empty read-only tmpfs (rubric, other submissions, grader repo)
    limits: Limits = field(default_factory=Limits)
    disabled_layers: tuple[str, ...] = ()  # test-only: names from DISABLEABLE (see the module docstring)

    def __post_init__(self) -> None:
        if isinstance(self.disabled_layers, str):
            raise ValueError(f"disabled_layers must be a tuple of names, not the string {self.disabled_layers!r}")
        unknown = [name for name in self.disabled_layers if name not in DISABLEABLE]
        if unknown:
            raise ValueError(f"unknown layer(s) to disable: {', '.join(map(repr, unknown))}; "
                             f"allowed: {', '.join(DISABLEABLE)}")

    def disables(self, name: str) -> bool:
        """Whether the test-only switch turns off `name` (one of DISABLEABLE)."""
        return name in self.disabled_layers


def _inactive(names: tuple[str, ...], reason: str) -> list[LayerStatus]:
    return [LayerStatus(name, False, reason) for name in names]


def _in_layer_order(statuses: list[LayerStatus]) -> list[LayerStatus]:
    """The statuses sorted as ALL_LAYERS lists them (names not in it, if any, last)."""
    rank = {name: i for i, name in enumerate(ALL_LAYERS)}
    return sorted(statuses, key=lambda s: rank.get(s.name, len(rank)))
