"""Hostile submissions (sample_submissions/attacks/) graded through the CLI, as a student's upload would be.

Every attack is graded twice at once, as text and as Gradescope JSON, with a secret in the
grader's environment, a canary folder and loopback TCP/UDP listeners owned by the test. The
common battery then asserts that the grader survived and was not fooled:

- exit status 1 (not 2 or 3), nothing on the grader's stderr, a full report in both formats;
- a score no higher than the do-nothing stub's, in the JSON and on the report's score line;
- finished within the time limits;
- the canary folder, rubrics/ and the grader's temporary folder as they should be, and no
  file with the attack's marker in its name anywhere it tried to write;
- nothing reached the listeners; the secret appears in neither report;
- no process carrying the attack's marker survives;
- no terminal control character in the report; nothing the attack printed as "SUCCESS:".

Attack files contain one line ``HOOKS = {...}`` that this module rewrites with the paths,
ports and marker of the run (the defaults let a person grade the file by hand).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import select
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from helpers import REPO, RUBRICS, SAMPLES

pytestmark = [pytest.mark.sandbox,
              pytest.mark.skipif(sys.platform != "linux", reason="the attacks and their checks need Linux /proc")]

ATTACKS = SAMPLES / "attacks"
R5 = RUBRICS / "recitation5.yaml"
HARD_TIMEOUT = 120  # seconds: a hung grader is killed and the test fails
HOOKS_LINE = re.compile(r"^HOOKS = \{.*?\}$", re.M | re.S)
SCORE_LINE = re.compile(r"\s([\d.]+) / ([\d.]+)\s+\([\d.]+%\)")  # the header: "Title   0 / 16  (0.0%)"
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
# The shorter limits some denial-of-service attacks are graded with (a copy of the rubric).
FAST_DEFAULTS = {"call_timeout": "0.5", "total_timeout": "6", "random_cases": "3"}

# Layers named in `grade doctor` (grader.sandbox.isolation's names).
NAMESPACES = "user+net+ipc+uts namespaces"
PID_NAMESPACE = "pid namespace"
PIDS_CGROUP = "pids cgroup"
READ_ONLY = "read-only mounts"
SCRATCH_TMPFS = "scratch tmpfs"
HIDDEN = "hidden paths"
FRESH_PROC = "fresh /proc"
RLIMITS = "rlimits"
LANDLOCK = "landlock"
SECCOMP = "seccomp"


@dataclass(frozen=True)
class Attack:
    name: str
    needs: tuple[str, ...] = ()  # skipped (with the reason) unless one of these layers is active
    fast: bool = False  # graded with FAST_DEFAULTS (a copy of the rubric) to keep the suite quick
    imports: bool = True  # the submission imports (so "died while being imported" would be the grader's fault)
    max_seconds: float = 30.0
    extra: tuple = ()  # further checks: callables (run) -> None
    danger: str = ""  # why it must not run without the layers in `needs`


def _scratch_capped(run: "Run") -> None:
    match = re.search(r"scratch total: (\d+) MB", run.json_output)
    assert match, "dos_giant_files did not report what it wrote in scratch"
    assert int(match.group(1)) <= 64 + 16, f"wrote {match.group(1)} MB in scratch: the tmpfs cap did not hold"


def _forks_refused(run: "Run") -> None:
    match = re.search(r"forked (\d+) before refusal", run.json_output)
    assert match and int(match.group(1)) < 64, f"the fork bomb was not refused below 64 tasks: {match and match[0]}"


def _output_capped(run: "Run") -> None:
    assert "truncated" in run.text, "300 MB of output should be shown truncated"


def _reports_small(run: "Run") -> None:
    assert len(run.text) < 256_000 and len(run.json_text) < 256_000, (len(run.text), len(run.json_text))


ATTACK_LIST = [
    # reading the answers
    Attack("read_memory"),
    Attack("read_rubric_files", needs=(HIDDEN, LANDLOCK)),
    Attack("read_other_students", needs=(LANDLOCK,)),
    Attack("read_proc", needs=(PID_NAMESPACE, FRESH_PROC)),
    # forging the result
    Attack("forge_stdout_json"),
    Attack("forge_report_markup"),
    Attack("forge_result_channel", fast=True, max_seconds=20),
    Attack("forge_result_channel_import"),
    Attack("forge_exit_import", imports=False),
    Attack("forge_os_exit_import", imports=False),
    Attack("forge_exit_in_call"),
    Attack("forge_monkeypatch"),
    Attack("forge_lying_objects"),
    Attack("forge_huge_results", fast=True, max_seconds=20),
    # denial of service
    Attack("dos_import_loop", fast=True, imports=False, max_seconds=20),
    Attack("dos_sigterm_loop", fast=True, max_seconds=20),
    Attack("dos_threads", fast=True, max_seconds=20),
    Attack("dos_sleep", fast=True, max_seconds=20),
    Attack("dos_memory_bomb", needs=(RLIMITS,)),
    Attack("dos_fork_bomb", needs=(PID_NAMESPACE,), extra=(_forks_refused,)),
    Attack("dos_fork_memory", needs=(PID_NAMESPACE,)),  # its aggregate memory: test_memory_limit_spans_processes
    Attack("dos_giant_files", needs=(SCRATCH_TMPFS,), extra=(_scratch_capped,)),
    Attack("dos_output_flood", needs=(RLIMITS,), extra=(_output_capped, _reports_small)),
    Attack("dos_deep_recursion", fast=True, max_seconds=20),
    Attack("dos_ctypes_segfault", fast=True, max_seconds=20),
    # escaping
    Attack("escape_write_files", needs=(READ_ONLY, LANDLOCK)),
    Attack("escape_network", needs=(NAMESPACES, SECCOMP, LANDLOCK)),
    Attack("escape_env_secrets", needs=(FRESH_PROC, LANDLOCK)),
    # killing the grader
    Attack("kill_grader", needs=(PID_NAMESPACE,),
           danger="its kill(-1, SIGKILL) would kill every process of the grader's user (this test run included)"),
]
BY_NAME = {a.name: a for a in ATTACK_LIST}


# --------------------------------------------------------------------------- helpers


def grader_env(**extra: str) -> dict[str, str]:
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "120", **extra}
    env.pop("FORCE_COLOR", None)
    env.pop("GRADER_DEBUG", None)
    return env


def tree_digest(root: Path) -> dict[str, tuple]:
    """Every entry under root: kind, mode, size, content hash and mtime (a change in any shows)."""
    digest = {}
    for path in sorted(root.rglob("*")):
        info = path.lstat()
        content = hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() and not path.is_symlink() else ""
        digest[str(path.relative_to(root))] = (info.st_mode, info.st_size, content, info.st_mtime_ns)
    return digest


def processes_with(marker: str) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            if marker.encode() in (entry / "cmdline").read_bytes() or marker in (entry / "comm").read_text():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def marker_files(marker: str, *extra_roots: Path) -> list[str]:
    roots = [Path("/tmp"), Path("/var/tmp"), Path("/dev/shm"), Path.home(), Path("/"), REPO, RUBRICS, REPO / "grader",
             REPO / "tests", ATTACKS]
    found = [str(p) for root in roots if root.is_dir() for p in root.glob(f"*{marker}*")]
    return found + [str(p) for root in extra_roots for p in root.rglob(f"*{marker}*")]


class Listeners:
    """A TCP and a UDP socket on 127.0.0.1, recording whatever reaches them."""

    def __init__(self) -> None:
        self.tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.tcp.bind(("127.0.0.1", 0))
        self.tcp.listen(16)
        self.udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.udp.bind(("127.0.0.1", 0))
        self.received: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    @property
    def ports(self) -> tuple[int, int]:
        return self.tcp.getsockname()[1], self.udp.getsockname()[1]

    def _serve(self) -> None:
        while not self._stop.is_set():
            ready, _, _ = select.select([self.tcp, self.udp], [], [], 0.1)
            for sock in ready:
                if sock is self.tcp:
                    conn, peer = self.tcp.accept()
                    conn.settimeout(0.5)
                    try:
                        data = conn.recv(200)
                    except OSError:
                        data = b""
                    conn.close()
                    self.received.append(f"TCP connection from {peer}: {data!r}")
                else:
                    data, peer = self.udp.recvfrom(65536)
                    self.received.append(f"UDP datagram from {peer}: {data[:200]!r}")

    def close(self) -> list[str]:
        time.sleep(0.2)  # anything still in flight
        self._stop.set()
        self._thread.join(5)
        self.tcp.close()
        self.udp.close()
        return self.received


def run_cli(args: list, env: dict[str, str], timeout: float = HARD_TIMEOUT) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "grader", *map(str, args)], cwd=REPO, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True)


def finish(process: subprocess.Popen, deadline: float) -> tuple[str, str]:
    try:
        return process.communicate(timeout=max(0.1, deadline - time.monotonic()))
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.communicate()
        pytest.fail(f"the grader did not finish within {HARD_TIMEOUT} s: {process.args}")


@dataclass
class Run:
    """One attack graded as text and as JSON, and everything observed around it."""

    attack: Attack
    rubric: Path
    seconds: float
    text: str
    text_stderr: str
    text_code: int
    json_text: str
    json_stderr: str
    json_code: int
    document: dict | None
    token: str
    marker: str
    received: list[str]
    survivors: list[int]
    canary_before: dict
    canary_after: dict
    rubrics_before: dict
    rubrics_after: dict
    leftovers: list[str]
    marker_paths: list[str]
    work: Path = field(repr=False, default=Path("."))

    @property
    def json_output(self) -> str:
        return (self.document or {}).get("output", "")


def fast_rubric(folder: Path) -> Path:
    """A copy of recitation5.yaml (and its reference) with FAST_DEFAULTS."""
    folder.mkdir(parents=True, exist_ok=True)
    text = R5.read_text(encoding="utf-8")
    for key, value in FAST_DEFAULTS.items():
        text, count = re.subn(rf"^(  {key}:) .*$", rf"\g<1> {value}", text, flags=re.M)
        assert count == 1, f"rubric default {key} not found"
    (folder / R5.name).write_text(text, encoding="utf-8")
    shutil.copy(RUBRICS / "recitation5_reference.py", folder)
    return folder / R5.name


def grade_attack(attack: Attack, work: Path, rubric: Path) -> Run:
    """Grade one attack (text and JSON at once) with the canary, listeners, secret and marker in place."""
    token = f"s3cret-{uuid.uuid4().hex}"
    marker = f"atk{uuid.uuid4().hex[:10]}"  # short enough for a process name (comm: 15 characters)
    submissions, canary, grader_tmp = work / "submissions", work / "canary", work / "grader-tmp"
    for folder in (submissions, canary / "sub", grader_tmp):
        folder.mkdir(parents=True)
    (canary / "secret.txt").write_text(f"GRADER_CI_TOKEN={token}\n")
    (canary / "notes.txt").write_text("the canary: nothing here may change\n")
    (canary / "sub" / "deep.txt").write_text("deeper\n")
    correct = (SAMPLES / "recitation5" / "correct.py").read_text()
    (submissions / "secret_other_student.py").write_text(f"# another student's work; token {token}\n{correct}")

    listeners = Listeners()
    tcp_port, udp_port = listeners.ports
    hooks = {"repo": str(REPO), "canary": str(canary), "submission_dir": str(submissions), "tcp_port": tcp_port,
             "udp_port": udp_port, "marker": marker}
    source = (ATTACKS / f"{attack.name}.py").read_text(encoding="utf-8")
    source = HOOKS_LINE.sub(lambda _: "HOOKS = " + json.dumps(hooks), source)
    submission = submissions / f"{attack.name}.py"
    submission.write_text(source, encoding="utf-8")

    canary_before, rubrics_before = tree_digest(canary), tree_digest(RUBRICS)
    env = grader_env(GRADER_CI_TOKEN=token, TMPDIR=str(grader_tmp))
    started = time.monotonic()
    deadline = started + HARD_TIMEOUT
    try:
        text_run = run_cli([submission, "--rubric", rubric], env)
        json_run = run_cli([submission, "--rubric", rubric, "--format", "json"], env)
        text, text_stderr = finish(text_run, deadline)
        json_text, json_stderr = finish(json_run, deadline)
        seconds = time.monotonic() - started
    finally:
        received = listeners.close()
        survivors = _reap_marked(marker)
    try:
        document = json.loads(json_text)
    except ValueError:
        document = None
    return Run(attack, rubric, seconds, text, text_stderr, text_run.returncode, json_text, json_stderr,
               json_run.returncode, document, token, marker, received, survivors, canary_before, tree_digest(canary),
               rubrics_before, tree_digest(RUBRICS), sorted(p.name for p in grader_tmp.iterdir()),
               marker_files(marker, work), work)


def _reap_marked(marker: str) -> list[int]:
    """Processes still carrying the marker after a short grace period; they are killed (and reported)."""
    deadline = time.monotonic() + 2
    while (survivors := processes_with(marker)) and time.monotonic() < deadline:
        time.sleep(0.05)
    for pid in survivors:
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    return survivors


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def layers() -> dict[str, bool]:
    """Which sandbox layers `grade doctor` reports active here."""
    result = subprocess.run([sys.executable, "-m", "grader", "doctor"], cwd=REPO, env=grader_env(COLUMNS="250"),
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    found = {}
    for line in result.stdout.splitlines():
        cells = [c.strip() for c in line.split("│")]
        if len(cells) >= 4 and cells[1] and cells[2] in ("yes", "no"):
            found[cells[1]] = cells[2] == "yes"
    assert PID_NAMESPACE in found and LANDLOCK in found, f"cannot read `grade doctor`:\n{result.stdout}"
    return found


@pytest.fixture(scope="module")
def baseline(tmp_path_factory) -> dict:
    """The do-nothing stub's grade: the score no attack may beat and the report's shape."""
    folder = tmp_path_factory.mktemp("stub")
    stub = subprocess.run([sys.executable, "-m", "grader", "stub", "--rubric", R5], cwd=REPO, env=grader_env(),
                          capture_output=True, text=True, timeout=60)
    assert stub.returncode == 0, stub.stderr
    path = folder / "stub.py"
    path.write_text(stub.stdout)
    env, deadline = grader_env(), time.monotonic() + HARD_TIMEOUT
    text_run = run_cli([path, "--rubric", R5], env)
    json_run = run_cli([path, "--rubric", R5, "--format", "json"], env)
    text, _ = finish(text_run, deadline)
    json_text, _ = finish(json_run, deadline)
    document = json.loads(json_text)
    assert text_run.returncode == json_run.returncode == 1 and document["score"] == 0
    return {"score": document["score"], "numbers": [t["number"] for t in document["tests"]],
            "max_score": sum(t["max_score"] for t in document["tests"]),
            "questions": [line.split("  ")[0] for line in text.splitlines() if line.startswith("Question ")]}


@pytest.fixture(scope="module")
def fast_rubric_path(tmp_path_factory) -> Path:
    return fast_rubric(tmp_path_factory.mktemp("fast-rubric"))


def require(layers: dict[str, bool], attack: Attack) -> None:
    if attack.needs and not any(layers.get(name) for name in attack.needs):
        why = f"; without it {attack.danger}" if attack.danger else ""
        pytest.skip(f"{attack.name}: `grade doctor` shows none of the layers that stop it active here "
                    f"({', '.join(attack.needs)}){why}")


# --------------------------------------------------------------------------- the battery


def test_every_attack_file_is_tested():
    files = {p.stem for p in ATTACKS.glob("*.py")}
    assert files == set(BY_NAME), f"untested: {sorted(files - set(BY_NAME))}; missing: {sorted(set(BY_NAME) - files)}"
    listed = (ATTACKS / "README.md").read_text(encoding="utf-8")
    assert all(f"{name}.py" in listed for name in files), "every attack is described in attacks/README.md"


@pytest.mark.parametrize("attack", ATTACK_LIST, ids=lambda a: a.name)
def test_attack_is_graded_and_contained(attack, layers, baseline, fast_rubric_path, tmp_path):
    require(layers, attack)
    run = grade_attack(attack, tmp_path, fast_rubric_path if attack.fast else R5)
    where = f"{attack.name} (graded with {run.rubric})"

    # the grader survived and graded: exit 1, no traceback, a full report in both formats
    for code, stderr, fmt in ((run.text_code, run.text_stderr, "text"), (run.json_code, run.json_stderr, "json")):
        assert code == 1, f"{where}: {fmt} run exited {code}: {stderr[-2000:]}"
        assert stderr == "", f"{where}: the grader wrote to stderr ({fmt}): {stderr[-2000:]}"
    assert run.document is not None, f"{where}: the JSON report is not JSON: {run.json_text[:500]!r}"
    assert [t["number"] for t in run.document["tests"]] == baseline["numbers"], f"{where}: incomplete JSON report"
    for question in baseline["questions"]:
        assert question in run.text, f"{where}: the text report lacks {question!r}"

    # not fooled: no more points than doing nothing
    assert run.document["score"] <= baseline["score"], f"{where}: scored {run.document['score']}"
    assert all(t["score"] <= 0 for t in run.document["tests"]), f"{where}: a part scored"
    shown = SCORE_LINE.search(run.text)
    assert shown and float(shown.group(1)) <= baseline["score"], f"{where}: report's first score line {shown}"
    assert float(shown.group(2)) == baseline["max_score"]
    assert "SUCCESS:" not in run.text + run.json_text, f"{where}: the attack reports a success:\n{run.text[-3000:]}"

    # within the limits
    assert run.seconds < attack.max_seconds, f"{where}: took {run.seconds:.1f} s"

    # nothing written outside scratch, nothing left behind
    assert run.canary_after == run.canary_before, f"{where}: the canary folder changed"
    assert run.rubrics_after == run.rubrics_before, f"{where}: rubrics/ changed"
    assert run.marker_paths == [], f"{where}: files created outside scratch: {run.marker_paths}"
    assert run.leftovers == [], f"{where}: the grader left temporary files: {run.leftovers}"
    assert run.survivors == [], f"{where}: processes survived the grader: {run.survivors}"

    # no escape, no leak, nothing that rewrites a terminal
    assert run.received == [], f"{where}: the test's listeners were reached: {run.received}"
    for text, fmt in ((run.text, "text"), (run.json_text, "json"), (run.text_stderr + run.json_stderr, "stderr")):
        assert run.token not in text, f"{where}: the secret leaked into the {fmt} output"
    assert not CONTROL.search(run.text), f"{where}: control characters in the text report"
    assert not any(CONTROL.search(t["output"]) for t in run.document["tests"]), f"{where}: control characters (JSON)"

    # a restart after the student's misbehaviour never costs a function that imports
    if attack.imports:
        for test in run.document["tests"]:
            assert "died while being imported" not in test["output"], f"{where}: {test['number']}: {test['output']}"
            assert "sandbox failed to start" not in test["output"], f"{where}: {test['number']}: {test['output']}"
    for check in attack.extra:
        check(run)


def test_memory_limit_spans_processes(layers, tmp_path):
    """dos_fork_memory: four children each fill 1.2 GB; together they must not exceed the sandbox's 2 GB.

    RLIMIT_AS caps each process alone; the memory cgroup caps them together (the out-of-memory killer
    ends the children that go over, so the report may say fewer children or nothing at all)."""
    if not layers.get("memory cgroup"):
        pytest.skip("`grade doctor` shows no memory cgroup here: memory is capped per process only")
    attack = BY_NAME["dos_fork_memory"]
    require(layers, attack)
    run = grade_attack(attack, tmp_path, R5)
    for held, children in re.findall(r"held ([\d.]+) GiB at once in (\d+) child", run.json_output):
        assert float(held) <= 2.0, f"the sandbox held {held} GiB at once in {children} processes"
