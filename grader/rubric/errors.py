"""Located rubric errors: ``file:line: key.path: message``."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

KeyPath = tuple[str | int, ...]


def format_key_path(path: Iterable[str | int]) -> str:
    """``("questions", 2, "parts", 0, "points")`` → ``questions[2].parts[0].points``."""
    text = ""
    for key in path:
        if isinstance(key, int):
            text += f"[{key}]"
        else:
            text += ("." if text else "") + str(key)
    return text


class RubricError(Exception):
    """A rubric that cannot be used, located to a file, a line and a key."""

    def __init__(self, file: Path | str, line: int | None, key_path: KeyPath, message: str):
        self.file = Path(file)
        self.line = line
        self.key_path = tuple(key_path)
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        location = f"{self.file}:{self.line}" if self.line else str(self.file)
        key = format_key_path(self.key_path)
        return f"{location}: {key}: {self.message}" if key else f"{location}: {self.message}"


MAX_REPORTED = 20


class RubricErrors(RubricError):
    """Several errors of one rubric, sorted by line (the first one's location is this error's own)."""

    def __init__(self, errors: Iterable[RubricError]):
        unique = {(e.line or 0, str(e)): e for e in errors}
        self.errors = [unique[key] for key in sorted(unique)][:MAX_REPORTED]
        self.omitted = max(0, len(unique) - MAX_REPORTED)
        first = self.errors[0]
        super().__init__(first.file, first.line, first.key_path, first.message)

    def __str__(self) -> str:
        lines = [str(e) for e in self.errors]
        if self.omitted:
            lines.append(f"{self.errors[0].file}: ... and {self.omitted} more error(s)")
        return "\n".join(lines)
