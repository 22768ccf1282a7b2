"""The exit statuses of every ``grade`` command, in one place."""

from __future__ import annotations

import enum


class ExitCode(enum.IntEnum):
    """What a ``grade`` command's exit status means; scripts and CI depend on these numbers."""

    OK = 0  # full marks (or at least --fail-under); for `grade check`: everything as declared
    POINTS_LOST = 1  # a score below the bar; for `grade check`: something scored differently than declared
    USAGE_ERROR = 2  # bad arguments, a missing file, or an invalid rubric
    COULD_NOT_GRADE = 3  # a fault of ours (disk, sandbox, reference, a bug): no grade was given
    INTERRUPTED = 130  # SIGINT; other signals exit 128 + their number

    @classmethod
    def for_signal(cls, signum: int) -> int:
        """The shell's convention for a process stopped by signal ``signum``."""
        return 128 + signum
