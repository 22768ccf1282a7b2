"""Every bound on one submission's sandbox, with its defaults in one place.

The runner enforces the wall-clock limits from the grader's side; the worker's
isolation layers apply the others to its own process (rlimits, cgroups, tmpfs);
the protocol caps bound what the grader accepts back. Only the standard library is
imported: the zygote and the worker read this too.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Mapping


@dataclass(frozen=True)
class Caps:
    """Upper bounds on one message the worker may send back."""

    message_bytes: int = 64 << 20
    array_elements: int = 4 << 20
    items: int = 10_000


@dataclass(frozen=True)
class Limits:
    """Time, memory, output and size bounds for one submission."""

    call_timeout: float = 2.0  # wall seconds for one call of a student function
    import_timeout: float = 10.0  # wall seconds to import the submission
    total_timeout: float = 60.0  # wall seconds for everything the submission runs
    memory_bytes: int = 2 << 30  # address space per process (RLIMIT_AS), and all processes together (cgroup)
    output_bytes: int = 16 << 20  # largest file the worker may write, its captured stdout/stderr included
    shown_output_bytes: int = 4000  # how much of the captured output a report shows
    open_files: int = 64  # RLIMIT_NOFILE
    processes: int = 64  # tasks in the pids cgroup (RLIMIT_NPROC where it binds)
    scratch_bytes: int = 64 << 20  # size of the writable tmpfs scratch folder
    caps: Caps = field(default_factory=Caps)

    @property
    def cpu_seconds(self) -> int:
        """RLIMIT_CPU: a busy loop is killed by the kernel even if the grader is gone."""
        return int(self.total_timeout) + 1

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: Mapping[str, Any]) -> "Limits":
        values = dict(raw)
        values["caps"] = Caps(**values.get("caps", {}))
        return cls(**values)


def readable_bytes(size: int) -> str:
    """A size as people read it: ``2 GiB``, ``64 MiB``, ``1.5 KiB``, ``512 bytes``."""
    value = float(size)
    for unit in ("bytes", "KiB", "MiB", "GiB", "TiB"):
        if value < 1024 or unit == "TiB":
            if unit == "bytes":
                return f"{int(value)} byte{'s' if int(value) != 1 else ''}"
            return f"{value:.1f}".rstrip("0").rstrip(".") + f" {unit}"
        value /= 1024
    return f"{size} bytes"  # pragma: no cover - the loop always returns
