"""Writing a file so that readers see the old version or the new one, never a truncated file.

Reports, results.json, gradebook outputs, published rubrics and cached rubrics all go
through here: a full disk or a signal half-way leaves the previous file (or none) and
no stray temporary. Standard library only: every layer may use it.
"""

from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator


@contextmanager
def replacing(path: Path, mode: int | None = None) -> Iterator[Path]:
    """A temporary path beside ``path``; renamed over ``path`` when the block ends without an error."""
    fd, temporary = tempfile.mkstemp(dir=path.resolve().parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        yield Path(temporary)
        if mode is not None:
            os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def write_atomic(path: Path, data: str | bytes, mode: int | None = None) -> None:
    """Write ``data`` (text as UTF-8) to ``path`` through a synced temporary file and a rename."""
    with replacing(path, mode) as temporary:
        with open(temporary, "wb") as stream:
            stream.write(data.encode("utf-8") if isinstance(data, str) else data)
            stream.flush()
            os.fsync(stream.fileno())
