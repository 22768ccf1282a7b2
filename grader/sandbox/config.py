"""What a worker needs to start: passed as JSON on the command line or through the zygote.

Only the standard library: the grader imports this before numpy, to start the zygote
as early as possible.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from .limits import Limits


@dataclass(frozen=True)
class WorkerConfig:
    """What the worker needs to start; passed as JSON on the command line or through the zygote."""

    code_dir: str  # where the grader copies the submission's files before it asks for the import
    requests_fd: int
    responses_fd: int
    scratch_dir: str
    readable_paths: tuple[str, ...] = ()
    hidden_paths: tuple[str, ...] = ()
    limits: Limits = Limits()
    disabled_layers: tuple[str, ...] = ()

    def to_json(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def from_json(cls, text: str) -> "WorkerConfig":
        raw = json.loads(text)
        for key in ("readable_paths", "hidden_paths", "disabled_layers"):
            raw[key] = tuple(raw.get(key, ()))
        raw["limits"] = Limits.from_dict(raw.get("limits", {}))
        return cls(**raw)
