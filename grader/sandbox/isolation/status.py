"""What the sandbox is asked to do (`SandboxSpec`) and what it reports back (`LayerStatus`).

Every layer is optional: one that is unavailable here is reported inactive with the reason, one
that was available but failed half-way raises `SandboxError` (the process must not run student
code then).

Test-only switch: `SandboxSpec.disabled_layers` names layers not to apply, so that tests can see
how the others behave without them. Allowed names (`DISABLEABLE`):
- ``"user_namespace"``: no user namespace is created, so everything that needs it (the pid
  namespace, the mounts and, through the pid namespace's waiting parent, the cgroups) is
  reported inactive exactly as on a machine without user namespaces;
- ``"landlock"``, ``"seccomp"``, ``"cgroups"`` (both the pids and the memory cgroup).
A disabled layer is reported inactive with the detail `DISABLED_DETAIL`; an unknown name raises
ValueError when the spec is built. Grading never sets it.
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
CAPABILITIES = "capabilities"
LANDLOCK = "landlock"
SECCOMP = "seccomp"
_NAMESPACE_LAYERS = (NAMESPACES, PID_NAMESPACE)
_MOUNT_LAYERS = (MOUNT_NAMESPACE, READ_ONLY_MOUNTS, SCRATCH_TMPFS, HIDDEN_PATHS, FRESH_PROC)
_CGROUP_LAYERS = (PIDS_CGROUP, MEMORY_CGROUP)
ALL_LAYERS = (NAMESPACES, PID_NAMESPACE, PIDS_CGROUP, MEMORY_CGROUP, MOUNT_NAMESPACE, READ_ONLY_MOUNTS,
              SCRATCH_TMPFS, HIDDEN_PATHS, FRESH_PROC, RLIMITS, NO_NEW_PRIVS, CAPABILITIES, LANDLOCK, SECCOMP)

# Names accepted by SandboxSpec.disabled_layers (test-only).
DISABLE_USER_NAMESPACE = "user_namespace"
DISABLE_LANDLOCK = "landlock"
DISABLE_SECCOMP = "seccomp"
DISABLE_CGROUPS = "cgroups"
DISABLEABLE = (DISABLE_USER_NAMESPACE, DISABLE_LANDLOCK, DISABLE_SECCOMP, DISABLE_CGROUPS)
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
