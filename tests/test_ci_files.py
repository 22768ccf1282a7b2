"""The ready-made CI: the GitHub Action, the example workflows (GitHub, Classroom, GitLab) and the pre-commit
hook pass actionlint and check-jsonschema (offline, with its vendored schemas), and the action's shell steps
run as they are, with GitHub's variables simulated.

A test that needs a tool installed by .ci/run (shellcheck, git) skips on a laptop without it, and fails
when CI=true."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from helpers import REPO, RUBRICS, SAMPLES, run_grade
from test_ci_cli import read_outputs
from test_ci_reports import parse_command, runner_commands

ACTION = REPO / "action.yml"
WORKFLOWS = sorted((REPO / "examples" / "ci" / "github").glob("*.yml"))
GITLAB = REPO / "examples" / "ci" / "gitlab" / ".gitlab-ci.yml"
HOOKS = REPO / ".pre-commit-hooks.yaml"
BIN = Path(sys.executable).parent


def tool(name: str) -> str:
    """The path of a tool the tests need: skipped without it on a laptop, a failure in CI."""
    found = shutil.which(name) or (str(BIN / name) if (BIN / name).exists() else None)
    if found is None:
        message = f"{name} is not installed (.ci/run installs it)"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return found


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without the CI's own GitHub variables, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GITHUB_")}
    return env | extra


def run(*args, **kwargs) -> subprocess.CompletedProcess:
    kwargs.setdefault("env", clean_env())
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=600, **kwargs)


def action() -> dict:
    return yaml.safe_load(ACTION.read_text())


# -- static checks (no process) -------------------------------------------------------


def test_inputs_reach_the_actions_scripts_only_through_env():
    steps = action()["runs"]["steps"]
    scripts = [s for s in steps if "run" in s]
    assert scripts and all(s["shell"] == "bash" for s in scripts)
    for step in scripts:
        assert "${{" not in step["run"], f"an expression inside run: in step {step['name']!r}"
    grade = next(s for s in scripts if s.get("id") == "grade")
    assert grade["env"]["RUBRIC"] == "${{ inputs.rubric }}" and grade["env"]["SUBMISSION"] == "${{ inputs.file }}"
    assert set(action()["outputs"]) == {"result", "score", "max-score"}


def grade_commands(text: str) -> list[list[str]]:
    """Every `grade ...` command line in a workflow's run: scripts."""
    commands = []
    for line in text.splitlines():
        line = line.strip().removeprefix("- ").removeprefix("run: ")
        if line.startswith("grade "):
            commands.append(shlex.split(line)[1:])
    return commands


@pytest.mark.parametrize("path", [REPO / "examples" / "ci" / "github" / "course-check.yml", GITLAB],
                         ids=lambda p: p.name)
def test_the_examples_call_grade_with_options_it_has(path):
    from grader.commands import check, grade

    commands = grade_commands(path.read_text())
    assert commands
    for args in commands:
        parser = check.build_parser() if args[0] == "check" else grade.build_parser()
        parser.parse_args(args[1:] if args[0] == "check" else args)  # exits (fails the test) on a bad option


def test_the_classroom_example_feeds_the_actions_result_to_the_reporter():
    workflow = yaml.safe_load((REPO / "examples" / "ci" / "github" / "classroom.yml").read_text())
    steps = workflow["jobs"]["run-autograding-tests"]["steps"]
    grader = next(s for s in steps if s.get("uses", "").startswith("your-org/grader@"))
    inputs = action()["inputs"]
    assert set(grader["with"]) <= set(inputs)
    assert {name for name, spec in inputs.items() if spec.get("required")} <= set(grader["with"])
    reporter = next(s for s in steps if "autograding-grading-reporter" in s.get("uses", ""))
    step_id = grader["id"]
    assert reporter["with"]["runners"] == step_id and reporter.get("if") == "always()"
    assert reporter["env"] == {f"{step_id.upper()}_RESULTS": f"${{{{ steps.{step_id}.outputs.result }}}}"}


def test_every_file_is_documented_in_docs_ci_md():
    text = (REPO / "docs" / "ci.md").read_text()
    for path in (ACTION, *WORKFLOWS, GITLAB, HOOKS):
        assert path.relative_to(REPO).as_posix() in text
    for option in ("--strict", "--format junit", "--format markdown", "grade publish", "GITHUB_STEP_SUMMARY",
                   "GITHUB_OUTPUT", "advisory", "--audience"):
        assert option in text


def test_the_pre_commit_manifest_is_valid():
    from pre_commit.clientlib import load_manifest

    (hook,) = load_manifest(str(HOOKS))
    assert hook["id"] == "grade-check" and hook["language"] == "python" and hook["pass_filenames"] is False
    files = re.compile(hook["files"])
    for changed in ("rubrics/ps5.yaml", "rubrics/ps5_reference.py", "sample_submissions/ps5/expected.yaml",
                    "sample_submissions/ps5/sign_error.py"):
        assert files.search(changed)
    assert not files.search("README.md") and not files.search("grader/cli.py")


# -- linters (processes) ---------------------------------------------------------------


@pytest.mark.sandbox
def test_the_example_workflows_pass_actionlint_with_shellcheck():
    tool("shellcheck")  # actionlint checks run: scripts with it when it is on PATH
    result = run(tool("actionlint"), "-no-color", *WORKFLOWS)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.sandbox
def test_actionlint_reads_the_action_through_a_workflow_that_uses_it(tmp_path):
    """actionlint checks a local action's metadata and the inputs a workflow gives it."""
    git = tool("git")
    shutil.copy(ACTION, tmp_path / "action.yml")
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    run(git, "init", "-q", tmp_path)
    workflow = tmp_path / ".github" / "workflows" / "use.yml"
    use = {"on": "push", "permissions": {"contents": "read"}, "jobs": {"grade": {
        "runs-on": "ubuntu-latest", "steps": [
            {"uses": "actions/checkout@v5"},
            {"id": "grade", "uses": "./", "with": {"rubric": "r.yaml", "file": "submission.py", "fail-under": "50",
                                                   "python-version": "3.12"}},
            {"env": {"RESULT": "${{ steps.grade.outputs.result }}"}, "run": 'echo "$RESULT"'}]}}}
    workflow.write_text(yaml.safe_dump(use, sort_keys=False))
    good = run(tool("actionlint"), "-no-color", cwd=tmp_path)
    assert good.returncode == 0, good.stdout + good.stderr
    use["jobs"]["grade"]["steps"][1]["with"]["rubrik"] = "typo.yaml"
    workflow.write_text(yaml.safe_dump(use, sort_keys=False))
    bad = run(tool("actionlint"), "-no-color", cwd=tmp_path)
    assert bad.returncode == 1 and 'input "rubrik" is not defined in action "Grade backprop homework"' in bad.stdout


@pytest.mark.sandbox
@pytest.mark.parametrize("schema, paths", [
    ("vendor.github-workflows", WORKFLOWS),
    ("vendor.github-actions", [ACTION]),
    ("vendor.gitlab-ci", [GITLAB]),
], ids=["workflows", "action", "gitlab"])
def test_check_jsonschema_with_the_vendored_schemas(schema, paths):
    result = run(tool("check-jsonschema"), "--builtin-schema", schema, *paths)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.sandbox
def test_check_jsonschema_rejects_a_broken_action(tmp_path):
    broken = action()
    broken["runs"]["steps"][1].pop("shell")  # a composite step's run needs a shell
    (tmp_path / "action.yml").write_text(yaml.safe_dump(broken))
    result = run(tool("check-jsonschema"), "--builtin-schema", "vendor.github-actions", tmp_path / "action.yml")
    assert result.returncode == 1


@pytest.mark.sandbox
def test_the_actions_scripts_pass_shellcheck(tmp_path):
    for index, step in enumerate(s for s in action()["runs"]["steps"] if "run" in s):
        script = tmp_path / f"step{index}.sh"
        script.write_text("#!/usr/bin/env bash\n" + step["run"])
        result = run(tool("shellcheck"), script)
        assert result.returncode == 0, result.stdout


@pytest.mark.sandbox
def test_the_pre_commit_hook_runs_grade_check(tmp_path):
    from pre_commit.clientlib import load_manifest

    (hook,) = load_manifest(str(HOOKS))
    course = tmp_path / "course"
    (course / "rubrics").mkdir(parents=True)
    for name in ("ps5.yaml", "ps5_reference.py"):
        shutil.copy(RUBRICS / name, course / "rubrics")
    samples = course / "sample_submissions" / "ps5"
    samples.mkdir(parents=True)
    shutil.copy(SAMPLES / "ps5" / "correct.py", samples)
    (samples / "expected.yaml").write_text("correct.py: {}\n")
    command = [*shlex.split(hook["entry"]), *hook["args"]]
    assert command[0] == "grade"
    passed = run(BIN / "grade", *command[1:], cwd=course)
    assert passed.returncode == 0, passed.stdout
    shutil.copy(SAMPLES / "ps5" / "transposed.py", samples)  # a new sample nobody declared
    failed = run(BIN / "grade", *command[1:], cwd=course)
    assert failed.returncode == 1 and "transposed.py (file) is not declared" in " ".join(failed.stdout.split())


# -- the action's steps, run as they are ---------------------------------------------------


def action_checkout(folder: Path) -> Path:
    """What `uses: your-org/grader@v1` checks out: the repository's package (without tests or samples)."""
    for name in ("pyproject.toml", "README.md", "action.yml"):
        shutil.copy(REPO / name, folder / name)
    shutil.copytree(REPO / "grader", folder / "grader", ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    return folder


def run_step(step: dict, inputs: dict[str, str], github: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    """Run a composite step's script with bash, its env: filled in as the runner would."""
    def expand(value: str) -> str:
        value = re.sub(r"\$\{\{\s*inputs\.([\w-]+)\s*\}\}", lambda m: inputs[m.group(1)], str(value))
        return re.sub(r"\$\{\{\s*runner\.temp\s*\}\}", github["RUNNER_TEMP"], value)

    env = clean_env(**github, **{k: expand(v) for k, v in step.get("env", {}).items()})
    return subprocess.run(["bash", "-e", "-c", step["run"]], cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=900)


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """The action's install step, run once: a fresh virtual environment with the grader from the checkout."""
    root = tmp_path_factory.mktemp("action")
    (root / "checkout").mkdir()
    checkout = action_checkout(root / "checkout")
    shims = root / "bin"
    shims.mkdir()
    (shims / "python").symlink_to(sys.executable)  # actions/setup-python puts `python` on PATH
    github = {"GITHUB_ACTIONS": "true", "CI": "true", "GITHUB_ACTION_PATH": str(checkout),
              "RUNNER_TEMP": str(root / "runner-temp"), "PATH": f"{shims}:{os.environ['PATH']}"}
    (root / "runner-temp").mkdir()
    install = next(s for s in action()["runs"]["steps"] if s.get("name") == "Install the grader")
    result = run_step(install, {}, github, root)
    if result.returncode != 0:
        message = f"the action's install step failed (is PyPI reachable?): {result.stderr[-2000:]}"
        if os.environ.get("CI") == "true":
            pytest.fail(message)
        pytest.skip(message)
    return root, github


@pytest.mark.sandbox
def test_the_action_grades_a_submission_with_github_simulated(installed, tmp_path):
    root, github = installed
    workspace = tmp_path / "student"
    (workspace / ".grader").mkdir(parents=True)
    published = run_grade("publish", RUBRICS / "ps5.yaml", "-o", workspace / ".grader")
    assert published.returncode == 0, published.stderr
    shutil.copy(SAMPLES / "ps5" / "sign_error.py", workspace / "submission.py")
    env = dict(github, GITHUB_WORKSPACE=str(workspace), GITHUB_OUTPUT=str(tmp_path / "output"),
               GITHUB_STEP_SUMMARY=str(tmp_path / "summary.md"))
    grade = next(s for s in action()["runs"]["steps"] if s.get("id") == "grade")
    inputs = {"rubric": ".grader/ps5.yaml", "file": "submission.py", "fail-under": "", "python-version": "3.12"}
    lost = run_step(grade, inputs, env, workspace)
    assert lost.returncode == 1, lost.stdout + lost.stderr  # points lost, no --fail-under: the step fails
    commands = [parse_command(line) for line in runner_commands(lost.stdout)]
    assert commands and {props["file"] for _, props, _ in commands} == {"submission.py"}
    outputs = read_outputs(tmp_path / "output")
    assert set(outputs) == {"result", "score", "max-score"}
    assert float(outputs["score"]) < float(outputs["max-score"])
    assert (tmp_path / "summary.md").read_text().startswith("## ❌ Problem Set 5")
    advisory = run_step(grade, dict(inputs, **{"fail-under": "0"}), env, workspace)
    assert advisory.returncode == 0, advisory.stdout + advisory.stderr


@pytest.mark.sandbox
def test_input_values_are_data_never_shell_code(installed, tmp_path):
    root, github = installed
    workspace = tmp_path / "student"
    strange = workspace / "rubric $(touch PWNED) `touch PWNED2`; echo x"
    strange.mkdir(parents=True)
    assert run_grade("publish", RUBRICS / "ps5.yaml", "-o", strange).returncode == 0
    shutil.copy(SAMPLES / "ps5" / "correct.py", workspace / "-h.py")  # looks like an option
    env = dict(github, GITHUB_WORKSPACE=str(workspace), GITHUB_OUTPUT=str(tmp_path / "output"),
               GITHUB_STEP_SUMMARY=str(tmp_path / "summary.md"))
    grade = next(s for s in action()["runs"]["steps"] if s.get("id") == "grade")
    inputs = {"rubric": f"{strange.name}/ps5.yaml", "file": "-h.py", "fail-under": "100"}
    result = run_step(grade, inputs, env, workspace)
    assert result.returncode == 0, result.stdout + result.stderr
    assert not any(workspace.glob("PWNED*")) and not any(tmp_path.glob("PWNED*"))
    assert read_outputs(tmp_path / "output")["score"] == read_outputs(tmp_path / "output")["max-score"]
