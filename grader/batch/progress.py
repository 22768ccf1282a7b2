"""Progress of a batch: a rich progress bar with rate and ETA on a terminal, plain periodic lines otherwise."""

from __future__ import annotations

import time
from typing import TextIO

from ..text import inert

_PLAIN_EVERY_SECONDS = 10.0
_PLAIN_EVERY_SHARE = 0.1


class Progress:
    """Counts finished submissions; a context manager around the grading loop."""

    def __init__(self, stream: TextIO, total: int) -> None:
        self.stream = stream
        self.total = total
        self.done = 0
        self._started = time.monotonic()
        self._last_line = self._started
        self._last_share = 0.0
        self._bar = None
        self._task = None
        if total and _is_tty(stream):
            from rich.console import Console
            from rich.progress import (
                BarColumn,
                MofNCompleteColumn,
                TaskProgressColumn,
                TextColumn,
                TimeElapsedColumn,
                TimeRemainingColumn,
            )
            from rich.progress import Progress as RichProgress

            self._bar = RichProgress(TextColumn("grading"), BarColumn(), MofNCompleteColumn(), TaskProgressColumn(),
                                     TextColumn("{task.fields[rate]}"), TimeElapsedColumn(), TimeRemainingColumn(),
                                     console=Console(file=stream), transient=True)

    def __enter__(self) -> Progress:
        if self._bar is not None:
            self._bar.start()
            self._task = self._bar.add_task("grading", total=self.total, rate="")
        elif self.total:
            self._say(f"grade batch: grading {self.total} submission(s)")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._bar is not None:
            self._bar.stop()

    def advance(self) -> None:
        self.done += 1
        now = time.monotonic()
        rate = self.done / max(now - self._started, 1e-9)
        if self._bar is not None:
            self._bar.update(self._task, completed=self.done, rate=f"{rate:.1f}/s")
            return
        share = self.done / self.total
        if self.done == self.total or now - self._last_line >= _PLAIN_EVERY_SECONDS \
                or share - self._last_share >= _PLAIN_EVERY_SHARE:
            self._last_line, self._last_share = now, share
            remaining = (self.total - self.done) / rate if rate > 0 else 0.0
            self._say(f"grade batch: {self.done}/{self.total} graded ({100 * share:.0f}%), {rate:.1f}/s, "
                      f"about {remaining:.0f} s left")

    def _say(self, line: str) -> None:
        try:
            print(inert(line), file=self.stream, flush=True)
        except (OSError, ValueError):
            pass


def _is_tty(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
