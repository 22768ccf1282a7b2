"""``grade`` in CI, as a course's workflow runs it: JUnit and Markdown reports, and GitHub Actions simulated
(annotations, the job summary, Classroom's result in $GITHUB_OUTPUT), including a submission that tries
to issue workflow commands through its output."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import xmlschema

from helpers import REPO, RUBRICS, SAMPLES, run_grade
from test_ci_reports import parse_command, runner_commands

pytestmark = pytest.mark.sandbox  # every test runs `grade`

XSD = xmlschema.XMLSchema(str(Path(__file__).parent / "schemas" / "junit-10.xsd"))

INJECTING = '''\
"""Prints workflow commands and raises with them, hoping the CI runner obeys."""
import sys
import numpy as np

print("::error file=README.md,line=1::forged at import")
print("::set-output name=result::Zm9yZ2Vk", file=sys.stderr)
print("  ::add-mask::secret\\n##[error]old style")


def partials(w, x, y, z, c):
    print("%0A::warning::percent-encoded\\r::notice::carriage")
    raise ValueError("wrong\\n::error title=forged::from an exception\\n::stop-commands::x")


def forward(W0, b0, W1, b1, x):
    z = 1 / (1 + np.exp(-(W0 @ x + b0)))
    return z, (W1 @ z).item() + b1


def gradients(W0, b0, W1, b1, x):
    z, _ = forward(W0, b0, W1, b1, x)
    delta = W1.ravel() * z * (1 - z)
    return z.reshape(1, -1), 1.0, W1.ravel(), np.outer(delta, x).T, delta


def compose_jacobian(Jf, Jg):
    return Jf @ Jg
'''


def github_env(tmp_path: Path) -> dict[str, str]:
    """The variables a GitHub Actions step sees (files in tmp_path; the workspace is the repository)."""
    return {"GITHUB_ACTIONS": "true", "CI": "true", "GITHUB_WORKSPACE": str(REPO),
            "GITHUB_OUTPUT": str(tmp_path / "output"), "GITHUB_STEP_SUMMARY": str(tmp_path / "summary.md")}


def read_outputs(path: Path) -> dict[str, str]:
    outputs = {}
    lines = iter(path.read_text().splitlines())
    for line in lines:
        if "<<" in line and "=" not in line.split("<<")[0]:
            name, delimiter = line.split("<<", 1)
            outputs[name] = "\n".join(iter(lambda: next(lines), delimiter))
        else:
            name, value = line.split("=", 1)
            outputs[name] = value
    return outputs


def test_junit_report_of_a_sample_validates(tmp_path):
    out = tmp_path / "report.xml"
    result = run_grade(SAMPLES / "ps5" / "transposed.py", "--rubric", RUBRICS / "ps5.yaml", "--format", "junit",
                       "-o", out)
    assert result.returncode == 1, result.stderr
    XSD.validate(str(out))
    data = XSD.to_dict(str(out))
    cases = [c for s in data["testsuite"] for c in s["testcase"]]
    assert len(cases) == 19
    failed = [c for c in cases if "failure" in c]
    assert failed and all(c["failure"][0]["@message"][0].isdigit() for c in failed)
    assert int(data["@failures"]) == len(failed)


def test_markdown_report_goes_to_stdout():
    result = run_grade(SAMPLES / "ps5" / "correct.py", "--rubric", RUBRICS / "ps5.yaml", "--format", "markdown")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("## ✅ Problem Set 5: Backpropagation: 22 / 22 (100.0%)")


def test_in_github_actions_annotations_summary_and_classroom_result(tmp_path):
    env = github_env(tmp_path)
    sample = SAMPLES / "ps5" / "missing_sigma_prime.py"
    result = run_grade(sample, "--rubric", RUBRICS / "ps5.yaml", env=env)
    assert result.returncode == 1, result.stderr
    commands = [parse_command(line) for line in runner_commands(result.stdout)]
    assert commands and all(name == "error" for name, _, _ in commands)
    line_of_gradients = next(i for i, text in enumerate(sample.read_text().splitlines(), 1)
                             if text.startswith("def gradients("))
    locations = {(props["file"], props.get("line")) for _, props, _ in commands}
    assert locations == {("sample_submissions/ps5/missing_sigma_prime.py", str(line_of_gradients))}
    assert any("σ′ factor" in message for _, _, message in commands)
    summary = (tmp_path / "summary.md").read_text()
    assert summary.startswith("## ❌ Problem Set 5: Backpropagation: 16 / 22")
    outputs = read_outputs(tmp_path / "output")
    assert set(outputs) == {"result", "score", "max-score"}
    document = json.loads(base64.b64decode(outputs["result"]))
    assert document["version"] == 1 and document["status"] == "fail" and document["max_score"] == 22
    assert sum(t["score"] for t in document["tests"]) == 16 == float(outputs["score"])
    assert {t["line_no"] for t in document["tests"] if t["status"] == "fail"} == {line_of_gradients}


def test_machine_readable_stdout_keeps_workflow_commands_on_stderr(tmp_path):
    result = run_grade(SAMPLES / "ps5" / "transposed.py", "--rubric", RUBRICS / "ps5.yaml", "--format", "json",
                       env=github_env(tmp_path))
    assert result.returncode == 1
    json.loads(result.stdout)  # Gradescope's document, untouched
    assert runner_commands(result.stderr)


def test_student_output_cannot_issue_workflow_commands(tmp_path):
    submission = tmp_path / "work" / "submission.py"
    submission.parent.mkdir()
    submission.write_text(INJECTING)
    result = run_grade(submission, "--rubric", RUBRICS / "ps5.yaml", env=github_env(tmp_path))
    assert result.returncode == 1, result.stderr
    assert "forged at import" in result.stdout  # the student sees what they printed ...
    ours = [parse_command(line) for line in runner_commands(result.stdout + result.stderr)]
    assert ours and all(name == "error" and props.get("file") == str(submission) for name, props, _ in ours)
    for _, props, message in ours:  # ... and every command is one of ours, whole, on its own line
        assert "title" in props and message
    summary = (tmp_path / "summary.md").read_text()
    assert runner_commands(summary) == [] and "forged at import" in summary
    outputs = read_outputs(tmp_path / "output")
    assert set(outputs) == {"result", "score", "max-score"}
    document = json.loads(base64.b64decode(outputs["result"]))
    for test in document["tests"]:
        assert runner_commands(test["message"]) == [] and runner_commands(test["name"]) == []
    assert any("from an exception" in t["message"] for t in document["tests"])


def test_a_syntax_error_is_annotated_at_its_line(tmp_path):
    submission = tmp_path / "work" / "submission.py"
    submission.parent.mkdir()
    submission.write_text("import numpy as np\n\n\ndef partials(w, x, y, z, c)\n    return 0\n")
    result = run_grade(submission, "--rubric", RUBRICS / "ps5.yaml", env=github_env(tmp_path))
    assert result.returncode == 1
    (command,) = runner_commands(result.stdout)
    _, props, message = parse_command(command)
    assert props["line"] == "4" and "SyntaxError" in message


def test_the_hidden_parts_stay_out_of_every_ci_output(tmp_path):
    rubric_dir = tmp_path / "course"
    rubric_dir.mkdir()
    text = (RUBRICS / "ps5.yaml").read_text()
    marker = 'title: "∂y/∂W⁽⁰⁾ = [W⁽¹⁾ ∘ z ∘ (1 − z)] xᵀ, shape h×d"'
    assert marker in text
    text = text.replace(marker, 'title: "SECRET-TITLE"\n        visibility: hidden')
    (rubric_dir / "ps5.yaml").write_text(text)
    shutil.copy(RUBRICS / "ps5_reference.py", rubric_dir)
    env = github_env(tmp_path)
    sample = SAMPLES / "ps5" / "missing_sigma_prime.py"  # loses points on the hidden part too
    outputs = {fmt: run_grade(sample, "--rubric", rubric_dir / "ps5.yaml", "--format", fmt, env=env)
               for fmt in ("text", "junit", "markdown")}
    seen = "\n".join(r.stdout + r.stderr for r in outputs.values())
    seen += (tmp_path / "summary.md").read_text()
    document = base64.b64decode(read_outputs(tmp_path / "output")["result"]).decode()
    for text in (seen, document):
        assert "SECRET-TITLE" not in text and "d-W0" not in text.replace("2.1/d-W0", "")
    assert "2.1/d-W0" in outputs["text"].stdout and "graded after submission" in outputs["text"].stdout
    assert "16 / 20" in outputs["text"].stdout  # 16 / 22 less the hidden part's 0 / 2
    staff = run_grade(sample, "--rubric", rubric_dir / "ps5.yaml", "--audience", "staff")
    assert "SECRET-TITLE" in staff.stdout and "16 / 22" in staff.stdout


def test_no_grade_is_a_classroom_error_result_not_a_zero(tmp_path):
    """A fault of ours (here a full temporary folder) gives Classroom status `error`, never a score of 0."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    exports = " ".join(f"{k}={v}" for k, v in github_env(tmp_path).items())
    script = f"""
        mount -t tmpfs -o size=64k tmpfs {mount}
        dd if=/dev/zero of={mount}/fill bs=1k count=60 2>/dev/null
        set +e
        env {exports} TMPDIR={mount} {sys.executable} -m grader {SAMPLES / 'ps5' / 'correct.py'} \\
            --rubric {RUBRICS / 'ps5.yaml'}
        echo "exit=$?"
    """
    clean = {k: v for k, v in os.environ.items() if k != "TMPDIR" and not k.startswith("GITHUB_")}
    result = subprocess.run(["unshare", "-m", "sh", "-ec", script], cwd=REPO, capture_output=True, text=True,
                            timeout=180, env=clean)
    assert "exit=3" in result.stdout.split(), result.stdout + result.stderr
    (command,) = runner_commands(result.stderr)
    assert parse_command(command)[1]["title"] == "could not grade (not the submission's fault)"
    document = json.loads(base64.b64decode(read_outputs(tmp_path / "output")["result"]))
    assert document["status"] == "error" and document["max_score"] == 0
    assert document["tests"][0]["status"] == "error" and "could not grade" in document["tests"][0]["message"]
