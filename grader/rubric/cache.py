"""A cache of validated rubrics, so that grading again skips parsing and schema validation.

Keyed by the rubric's bytes, the schema's bytes and the grader's version: any change to
one of them is a miss. Entries are JSON (never pickle), written atomically; an entry
that cannot be read or does not fit is ignored, and a cache folder that cannot be
written is no error. The folder is ``$XDG_CACHE_HOME/grader/rubrics`` (default
``~/.cache``); ``GRADER_NO_CACHE=1`` turns the cache off.
"""

from __future__ import annotations

import hashlib
import json
import os
from importlib import resources
from pathlib import Path
from typing import Any

from ..atomic import write_atomic
from .. import __version__
from .yaml_source import YamlSource

_FORMAT = 1


def cache_dir() -> Path | None:
    if os.environ.get("GRADER_NO_CACHE"):
        return None
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "grader" / "rubrics"


def cache_key(text: str) -> str:
    schema = resources.files("grader.rubric").joinpath("schema.json").read_bytes()
    digest = hashlib.sha256()
    for part in (f"{_FORMAT}:{__version__}".encode(), schema, text.encode("utf-8")):
        digest.update(len(part).to_bytes(8, "big") + part)
    return digest.hexdigest()


def load(file: Path, key: str) -> YamlSource | None:
    """The validated document of ``file`` if the cache has it, else None."""
    folder = cache_dir()
    if folder is None:
        return None
    try:
        raw = json.loads((folder / f"{key}.json").read_text(encoding="utf-8"))
        lines = {tuple(path): int(line) for path, line in raw["lines"]}
        return YamlSource(file, raw["document"], lines)
    except (OSError, ValueError, KeyError, TypeError):
        return None


def store(key: str, source: YamlSource) -> None:
    """Remember a validated document; silently skipped when it does not survive JSON unchanged."""
    folder = cache_dir()
    if folder is None or not _json_exact(source.data):
        return
    entry = {"document": source.data, "lines": [[list(path), line] for path, line in source.lines.items()]}
    try:
        folder.mkdir(parents=True, exist_ok=True)
        write_atomic(folder / f"{key}.json", json.dumps(entry, ensure_ascii=False))
    except (OSError, ValueError, TypeError):
        pass


def _json_exact(data: Any) -> bool:
    try:
        return json.loads(json.dumps(data, allow_nan=False)) == data
    except (ValueError, TypeError):
        return False
