"""The Gradescope autograder bundle, end to end, in a simulated ``/autograder`` tree.

``grade gradescope`` builds the zip once; it is unpacked into ``ROOT/autograder/source``
(``AUTOGRADER_ROOT=ROOT`` stands for ``/``) and installed by its own ``setup.sh`` into a fresh
virtual environment with this Python's system site packages (the pinned versions missing
there come from the package index, through pip's cache). Each test then gets a fresh tree
from the same zip, run_autograder copied to ``ROOT/autograder`` as Gradescope does, and runs
it: every run must leave a ``results.json`` that validates against Gradescope's schema.

The degraded-sandbox tests run run_autograder as in Gradescope's container: in a private
mount namespace where the course's checkout and the shared /tmp are empty (a container holds
neither), with the user and mount namespaces and Landlock switched off by the test-only
``GRADER_TEST_DISABLE_LAYERS``. They need root (as on Gradescope); none skips when CI=true.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import stat
import subprocess
import sys
import tempfile
import textwrap
import zipfile
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

import jsonschema
import pytest

import grader
from grader.rubric.loader import load_rubric

from helpers import REPO, RUBRICS, SAMPLES, run_grade

pytestmark = pytest.mark.sandbox

R5 = RUBRICS / "recitation5.yaml"
SCHEMA = json.loads((REPO / "tests" / "gradescope_results.schema.json").read_text(encoding="utf-8"))
DEGRADED = "user_namespace,mount_namespace,landlock"
NOT_GRADED = "The autograder could not grade this submission; course staff will regrade it."
HOOKS_LINE = re.compile(r"^HOOKS = \{.*?\}$", re.M | re.S)
EMPTY = b'"""Nothing done yet."""\n'


def need(condition: bool, reason: str) -> None:
    """Skip with ``reason`` unless ``condition``; under CI=true a missing prerequisite is a failure."""
    if not condition:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true, yet: {reason}")
        pytest.skip(reason)


def need_root() -> None:
    need(sys.platform == "linux" and os.geteuid() == 0 and shutil.which("unshare") is not None,
         "needs root on Linux with unshare (Gradescope runs run_autograder as root)")


# --------------------------------------------------------------------------- the bundle and its install

@pytest.fixture(scope="module")
def bundle(tmp_path_factory) -> Path:
    need_root()
    output = tmp_path_factory.mktemp("bundle") / "autograder.zip"
    result = run_grade("gradescope", R5, "-o", output, timeout=300)
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    return output


def unpack(archive: Path, folder: Path) -> None:
    """Unpack with the modes the zip records (Python's zipfile does not apply them)."""
    with zipfile.ZipFile(archive) as zipped:
        for info in zipped.infolist():
            zipped.extract(info, folder)
            mode = (info.external_attr >> 16) & 0o777
            if mode:
                (folder / info.filename).chmod(mode)


@dataclass(frozen=True)
class Tree:
    root: Path  # AUTOGRADER_ROOT
    installation: Path | None = None  # the grader's environment, when setup.sh ran in another tree

    @property
    def autograder(self) -> Path:
        return self.root / "autograder"

    @property
    def source(self) -> Path:
        return self.autograder / "source"

    @property
    def submission(self) -> Path:
        return self.autograder / "submission"

    @property
    def results(self) -> Path:
        return self.autograder / "results" / "results.json"


def new_tree(archive: Path, python: Path | None = None, installation: Path | None = None) -> Tree:
    """A simulated /autograder in a fresh folder everyone may enter (as / is): only the permissions that
    run_autograder sets keep the unprivileged worker out of the source folder."""
    root = Path(tempfile.mkdtemp(prefix="gs-root-", dir="/tmp"))
    root.chmod(0o755)
    tree = Tree(root, installation)
    for folder in (tree.source, tree.submission, tree.results.parent):
        folder.mkdir(parents=True)
    unpack(archive, tree.source)
    shutil.copy2(tree.source / "run_autograder", tree.autograder / "run_autograder")  # as Gradescope does
    if python is not None:  # installed by the module's setup.sh; this tree shares its environment
        (tree.source / "installed-python").write_text(f"{python}\n", encoding="utf-8")
    return tree


@dataclass(frozen=True)
class Installed:
    tree: Tree  # where setup.sh ran
    venv: Path
    setup: subprocess.CompletedProcess

    @property
    def python(self) -> Path:
        return self.venv / "bin" / "python"


@pytest.fixture(scope="module")
def installed(bundle) -> Installed:
    tree = new_tree(bundle)
    venv = tree.root / "opt" / "backprop-grader"
    try:
        subprocess.run([sys._base_executable, "-m", "venv", "--system-site-packages", str(venv)], check=True,
                       capture_output=True, timeout=120)
        setup = subprocess.run(["bash", str(tree.source / "setup.sh"), "--prefix", str(venv), "--no-apt"],
                               cwd=tree.source, capture_output=True, text=True, timeout=600)
        assert setup.returncode == 0, setup.stdout + setup.stderr
        yield Installed(tree, venv, setup)
    finally:
        shutil.rmtree(tree.root, ignore_errors=True)


@pytest.fixture
def tree(bundle, installed):
    fresh = new_tree(bundle, installed.python, installed.venv)
    yield fresh
    shutil.rmtree(fresh.root, ignore_errors=True)


# --------------------------------------------------------------------------- running run_autograder

def gradescope_env(tree: Tree, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("GITHUB_", "GRADER_", "AUTOGRADER_")) and k not in ("TMPDIR", "FORCE_COLOR")}
    return dict(env, AUTOGRADER_ROOT=str(tree.root), **extra)


def submit(tree: Tree, files: dict[str, bytes | Path]) -> None:
    """The student's upload, as Gradescope places it in /autograder/submission."""
    for name, content in files.items():
        target = tree.submission / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content.read_bytes() if isinstance(content, Path) else content)


def results(tree: Tree, done: subprocess.CompletedProcess) -> dict:
    """The results.json the run left: it must exist and validate against Gradescope's schema."""
    assert done.returncode == 0, done.stdout + done.stderr
    assert tree.results.is_file(), f"no results.json: {done.stdout}{done.stderr}"
    document = json.loads(tree.results.read_text(encoding="utf-8"))
    jsonschema.validate(document, SCHEMA)
    assert "Traceback" not in done.stdout + done.stderr, done.stdout + done.stderr
    return document


def run_autograder(tree: Tree, **env: str) -> dict:
    done = subprocess.run([str(tree.autograder / "run_autograder")], cwd=tree.autograder,
                          env=gradescope_env(tree, **env), capture_output=True, text=True, timeout=300)
    return results(tree, done)


def in_container(tree: Tree, command: list[str], env: dict[str, str], before: str = "") -> subprocess.CompletedProcess:
    """Run ``command`` as in Gradescope's container: a private mount namespace in which the course's checkout
    and /tmp (other runs' files) are empty and only the simulated tree remains where it was.
    ``before``: more shell lines to run first (inside the namespace)."""
    covered = [REPO.parent if not Path(sys.base_prefix).is_relative_to(REPO.parent) else REPO]
    # other checkouts of the course on this machine (a developer's /work/main beside a clone) are other
    # world-readable copies of the references, which a real container does not have
    covered += [Path(p) for p in ("/work",) if os.path.isdir(p) and not Path(sys.base_prefix).is_relative_to(p)
                and Path(p) not in covered]
    kept = [p for p in (tree.root, tree.installation) if p is not None]
    keep = "\n".join(f"mkdir /mnt/{i}; mount --bind {p} /mnt/{i}" for i, p in enumerate(kept))
    restore = "\n".join(f"mkdir -p {p}; mount --bind /mnt/{i} {p}" for i, p in enumerate(kept))
    cover = "\n".join(f"mount -t tmpfs tmpfs {p}" for p in covered)
    script = f"""
        mount -t tmpfs tmpfs /mnt
        {keep}
        mount -t tmpfs tmpfs /tmp
        {cover}
        {restore}
        {before}
        exec "$@"
    """
    return subprocess.run(["unshare", "-m", "sh", "-ec", script, "sh", *command], cwd="/", env=env,
                          capture_output=True, text=True, timeout=300)


def run_in_container(tree: Tree, before: str = "", **env: str) -> dict:
    return results(tree, in_container(tree, [str(tree.autograder / "run_autograder")], gradescope_env(tree, **env),
                                      before))


def graded(document: dict) -> dict:
    assert document["extra_data"]["status"] == "graded", document
    assert document["score"] == pytest.approx(sum(t["score"] for t in document["tests"]))
    return document


def not_graded(document: dict, kind: str) -> dict:
    assert document["score"] == 0 and document["tests"] == []
    assert document["visibility"] == "visible" and document["output"].startswith(NOT_GRADED)
    assert document["extra_data"]["status"] == "could_not_grade"
    assert document["extra_data"]["kind"] == kind
    return document


def full_marks(document: dict) -> float:
    return sum(t["max_score"] for t in document["tests"])


# --------------------------------------------------------------------------- the bundle


def test_the_bundle_holds_the_scripts_the_rubric_its_reference_the_wheel_and_the_pins(bundle):
    with zipfile.ZipFile(bundle) as zipped:
        infos = {i.filename: i for i in zipped.infolist()}
        requirements = zipped.read("requirements.txt").decode()
        setup = zipped.read("setup.sh").decode()
        manifest = json.loads(zipped.read("bundle.json"))
    wheels = [n for n in infos if n.endswith(".whl")]
    assert len(wheels) == 1 and wheels[0].startswith("backprop_grader-"), wheels
    assert set(infos) == {"setup.sh", "run_autograder", "bundle.json", "requirements.txt", wheels[0],
                          "rubric/recitation5.yaml", "rubric/recitation5_reference.py"}
    for script in ("setup.sh", "run_autograder"):
        assert (infos[script].external_attr >> 16) & 0o777 == 0o755, script
    pins = [line for line in requirements.splitlines() if line and not line.startswith("#")]
    assert pins == [f"{name}=={metadata.version(name)}"
                    for name in ("numpy", "PyYAML", "jsonschema", "rich", "threadpoolctl")]
    assert "@TESTED_PYTHON@" not in setup and f'tested="{sys.version_info.major}.{sys.version_info.minor}"' in setup
    assert manifest["rubric"] == "rubric/recitation5.yaml" and manifest["wheel"] == wheels[0]


def test_the_bundles_scripts_pass_shellcheck(bundle, tmp_path):
    need(shutil.which("shellcheck") is not None, "shellcheck is not installed (.ci/run installs it)")
    unpack(bundle, tmp_path)
    done = subprocess.run(["shellcheck", "setup.sh", "run_autograder"], cwd=tmp_path, capture_output=True,
                          text=True)
    assert done.returncode == 0, done.stdout


def test_an_invalid_rubric_is_refused_before_building(tmp_path):
    shutil.copy(RUBRICS / "recitation5_reference.py", tmp_path)
    broken = tmp_path / "recitation5.yaml"
    broken.write_text(R5.read_text(encoding="utf-8").replace("points: 2", "points: two", 1), encoding="utf-8")
    result = run_grade("gradescope", broken, "-o", tmp_path / "autograder.zip")
    assert result.returncode == 2, result.stderr
    assert re.search(rf"grade gradescope: error: {re.escape(str(broken))}:\d+: questions\[0\]\.parts\[0\]\.points",
                     result.stderr), result.stderr
    assert "Traceback" not in result.stderr and not (tmp_path / "autograder.zip").exists()


def test_a_reference_elsewhere_keeps_its_relative_path_and_samples_stay_out(bundle, tmp_path):
    course = tmp_path / "course"
    for folder in ("rubrics", "refs", "samples/r5"):
        (course / folder).mkdir(parents=True)
    shutil.copy(RUBRICS / "recitation5_reference.py", course / "refs")
    shutil.copy(SAMPLES / "recitation5" / "correct.py", course / "samples" / "r5")
    text = R5.read_text(encoding="utf-8").replace("reference: recitation5_reference.py",
                                                  "reference: ../refs/recitation5_reference.py\nsamples: ../samples/r5")
    (course / "rubrics" / "r5.yaml").write_text(text, encoding="utf-8")
    with zipfile.ZipFile(bundle) as zipped:
        wheel = next(n for n in zipped.namelist() if n.endswith(".whl"))
        zipped.extract(wheel, tmp_path)
    result = run_grade("gradescope", course / "rubrics" / "r5.yaml", "-o", tmp_path / "r5.zip",
                       "--wheel", tmp_path / wheel)
    assert result.returncode == 0, result.stderr
    unpack(tmp_path / "r5.zip", tmp_path / "unpacked")
    names = {p.relative_to(tmp_path / "unpacked").as_posix() for p in (tmp_path / "unpacked").rglob("*")}
    assert {"rubric/rubrics/r5.yaml", "rubric/refs/recitation5_reference.py", "rubric/samples/r5"} <= names
    assert not [n for n in names if n.endswith("correct.py")]
    assert json.loads((tmp_path / "unpacked" / "bundle.json").read_text())["rubric"] == "rubric/rubrics/r5.yaml"
    copy = load_rubric(tmp_path / "unpacked" / "rubric" / "rubrics" / "r5.yaml", use_cache=False)
    assert copy.reference == (tmp_path / "unpacked" / "rubric" / "refs" / "recitation5_reference.py").resolve()


def test_setup_installs_the_wheel_and_leaves_the_source_to_root(installed):
    probe = subprocess.run([str(installed.python), "-c", "import grader, importlib.metadata as m; "
                            "print(grader.__file__); print(m.version('backprop-grader'))"],
                           capture_output=True, text=True, cwd="/", check=True)
    where, version = probe.stdout.split()
    assert Path(where).is_relative_to(installed.venv) and version == grader.__version__
    source = installed.tree.source
    assert (source / "installed-python").read_text().strip() == str(installed.python)
    assert_root_only(source)


def assert_root_only(source: Path) -> None:
    assert stat.S_IMODE(source.stat().st_mode) == 0o700
    for path in [source, *source.rglob("*")]:
        assert stat.S_IMODE(path.lstat().st_mode) & 0o077 == 0, path
    for name in ("recitation5.yaml", "recitation5_reference.py"):
        assert stat.S_IMODE((source / "rubric" / name).stat().st_mode) == 0o600


# --------------------------------------------------------------------------- graded submissions


def test_a_correct_file_under_any_name_gets_full_marks(tree):
    submit(tree, {"hw5 final (2).py": SAMPLES / "recitation5" / "correct.py"})
    document = graded(run_autograder(tree))
    assert document["score"] == full_marks(document) == 16
    assert_root_only(tree.source)


def test_a_wrong_submission_loses_points_with_the_reasons(tree):
    submit(tree, {"backprop.py": SAMPLES / "recitation5" / "sign_error.py"})
    document = graded(run_autograder(tree))
    failed = {t["number"]: t for t in document["tests"] if t["status"] == "failed"}
    assert set(failed) == {"4.2a", "4.2b", "4.3a", "4.3b"}
    assert "wrong sign" in failed["4.3b"]["output"]
    assert document["score"] == full_marks(document) - 6


def test_a_syntax_error_is_graded_zero_not_could_not_grade(tree):
    submit(tree, {"submission.py": SAMPLES / "recitation5" / "syntax_error.py"})
    document = graded(run_autograder(tree))
    assert document["score"] == 0 and "SyntaxError" in document["output"]


def test_two_files_with_any_names_import_each_other(tree):
    """The helper's functions are renamed, so only my_backprop.py defines the rubric's: the entry module."""
    correct = (SAMPLES / "recitation5" / "correct.py").read_text(encoding="utf-8")
    helpers = re.sub(r"\b(forward|backward|chain_rule|d_Ax_dx|linear_regression)\(", r"\1_impl(", correct)
    entry = textwrap.dedent("""
        from net_helpers import forward_impl as forward, backward_impl as backward
        import net_helpers


        def chain_rule(dy_dx, dz_dy):
            return net_helpers.chain_rule_impl(dy_dx, dz_dy)


        def d_Ax_dx(A, x):
            return net_helpers.d_Ax_dx_impl(A, x)


        def linear_regression(X, y):
            return net_helpers.linear_regression_impl(X, y)
        """)
    submit(tree, {"net_helpers.py": helpers.encode(), "my_backprop.py": entry.encode(), "notes.txt": b"not graded\n"})
    document = graded(run_autograder(tree))
    assert document["score"] == full_marks(document) == 16


# --------------------------------------------------------------------------- no grade, still a result


def test_a_broken_rubric_writes_could_not_grade(tree):
    rubric = tree.source / "rubric" / "recitation5.yaml"
    rubric.write_text(rubric.read_text(encoding="utf-8").replace("points: 2", "points: two", 1), encoding="utf-8")
    submit(tree, {"submission.py": SAMPLES / "recitation5" / "correct.py"})
    document = not_graded(run_autograder(tree), "rubric_error")
    assert "questions[0].parts[0].points" in document["extra_data"]["reason"]
    assert "points" not in document["output"] and "rubric" not in document["output"]


def test_a_linked_upload_is_refused_with_the_reason_shown(tree):
    (tree.submission / "submission.py").symlink_to(tree.source / "rubric" / "recitation5_reference.py")
    document = not_graded(run_autograder(tree), "refused")
    assert "submission.py is a symbolic link" in document["output"]
    assert str(tree.root) not in document["output"]


def test_a_full_temporary_folder_writes_could_not_grade(tree):
    submit(tree, {"submission.py": SAMPLES / "recitation5" / "correct.py"})
    tiny = tree.root / "tiny"
    tiny.mkdir()
    document = not_graded(run_in_container(tree, before=f"""
        mount -t tmpfs -o size=64k tmpfs {tiny}
        dd if=/dev/zero of={tiny}/fill bs=1k count=60 2>/dev/null
        """, TMPDIR=str(tiny)), "fault")
    assert "No space left on device" in document["extra_data"]["reason"]
    assert "not a problem with your code" in document["output"]


def test_a_grader_that_cannot_start_still_leaves_a_result(tree):
    (tree.source / "installed-python").write_text("/nonexistent/python\n", encoding="utf-8")
    submit(tree, {"submission.py": SAMPLES / "recitation5" / "correct.py"})
    document = not_graded(run_autograder(tree), "fault")
    assert "status 127" in document["extra_data"]["reason"]


# --------------------------------------------------------------------------- degraded sandbox


def attack(tree: Tree) -> bytes:
    """read_rubric_files.py, told where this tree's rubric lies (besides /autograder/source, which it tries)."""
    text = (SAMPLES / "attacks" / "read_rubric_files.py").read_text(encoding="utf-8")
    hooks = {"repo": str(tree.source / "rubric"), "canary": "/nonexistent", "submission_dir": str(tree.submission),
             "tcp_port": 47011, "udp_port": 47012, "marker": "gsattack"}
    return HOOKS_LINE.sub(lambda _: f"HOOKS = {hooks!r}", text, count=1).encode()


def test_control_the_attack_reads_a_world_readable_source_in_the_degraded_container(tree):
    """Without run_autograder's permissions the attack wins here: the test below is not vacuous."""
    submit(tree, {"attack.py": attack(tree)})
    python = (tree.source / "installed-python").read_text().strip()
    command = [python, "-m", "grader", str(tree.submission / "attack.py"),
               "--rubric", str(tree.source / "rubric" / "recitation5.yaml"), "--format", "json"]
    done = in_container(tree, command, gradescope_env(tree, GRADER_TEST_DISABLE_LAYERS=DEGRADED))
    document = json.loads(done.stdout)
    assert "SUCCESS: read the reference" in document["output"], document["output"]
    assert document["score"] == 16


def test_in_the_degraded_container_the_attack_scores_no_more_than_an_empty_submission(tree):
    submit(tree, {"attack.py": attack(tree)})
    stolen = graded(run_in_container(tree, GRADER_TEST_DISABLE_LAYERS=DEGRADED))
    (tree.submission / "attack.py").write_bytes(EMPTY)
    empty = graded(run_in_container(tree, GRADER_TEST_DISABLE_LAYERS=DEGRADED))
    (tree.submission / "attack.py").write_bytes((SAMPLES / "recitation5" / "correct.py").read_bytes())
    correct = graded(run_in_container(tree, GRADER_TEST_DISABLE_LAYERS=DEGRADED))
    assert correct["score"] == 16, "the degraded sandbox should still grade"
    warnings = " ".join(correct["extra_data"]["warnings"])
    assert "mount namespace" in warnings and "landlock" in warnings, warnings
    assert stolen["score"] <= empty["score"], stolen["output"]
    assert "read the reference" not in stolen["output"] and str(tree.source) not in stolen["output"]


# --------------------------------------------------------------------------- hidden parts


def with_visibility(text: str, part_titles: dict[str, str]) -> str:
    """The rubric with ``visibility:`` added to the parts whose title starts as given."""
    for title, visibility in part_titles.items():
        line = next(l for l in text.splitlines() if l.strip().startswith(f'title: "{title}'))
        indent = line[: len(line) - len(line.lstrip())]
        text = text.replace(line + "\n", f"{line}\n{indent}visibility: {visibility}\n", 1)
    return text


def test_no_hidden_part_reaches_a_field_students_see(tree):
    rubric = tree.source / "rubric" / "recitation5.yaml"
    rubric.write_text(with_visibility(rubric.read_text(encoding="utf-8"), {
        "Closed-form linear regression": "hidden",  # 1/8
        "ℓ = ½(ŷ − y)²": "after_published",  # 2/loss
        "Vector form: ∂ℓ/∂α": "after_due_date",  # 4/3b
    }), encoding="utf-8")
    submit(tree, {"submission.py": SAMPLES / "recitation5" / "no_intercept.py"})
    document = graded(run_autograder(tree))
    tests = {t["number"]: t for t in document["tests"]}
    assert {n: tests[n]["visibility"] for n in ("1.8", "2.loss", "4.3b")} == {
        "1.8": "hidden", "2.loss": "after_published", "4.3b": "after_due_date"}
    withheld = [t for t in document["tests"] if t["visibility"] != "visible"]
    assert all(t["score"] < t["max_score"] for t in withheld), "the sample should lose points on every withheld part"
    shown = [t for t in document["tests"] if t["visibility"] == "visible"]
    visible_text = "\n".join([document["output"]] + [t["name"] + "\n" + t["output"] for t in shown])
    declared = "Xᵀy has the shape of θ but is not the solution"
    assert declared in tests["1.8"]["output"] and declared not in visible_text
    for test in withheld:
        title = test["name"].split(") ", 1)[1]
        assert title not in document["output"], title
        assert not [line for line in test["output"].splitlines() if line and line in document["output"]]
    score, most = sum(t["score"] for t in shown), sum(t["max_score"] for t in shown)
    first = document["output"].splitlines()[0]
    assert first == f"Recitation 5: Neural Networks: {score:g} / {most:g}", first
    assert most < full_marks(document) and f"/ {full_marks(document):g}" not in document["output"]
    assert document["score"] == sum(t["score"] for t in document["tests"]), "score is the whole grade"
