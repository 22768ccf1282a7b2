"""The Gradescope runner's pieces, without a process: what is graded, the documents, the tree, the lock-down."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import jsonschema
import pytest

from grader.gradescope.documents import NOT_GRADED_MESSAGE, not_graded_document, write_document
from grader.gradescope.layout import Manifest, read_manifest, tree
from grader.gradescope.runner import lock_down, what_to_grade

from helpers import REPO

SCHEMA = json.loads((REPO / "tests" / "gradescope_results.schema.json").read_text(encoding="utf-8"))


def upload(folder: Path, *names: str) -> Path:
    for name in names:
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x = 1\n", encoding="utf-8")
    return folder


def test_one_python_file_is_graded_whatever_its_name(tmp_path):
    folder = upload(tmp_path, "hw5 - final (2).py", "notes.txt", ".DS_Store", "__MACOSX/._hw5.py")
    assert what_to_grade(folder) == folder / "hw5 - final (2).py"


def test_several_files_are_graded_as_a_folder(tmp_path):
    folder = upload(tmp_path, "backprop.py", "utils.py")
    assert what_to_grade(folder) == folder
    package = upload(tmp_path / "other", "main.py", "helpers/__init__.py")
    assert what_to_grade(package) == package


def test_an_uploaded_folder_is_looked_into(tmp_path):
    upload(tmp_path, "hw5/backprop.py")
    assert what_to_grade(tmp_path) == tmp_path / "hw5" / "backprop.py"
    upload(tmp_path, "hw5/utils.py")
    assert what_to_grade(tmp_path) == tmp_path / "hw5"


def test_an_empty_upload_is_left_to_the_reader_to_refuse(tmp_path):
    assert what_to_grade(tmp_path) == tmp_path
    assert what_to_grade(tmp_path / "missing") == tmp_path / "missing"


@pytest.mark.parametrize("note", ["", "Your upload could not be taken as given: it is a link."])
def test_a_document_without_a_grade_says_so_and_keeps_the_reason_for_staff(note):
    document = not_graded_document("fault", "the sandbox could not start: ENOSPC", note, 1.5)
    jsonschema.validate(document, SCHEMA)
    assert document["score"] == 0 and document["output"].startswith(NOT_GRADED_MESSAGE)
    assert "ENOSPC" not in document["output"] and document["extra_data"]["reason"].endswith("ENOSPC")
    assert (note or "not a problem with your code") in document["output"]
    assert document["extra_data"]["status"] == "could_not_grade"


def test_results_are_written_atomically(tmp_path):
    target = tmp_path / "results" / "results.json"
    write_document({"score": 1}, target)
    write_document({"score": 2}, target)
    assert json.loads(target.read_text()) == {"score": 2}
    assert [p.name for p in target.parent.iterdir()] == ["results.json"]
    assert stat.S_IMODE(target.stat().st_mode) == 0o644


def test_autograder_root_moves_the_tree():
    assert tree({}).source == Path("/autograder/source")
    moved = tree({"AUTOGRADER_ROOT": "/tmp/x"})
    assert (moved.submission, moved.results_file) == (Path("/tmp/x/autograder/submission"),
                                                      Path("/tmp/x/autograder/results/results.json"))


def test_the_manifest_names_a_rubric_inside_the_source_folder(tmp_path):
    (tmp_path / "bundle.json").write_text(Manifest("rubric/ps5.yaml", "w.whl", "0.1.0", "3.11").to_json())
    assert read_manifest(tmp_path).rubric == "rubric/ps5.yaml"
    (tmp_path / "bundle.json").write_text(Manifest("../ps5.yaml", "w.whl", "0.1.0", "3.11").to_json())
    with pytest.raises(ValueError, match="inside the source folder"):
        read_manifest(tmp_path)
    (tmp_path / "bundle.json").write_text('{"rubric": "rubric/ps5.yaml"}')
    with pytest.raises(ValueError, match="manifest"):
        read_manifest(tmp_path)


def test_the_source_and_the_metadata_become_root_only(tmp_path):
    where = tree({"AUTOGRADER_ROOT": str(tmp_path)})
    upload(where.source, "rubric/ps5.yaml", "rubric/ps5_reference.py", "setup.sh")
    (where.source / "setup.sh").chmod(0o755)
    where.metadata.write_text("{}")
    lock_down(where)
    modes = {p.relative_to(where.source).as_posix(): stat.S_IMODE(p.stat().st_mode)
             for p in [where.source, *where.source.rglob("*")]}
    assert modes == {".": 0o700, "rubric": 0o700, "rubric/ps5.yaml": 0o600, "rubric/ps5_reference.py": 0o600,
                     "setup.sh": 0o700}
    assert stat.S_IMODE(where.metadata.stat().st_mode) == 0o600
