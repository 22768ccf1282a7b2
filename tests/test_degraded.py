"""Degraded sandboxes: what still holds when a layer is missing (forced with the test-only switch).

- root without a user namespace still gets the net/ipc/uts, pid and mount namespaces and the cgroups,
  and its worker becomes uid 65534, which cannot undo the mounts;
- without a pid namespace every process of a submission still dies with its worker: through the
  worker's own pids cgroup, or through the zygote as child subreaper when there is no cgroup;
- root without user and mount namespaces runs the submission as uid 65534: root-owned files are
  out of reach, and the submission still imports (also stdlib modules the zygote never imported).

Some tests need root (the grader's Docker case); they skip with the reason elsewhere, and fail
instead of skipping when CI=true.
"""

from __future__ import annotations

import ctypes
import json
import os
import select
import shutil
import signal
import socket
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from grader.sandbox import isolation as iso  # noqa: E402
from grader.sandbox.isolation.cgroups import _CGROUP_PREFIX, _cgroup_root  # noqa: E402
from grader.sandbox.isolation.probe import _read_until_eof  # noqa: E402
from grader.sandbox.launcher import acquire_launcher, release_launcher  # noqa: E402
from grader.sandbox.limits import Limits  # noqa: E402
from grader.sandbox.runner import SubmissionRunner  # noqa: E402
from grader.sandbox.slots import Slot, SubmissionFiles  # noqa: E402
from grader.sandbox.zygote import ZygoteLauncher  # noqa: E402

pytestmark = [pytest.mark.sandbox,
              pytest.mark.skipif(sys.platform != "linux" or not hasattr(os, "fork"), reason="needs Linux fork")]

TIMEOUT = 10.0
NOBODY = 65534
ROOT = os.geteuid() == 0
LIMITS = Limits(call_timeout=5.0, import_timeout=10.0, total_timeout=30.0)


def need(condition: bool, reason: str) -> None:
    """Skip with `reason` unless `condition`; under CI=true a missing prerequisite is a failure."""
    if not condition:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true, yet: {reason}")
        pytest.skip(reason)


@pytest.fixture(scope="module")
def layers() -> dict[str, iso.LayerStatus]:
    return {s.name: s for s in iso.probe_layers()}


def need_root() -> None:
    need(ROOT, "needs root: the degraded modes tested here are those of a root grader (Docker, Gradescope)")


# --------------------------------------------------------------------------- harness: a forked child enters

def run_forked(spec: iso.SandboxSpec, attack, on_ready=None) -> tuple[dict, int]:
    """Fork; the child enters the sandbox and runs attack(); its JSON report comes back on a pipe.
    With `on_ready`, attack() gets a callback that pauses it until on_ready() (run here) returns."""
    read_fd, write_fd = os.pipe()
    ready_r, ready_w = os.pipe()
    go_r, go_w = os.pipe()
    pid = os.fork()
    if pid == 0:
        code = 70
        try:
            os.close(read_fd)
            os.setsid()
            statuses = iso.enter_sandbox(spec)

            def pause() -> None:
                os.write(ready_w, b"r")
                select.select([go_r], [], [], TIMEOUT)

            result = attack(pause) if on_ready else attack()
            payload, code = {"statuses": [asdict(s) for s in statuses], "result": result}, 0
        except BaseException as exc:  # noqa: BLE001 - report everything, never return into pytest
            payload = {"error": f"{type(exc).__name__}: {exc}"}
        try:
            os.write(write_fd, json.dumps(payload).encode())
        finally:
            os._exit(code)
    for fd in (write_fd, ready_w, go_r):
        os.close(fd)
    deadline = time.monotonic() + TIMEOUT
    try:
        if on_ready and select.select([ready_r], [], [], TIMEOUT)[0] and os.read(ready_r, 1):
            on_ready()
        os.write(go_w, b"g")
        data = _read_until_eof(read_fd, deadline)
    finally:
        for fd in (read_fd, ready_r, go_w):
            os.close(fd)
    code = _wait(pid, deadline)
    iso.end_sandbox_cgroups(pid)  # without a pid namespace the child made them itself: its launcher ends them
    report = json.loads(data) if data else {}
    assert "error" not in report, report["error"]
    assert report, f"no report from the sandbox (exit code {code})"
    return report, code


def _wait(pid: int, deadline: float) -> int:
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            return os.waitstatus_to_exitcode(status)
        time.sleep(0.005)
    os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    pytest.fail(f"sandboxed child {pid} did not finish within {TIMEOUT}s")


def errno_of(fn) -> str | None:
    try:
        fn()
    except OSError as exc:
        return os.strerror(exc.errno) if exc.errno else type(exc).__name__
    return None


@pytest.fixture
def box() -> dict[str, Path]:
    """A slot-like folder (0700, as tempfile makes it) with code and scratch, and a hidden folder that uid 65534
    could list but for the sandbox."""
    slot, hidden = Path(tempfile.mkdtemp(prefix="grader-degraded-")), Path(tempfile.mkdtemp(prefix="grader-hidden-"))
    hidden.chmod(0o755)
    paths = {"slot": slot, "code": slot / "code", "scratch": slot / "scratch", "hidden": hidden}
    for name in ("code", "scratch"):
        paths[name].mkdir()
    (paths["code"] / "student.py").write_text("def f(x):\n    return x\n")
    (paths["hidden"] / "rubric.yaml").write_text("weights: [1, 2, 3]")
    yield paths
    shutil.rmtree(slot, ignore_errors=True)
    shutil.rmtree(hidden, ignore_errors=True)


def spec_for(box: dict[str, Path], *disabled: str) -> iso.SandboxSpec:
    return iso.SandboxSpec(scratch_dir=str(box["scratch"]), readable_paths=(*iso.python_paths(), str(box["code"])),
                           hidden_paths=(str(box["hidden"]),), disabled_layers=disabled)


@pytest.fixture
def listener():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        sock.setblocking(False)
        yield sock


@pytest.fixture
def root_only_file():
    """A root-owned 0600 file in a folder everyone may search (only the file's own mode protects it)."""
    folder = Path(tempfile.mkdtemp(prefix="grader-degraded-secret-"))
    folder.chmod(0o755)
    secret = folder / "reference_answers.txt"
    secret.write_text("the expected gradient")
    secret.chmod(0o600)
    yield secret
    shutil.rmtree(folder, ignore_errors=True)


# --------------------------------------------------------------------------- 1. root without a user namespace

def test_root_without_user_namespace_keeps_namespaces_mounts_and_cgroups(box, layers, listener):
    need_root()
    need(layers[iso.PID_NAMESPACE].active and layers[iso.MOUNT_NAMESPACE].active,
         "needs pid and mount namespaces on this machine")
    port = listener.getsockname()[1]
    hidden = box["hidden"]
    host_mounts: list[str] = []

    def attack(pause):
        import colorsys  # noqa: F401  - under /root/.pyenv here, behind a 0700 /root: the tmpfs cover lets it load

        pause()  # the test looks at the host's mount table meanwhile
        with open("written.txt", "w") as f:
            f.write("ok")
        try:
            listing = os.listdir(hidden)
        except OSError as exc:
            listing = os.strerror(exc.errno)
        return {"pid": os.getpid(), "hostname": socket.gethostname(), "ids": [os.getresuid(), os.getresgid()],
                "groups": os.getgroups(),
                "connect": errno_of(lambda: socket.create_connection(("127.0.0.1", port), timeout=2).close()),
                "hidden": listing, "hidden_read": errno_of(lambda: open(hidden / "rubric.yaml").read()),
                "outside": errno_of(lambda: open(box["slot"] / "escape.txt", "w")),
                "code": open(box["code"] / "student.py").read(), "scratch": open("written.txt").read(),
                "procs": sorted(e for e in os.listdir("/proc") if e.isdigit())}

    def look_at_host() -> None:
        host_mounts.extend(line.split()[4] for line in Path("/proc/self/mountinfo").read_text().splitlines())

    report, code = run_forked(spec_for(box, "user_namespace"), attack, on_ready=look_at_host)
    status = {s["name"]: s for s in report["statuses"]}
    result = report["result"]
    assert code == 0 and list(status) == list(iso.ALL_LAYERS)
    namespaces = status[iso.NAMESPACES]
    assert namespaces["active"] and "net+ipc+uts namespaces without a user namespace (root" in namespaces["detail"]
    for name in (iso.PID_NAMESPACE, iso.MOUNT_NAMESPACE, iso.READ_ONLY_MOUNTS, iso.SCRATCH_TMPFS, iso.HIDDEN_PATHS,
                 iso.FRESH_PROC, iso.UNPRIVILEGED_USER, iso.CAPABILITIES, iso.NO_NEW_PRIVS):
        assert status[name]["active"], status[name]
    for name in (iso.PIDS_CGROUP, iso.MEMORY_CGROUP, iso.LANDLOCK, iso.SECCOMP):
        assert status[name]["active"] == layers[name].active, status[name]
    assert status[iso.UNPRIVILEGED_USER]["detail"].startswith("runs as uid 65534")
    assert "1 path(s) covered" in status[iso.HIDDEN_PATHS]["detail"]
    # pid namespace and fresh /proc; no network; a private hostname
    assert result["pid"] == 1 and result["procs"] == ["1"] and result["hostname"] == "sandbox"
    assert result["connect"] is not None
    with pytest.raises(BlockingIOError):
        listener.accept()
    # nobody, with no supplementary group
    assert result["ids"] == [[NOBODY] * 3, [NOBODY] * 3] and result["groups"] == []
    # the hidden folder is hidden, the rest read-only, the scratch tmpfs writable, the submission readable
    assert result["hidden"] in ([], "Permission denied") and result["hidden_read"] is not None
    assert result["outside"] is not None and not (box["slot"] / "escape.txt").exists()
    assert result["code"].startswith("def f") and result["scratch"] == "ok"
    assert not list(box["scratch"].iterdir())  # the scratch tmpfs vanished with the sandbox
    # none of the sandbox's mounts reached the host (root without a user namespace: private propagation)
    assert host_mounts and not any(m.startswith(str(box["slot"])) or m == str(box["hidden"]) for m in host_mounts)


def test_root_without_user_namespace_cannot_undo_its_mounts(box, layers):
    """Without seccomp (which denies umount anyway), only the dropped root and capabilities stop this."""
    need_root()
    need(layers[iso.MOUNT_NAMESPACE].active, "needs mount namespaces on this machine")
    hidden = box["hidden"]

    def attack():
        libc = ctypes.CDLL(None, use_errno=True)

        def umount(path: Path) -> str:
            return "done" if libc.umount2(os.fsencode(str(path)), 2) == 0 else os.strerror(ctypes.get_errno())

        return {"umount_hidden": umount(hidden), "umount_root": umount(Path("/")),
                "remount": "done" if libc.mount(None, b"/", None, 32 | 4096 | 16384, None) == 0
                else os.strerror(ctypes.get_errno()),
                "setuid": errno_of(lambda: os.setuid(0)),
                "hidden_read": errno_of(lambda: open(hidden / "rubric.yaml").read())}

    report, _ = run_forked(spec_for(box, "user_namespace", "seccomp", "landlock"), attack)
    status = {s["name"]: s for s in report["statuses"]}
    assert not status[iso.SECCOMP]["active"] and not status[iso.LANDLOCK]["active"]
    assert status[iso.HIDDEN_PATHS]["active"] and status[iso.UNPRIVILEGED_USER]["active"]
    result = report["result"]
    assert result["umount_hidden"] == result["umount_root"] == result["remount"] == "Operation not permitted"
    assert result["setuid"] == "Operation not permitted"
    assert result["hidden_read"] is not None  # still hidden: the read fails


def test_pid_namespace_switch_leaves_cgroups_to_the_worker(box, layers):
    """No pid namespace, no waiting parent: the process joins its own cgroups, which outlive it until its
    launcher ends them (here the harness, in the grader the zygote): every task left in them is killed, also
    a double-forked orphan that called setsid() and was reparented to init, out of anyone's reach."""
    need(layers[iso.PIDS_CGROUP].active, f"needs the pids cgroup: {layers[iso.PIDS_CGROUP].detail}")
    root = _cgroup_root("pids")
    marker = f"cgx{os.getpid() % 100000}"

    def attack():
        if os.fork() == 0:  # the orphan
            if os.fork() == 0:
                os.closerange(3, 4096)  # not the harness's report pipe: the harness reads it until EOF
                os.setsid()
                ctypes.CDLL(None).prctl(15, marker.encode(), 0, 0, 0)  # PR_SET_NAME
                time.sleep(60)
            os._exit(0)
        os.wait()
        with open("/proc/self/cgroup") as f:
            lines = [line for line in f.read().splitlines() if ":pids:" in line or line.startswith("0::")]
        deadline = time.monotonic() + 5
        while not _processes_named(marker) and time.monotonic() < deadline:
            time.sleep(0.01)
        return {"cgroup": lines, "orphans": _processes_named(marker)}

    # without a pid namespace the sandbox covers /proc: read it with neither the mounts nor Landlock
    report, _ = run_forked(spec_for(box, "pid_namespace", "mount_namespace", "landlock"), attack)
    status = {s["name"]: s for s in report["statuses"]}
    assert not status[iso.PID_NAMESPACE]["active"] and status[iso.PID_NAMESPACE]["detail"] == iso.DISABLED_DETAIL
    assert not status[iso.FRESH_PROC]["active"]
    assert status[iso.PIDS_CGROUP]["active"] and "no pid namespace" in status[iso.PIDS_CGROUP]["detail"]
    assert any(_CGROUP_PREFIX in line for line in report["result"]["cgroup"]), report["result"]
    orphans = report["result"]["orphans"]
    assert len(orphans) == 1, "the orphan never ran"
    assert _gone_within([(orphans[0], marker)], 5.0) == [], "end_sandbox_cgroups left a task of the sandbox alive"
    assert not [n for n in os.listdir(root) if n.startswith(_CGROUP_PREFIX) and n.endswith(f"-{orphans[0]}")]


def _processes_named(name: str) -> list[int]:
    found = []
    for entry in os.listdir("/proc"):
        try:
            if entry.isdigit() and Path(f"/proc/{entry}/comm").read_text().strip() == name:
                found.append(int(entry))
        except OSError:
            pass
    return found


# --------------------------------------------------------------------------- 2. real workers, forked by the zygote

def _slot_reachable_for_nobody(create):
    """The change the grader's side needs for root without user and mount namespaces (see the README's security
    model): the run folder and the slot folder searchable, not listable, by gid 65534 alone (the scratch folder
    is given to uid 65534 by the sandbox itself)."""
    def patched(cls):
        slot = create()
        if os.geteuid() == 0:
            run = slot.folder.parent  # grader-run-*/grader-worker-*; never a shared folder such as /tmp
            for folder in ((run,) if run.name.startswith("grader-run-") else ()) + (slot.folder,):
                os.chown(folder, 0, NOBODY)
                os.chmod(folder, 0o710)
        return slot
    return classmethod(patched)


@pytest.fixture(scope="module")
def launcher():
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(Slot, "create", _slot_reachable_for_nobody(Slot.create))
        launcher = acquire_launcher()
        try:
            yield launcher
        finally:
            release_launcher(launcher)


def _alive(pid: int, marker: str) -> bool:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip() == marker
    except OSError:
        return False


def _gone_within(pids_markers: list[tuple[int, str]], seconds: float) -> list[int]:
    """The processes still alive (or unreaped) after `seconds`."""
    deadline = time.monotonic() + seconds
    while (alive := [pid for pid, marker in pids_markers if _alive(pid, marker)]) and time.monotonic() < deadline:
        time.sleep(0.02)
    for pid in alive:  # leave nothing behind, even when the test fails
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    return alive


ESCAPE = '''
import ctypes, os, time

def escape(marker):
    """A child that calls setsid() (out of the worker's process group), and a grandchild that does so after
    a double fork (its parent exits at once, so it is an orphan while the worker still runs)."""
    libc = ctypes.CDLL(None)
    r, w = os.pipe()
    for double in (False, True):
        pid = os.fork()
        if pid == 0:
            if double and os.fork():
                os._exit(0)
            os.setsid()
            libc.prctl(15, f"{marker}{int(double)}".encode(), 0, 0, 0)  # PR_SET_NAME: the test finds it by it
            os.write(w, b"%d " % os.getpid())
            time.sleep(120)
            os._exit(0)
        if double:
            os.waitpid(pid, 0)
    os.close(w)
    pids = b""
    while len(pids.split()) < 2:
        pids += os.read(r, 100)
    return {"pids": [int(p) for p in pids.split()], "worker": os.getpid()}
'''


@pytest.mark.parametrize("disabled", [("pid_namespace",), ("pid_namespace", "cgroups")],
                         ids=["pids-cgroup", "subreaper-only"])
def test_escaped_processes_die_with_the_worker(launcher, disabled):
    marker = f"esc{os.getpid() % 10000}{len(disabled)}"
    source = ESCAPE.replace("def escape(marker):", f"def escape(_):\n    marker = {marker!r}")
    runner = SubmissionRunner(SubmissionFiles.single(source.encode()), launcher, LIMITS, disabled_layers=disabled)
    try:
        outcome = runner.call("escape", [0.0])
        assert outcome.ok, outcome.error
        status = {layer.name: layer for layer in runner.layers}
        assert not status[iso.PID_NAMESPACE].active
        if "cgroups" in disabled:
            assert not status[iso.PIDS_CGROUP].active  # only the zygote's subreaper sweep is left
        pids = [int(p) for p in outcome.value["pids"]]
        worker = int(outcome.value["worker"])
        processes = [(pid, _name_of(pid)) for pid in pids]
        assert all(name.startswith(marker) for _, name in processes), processes
        assert all(_alive(pid, name) for pid, name in processes), "the escaped processes should run meanwhile"
    finally:
        runner.close()  # the grader ends the worker: the zygote kills and reaps the worker and all of this
    assert _gone_within(processes, 5.0) == [], "a process of the submission outlived its worker"
    root = _cgroup_root("pids")
    if root and status[iso.PIDS_CGROUP].active:
        deadline = time.monotonic() + 5
        while os.path.exists(os.path.join(root, f"{_CGROUP_PREFIX}{worker}")) and time.monotonic() < deadline:
            time.sleep(0.02)
        assert not os.path.exists(os.path.join(root, f"{_CGROUP_PREFIX}{worker}")), "the worker's cgroup was left"


def _name_of(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/comm").read_text().strip()
    except OSError:
        return ""


def test_escaped_processes_die_when_the_zygote_exits():
    """The zygote's own exit ends the workers it still has, and sweeps their orphans."""
    marker = f"zex{os.getpid() % 10000}"
    source = ESCAPE.replace("def escape(marker):", f"def escape(_):\n    marker = {marker!r}")
    own = ZygoteLauncher(keep_spare=False)
    runner = SubmissionRunner(SubmissionFiles.single(source.encode()), own, LIMITS,
                              disabled_layers=("pid_namespace", "cgroups"))
    try:
        outcome = runner.call("escape", [0.0])
        assert outcome.ok, outcome.error
        processes = [(int(pid), _name_of(int(pid))) for pid in outcome.value["pids"]]
        assert all(name.startswith(marker) for _, name in processes), processes
        own.close()  # the worker is still running: the zygote ends it on its way out
        assert _gone_within(processes, 5.0) == [], "a process of the submission outlived the zygote"
    finally:
        if runner._worker is not None:  # reaped by the zygote already: no kill for a pid that may be reused
            runner._worker.handle.end = lambda: None
        runner.close()
        own.close()


# ------------------------------------------------------------------- 3. root without user (and mount) namespaces

PROBE = '''
import os, sys
ZYGOTE_HAD_COLORSYS = "colorsys" in sys.modules  # the worker is forked from the zygote: its modules, and ours
import colorsys  # a stdlib module: under /root/.pyenv here, behind a 0700 /root

def probe(_):
    def attempt(fn):
        try:
            fn()
            return "ok"
        except OSError as exc:
            return os.strerror(exc.errno)

    def write_scratch():
        with open("scratch.txt", "w") as f:
            f.write("ok")

    return {"uid": os.getuid(), "euid": os.geteuid(), "gid": os.getgid(), "groups": len(os.getgroups()),
            "zygote_had_colorsys": int(ZYGOTE_HAD_COLORSYS), "colorsys": colorsys.__file__,
            "hls": colorsys.rgb_to_hls(1.0, 0.0, 0.0)[0],
            "secret": attempt(lambda: open(SECRET).read()), "scratch": attempt(write_scratch),
            "hidden": attempt(lambda: os.listdir(HIDDEN)), "hidden_read": attempt(lambda: open(HIDDEN_FILE).read())}
'''


def _probe(launcher, disabled: tuple[str, ...], secret: Path, hidden: Path) -> tuple[dict, dict]:
    source = PROBE.replace("def probe(_):", f"SECRET = {str(secret)!r}\nHIDDEN = {str(hidden)!r}\n"
                                            f"HIDDEN_FILE = {str(hidden / 'rubric.yaml')!r}\n\ndef probe(_):")
    with SubmissionRunner(SubmissionFiles.single(source.encode()), launcher, LIMITS, hidden_paths=[str(hidden)],
                          disabled_layers=disabled) as runner:
        assert runner.import_error() is None, runner.import_error()
        outcome = runner.call("probe", [0.0])
        assert outcome.ok, outcome.error
        return outcome.value, {layer.name: layer for layer in runner.layers}


@pytest.fixture
def hidden_folder():
    folder = Path(tempfile.mkdtemp(prefix="grader-degraded-hidden-"))
    folder.chmod(0o755)
    (folder / "rubric.yaml").write_text("weights: [1, 2, 3]")
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.parametrize("landlock", [True, False], ids=["with-landlock", "without-landlock"])
def test_root_without_user_and_mount_namespaces_runs_as_nobody(launcher, layers, root_only_file, hidden_folder,
                                                                landlock):
    """The Gradescope case: no user namespace, no mount namespace. The worker runs as uid 65534 and still imports
    the submission and stdlib modules the zygote never imported (through descriptors opened before the switch:
    Python lives under a 0700 /root here). Without Landlock, the file's own mode is what stops the read."""
    need_root()
    disabled = ("user_namespace", "mount_namespace") + (() if landlock else ("landlock",))
    value, status = _probe(launcher, disabled, root_only_file, hidden_folder)
    assert not status[iso.MOUNT_NAMESPACE].active and status[iso.UNPRIVILEGED_USER].active
    assert status[iso.UNPRIVILEGED_USER].detail.startswith("runs as uid 65534"), status[iso.UNPRIVILEGED_USER]
    assert (value["uid"], value["euid"], value["gid"], value["groups"]) == (NOBODY, NOBODY, NOBODY, 0)
    assert value["zygote_had_colorsys"] == 0 and value["hls"] == 0.0  # imported after the switch, and it works
    assert value["secret"] == "Permission denied" and value["scratch"] == "ok"
    if landlock:
        assert value["hidden"] == value["hidden_read"] == "Permission denied"
    else:  # no mount namespace, no Landlock: the worker reads what uid 65534 may read (README: the limits)
        assert value["hidden"] == value["hidden_read"] == "ok"
    python_home = os.path.realpath(sys.base_prefix)
    if iso.user._unsearchable_ancestor(python_home) is not None:  # e.g. /root/.pyenv behind a 0700 /root
        assert value["colorsys"].startswith("/proc/self/fd/"), value["colorsys"]
        assert "go through descriptors opened before the switch" in status[iso.UNPRIVILEGED_USER].detail


def test_root_without_user_namespace_runs_as_nobody_behind_the_mount_cover(launcher, layers, root_only_file,
                                                                           hidden_folder):
    need_root()
    need(layers[iso.MOUNT_NAMESPACE].active, "needs mount namespaces on this machine")
    value, status = _probe(launcher, ("user_namespace",), root_only_file, hidden_folder)
    for name in (iso.NAMESPACES, iso.PID_NAMESPACE, iso.MOUNT_NAMESPACE, iso.HIDDEN_PATHS, iso.UNPRIVILEGED_USER):
        assert status[name].active, status[name]
    assert (value["uid"], value["gid"], value["groups"]) == (NOBODY, NOBODY, 0)
    assert value["zygote_had_colorsys"] == 0 and value["hls"] == 0.0
    assert not value["colorsys"].startswith("/proc/")  # the original path: the mounts keep it reachable
    assert value["secret"] == "Permission denied" and value["scratch"] == "ok"
    # the hidden folder is an empty tmpfs of mode 0: no listing, no file
    assert value["hidden"] == "Permission denied" and value["hidden_read"] == "Permission denied"
