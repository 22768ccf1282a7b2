"""The Gradescope autograder zip: ``setup.sh`` and ``run_autograder`` at its root, the rubric and its
reference, the grader's wheel and the tested versions of its dependencies.

Nothing else of the course goes in: no samples (``correct.py`` is the answer key), no other
rubric. The rubric and the reference keep their relative layout under ``rubric/`` (a
``reference: ../refs/ps5.py`` still resolves); a ``samples:`` folder the rubric names is
an empty folder there. The staged copy is loaded as Gradescope will load it before the zip
is written, and the zip replaces ``output`` atomically.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

from ..atomic import replacing
from .. import __version__
from ..rubric.loader import load_rubric
from ..rubric.model import Rubric
from ..rubric.yaml_source import read_yaml
from .layout import MANIFEST, REQUIREMENTS, RUBRIC_FOLDER, RUN, SETUP, Manifest
from .wheel import build_wheel, check_wheel

PINNED = ("numpy", "PyYAML", "jsonschema", "rich", "threadpoolctl")
_FILES = Path(__file__).resolve().parent / "files"
_TESTED_PYTHON = "@TESTED_PYTHON@"
_ZIP_TIME = (2020, 1, 1, 0, 0, 0)


class BundleError(Exception):
    """The bundle cannot be built as asked (exit 2)."""


@dataclass(frozen=True)
class Bundle:
    path: Path
    rubric: str  # the rubric's path in the zip
    wheel: str
    pins: tuple[str, ...]
    members: tuple[str, ...]


def build_bundle(rubric_path: Path, output: Path, wheel: Path | None = None) -> Bundle:
    """Validate the rubric, stage the bundle in a temporary folder, zip it to ``output``.

    Raises RubricError (a located rubric error), BundleError and WheelError."""
    rubric = load_rubric(rubric_path, use_cache=False)
    _check_request(rubric, output)
    if wheel is not None:
        check_wheel(wheel)
    with tempfile.TemporaryDirectory(prefix="grader-bundle-") as temporary:
        staged = Path(temporary) / "bundle"
        staged.mkdir()
        rubric_member = _stage_course_files(rubric, staged)
        load_rubric(staged / rubric_member, use_cache=False)  # loads from the bundle as it will on Gradescope
        wheel_path = Path(shutil.copy2(wheel, staged / wheel.name)) if wheel else build_wheel(staged)
        pins = pinned_requirements()
        _write_scripts(staged, pins)
        python = f"{sys.version_info.major}.{sys.version_info.minor}"
        (staged / MANIFEST).write_text(Manifest(rubric_member, wheel_path.name, __version__, python).to_json(),
                                       encoding="utf-8")
        members = _zip(staged, output)
    return Bundle(output, rubric_member, wheel_path.name, pins, members)


def pinned_requirements() -> tuple[str, ...]:
    """``name==version`` of each pinned dependency, as installed here (the versions the tests ran with)."""
    pins = []
    for name in PINNED:
        try:
            pins.append(f"{name}=={metadata.version(name)}")
        except metadata.PackageNotFoundError:
            raise BundleError(f"{name} is not installed here, so its tested version is unknown: install the "
                              "grader with its dependencies") from None
    return tuple(pins)


def _check_request(rubric: Rubric, output: Path) -> None:
    if rubric.public or rubric.reference is None:
        raise BundleError(f"{rubric.path} is a public rubric (no reference): bundle the course's rubric")
    if output.is_dir():
        raise BundleError(f"--output {output} is a folder: name the zip to write")
    if not output.resolve().parent.is_dir():
        raise BundleError(f"--output {output}: no such folder {output.resolve().parent}")
    for course_file in (rubric.path, rubric.reference):
        if output.resolve() == course_file.resolve():
            raise BundleError(f"--output {output} would overwrite {course_file}")


def _stage_course_files(rubric: Rubric, staged: Path) -> str:
    """Copy the rubric and its reference under ``rubric/``, keeping their relative layout; returns the
    rubric's path in the bundle."""
    files = [rubric.path.resolve(), rubric.reference.resolve()]
    folders = [_named_samples(rubric)] if _named_samples(rubric) else []
    base = Path(os.path.commonpath([str(p.parent) for p in files] + [str(p) for p in folders]))
    for path in files:
        target = staged / RUBRIC_FOLDER / path.relative_to(base)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
    for folder in folders:
        (staged / RUBRIC_FOLDER / folder.relative_to(base)).mkdir(parents=True, exist_ok=True)
    return f"{RUBRIC_FOLDER}/{rubric.path.resolve().relative_to(base).as_posix()}"


def _named_samples(rubric: Rubric) -> Path | None:
    """The samples folder the rubric names with ``samples:`` (it must exist for the rubric to load)."""
    data = read_yaml(rubric.path).data
    if isinstance(data, dict) and data.get("samples") and rubric.samples is not None:
        return rubric.samples.resolve()
    return None


def _write_scripts(staged: Path, pins: tuple[str, ...]) -> None:
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    setup = (_FILES / SETUP).read_text(encoding="utf-8").replace(_TESTED_PYTHON, python)
    (staged / SETUP).write_text(setup, encoding="utf-8")
    shutil.copyfile(_FILES / RUN, staged / RUN)
    header = f"# The versions the grader {__version__} was tested with (Python {python}); setup.sh installs them.\n"
    (staged / REQUIREMENTS).write_text(header + "".join(f"{pin}\n" for pin in pins), encoding="utf-8")


def _zip(staged: Path, output: Path) -> tuple[str, ...]:
    """Zip ``staged`` (scripts executable) to ``output`` atomically; returns the member names."""
    members = []
    with replacing(output, mode=0o600) as temporary:  # it holds the reference implementation
        with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as bundle:
            for path in sorted(staged.rglob("*")):
                name = path.relative_to(staged).as_posix()
                if path.is_dir():
                    if not any(path.iterdir()):
                        bundle.writestr(_info(name + "/", 0o40755), b"")
                    continue
                mode = 0o100755 if name in (SETUP, RUN) else 0o100644
                bundle.writestr(_info(name, mode), path.read_bytes(), zipfile.ZIP_DEFLATED)
                members.append(name)
    return tuple(members)


def _info(name: str, mode: int) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, _ZIP_TIME)
    info.external_attr = (mode << 16) | (0x10 if name.endswith("/") else 0)
    info.create_system = 3  # Unix: the modes are read by unzip
    return info
