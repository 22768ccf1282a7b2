"""Attacks from inside grader.sandbox.isolation's sandbox, each in a forked child reporting over a pipe."""

from __future__ import annotations

import json
import os
import pathlib
import select
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, replace

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as the worker does, before numpy is imported

import numpy as np  # noqa: E402  (the worker forks from a process that already imported numpy)
import pytest  # noqa: E402

REPO = pathlib.Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:
    sys.path.insert(0, str(REPO))

from grader.sandbox import isolation as iso  # noqa: E402
from grader.sandbox.isolation._syscalls import _libc  # noqa: E402
from grader.sandbox.isolation.cgroups import _CGROUP_PREFIX, _cgroup_root  # noqa: E402
from grader.sandbox.isolation.landlock import _apply_landlock  # noqa: E402
from grader.sandbox.isolation.namespaces import _unshare_namespaces  # noqa: E402
from grader.sandbox.isolation.privileges import _set_no_new_privs  # noqa: E402
from grader.sandbox.isolation.probe import _read_until_eof  # noqa: E402  (select-based read with a deadline)
from grader.sandbox.isolation.seccomp import _apply_seccomp, _load_libseccomp  # noqa: E402
from grader.sandbox.isolation.status import _in_layer_order  # noqa: E402
from grader.sandbox.limits import Limits  # noqa: E402

pytestmark = [pytest.mark.sandbox,
              pytest.mark.skipif(sys.platform != "linux" or not hasattr(os, "fork"), reason="needs Linux fork")]

TIMEOUT = 10.0


# --------------------------------------------------------------------------- harness

def _wait(pid: int, deadline: float) -> int:
    """Exit code of `pid` (128+signal when killed); kills its group on timeout."""
    while time.monotonic() < deadline:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            code = os.waitstatus_to_exitcode(status)
            return 128 - code if code < 0 else code
        time.sleep(0.005)
    for kill in (lambda: os.killpg(pid, signal.SIGKILL), lambda: os.kill(pid, signal.SIGKILL)):
        try:
            kill()
        except OSError:
            pass
    os.waitpid(pid, 0)
    pytest.fail(f"sandboxed child {pid} did not finish within {TIMEOUT}s")


def _child(setup: Callable[[], object], attack: Callable[[], object], write_fd: int) -> None:
    code = 70
    try:
        os.setsid()
        statuses = setup()
        result = attack()
        payload = {"statuses": [asdict(s) for s in statuses or []], "result": result}
        code = 0
    except BaseException as exc:  # noqa: BLE001 - report everything, never return into pytest
        payload = {"error": f"{type(exc).__name__}: {exc}"}
    try:
        os.write(write_fd, json.dumps(payload).encode())
    finally:
        os._exit(code)


def run_forked(setup: Callable[[], object], attack: Callable[[], object],
               timeout: float = TIMEOUT) -> tuple[dict, int]:
    """Fork; in the child run setup() then attack(); return (decoded report, exit code)."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        _child(setup, attack, write_fd)
    os.close(write_fd)
    deadline = time.monotonic() + timeout
    try:
        data = _read_until_eof(read_fd, deadline)
    finally:
        os.close(read_fd)
    code = _wait(pid, deadline)
    iso.end_sandbox_cgroups(pid)  # a sandbox without a pid namespace made them itself: its launcher ends them
    return (json.loads(data) if data else {}), code


def run_sandboxed(spec: iso.SandboxSpec, attack: Callable[[], object], timeout: float = TIMEOUT):
    report, code = run_forked(lambda: iso.enter_sandbox(spec), attack, timeout)
    assert "error" not in report, report.get("error")
    assert report, f"no report from the sandbox (exit code {code})"
    return report["result"], code


def errno_of(fn: Callable[[], object]) -> str | None:
    """Name of the OSError errno raised by fn(), or None when it succeeded."""
    try:
        fn()
    except OSError as exc:
        return type(exc).__name__ if exc.errno is None else os.strerror(exc.errno)
    return None


@pytest.fixture(scope="module")
def layers() -> dict[str, iso.LayerStatus]:
    return {s.name: s for s in iso.probe_layers()}


def require(layers: dict[str, iso.LayerStatus], *names: str) -> None:
    """Skip unless at least one of the layers that stop this attack is active here."""
    if not any(layers[n].active for n in names):
        pytest.skip("; ".join(f"{n}: {layers[n].detail}" for n in names))


@pytest.fixture
def box(tmp_path: pathlib.Path) -> dict[str, pathlib.Path]:
    paths = {name: tmp_path / name for name in ("scratch", "submission", "secret", "hidden")}
    for path in paths.values():
        path.mkdir()
    (paths["submission"] / "student.py").write_text("def f(x):\n    return x\n")
    (paths["secret"] / "answer.txt").write_text("the expected gradient")
    (paths["hidden"] / "rubric.yaml").write_text("weights: [1, 2, 3]")
    paths["tmp"] = tmp_path
    return paths


def spec_for(box: dict[str, pathlib.Path], **limits: float) -> iso.SandboxSpec:
    return iso.SandboxSpec(scratch_dir=str(box["scratch"]),
                           readable_paths=(*iso.python_paths(), str(box["submission"])),
                           hidden_paths=(str(box["hidden"]),),
                           limits=replace(Limits(), **limits))


@pytest.fixture
def listener():
    """A TCP listener on 127.0.0.1 in the test process."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen(1)
        sock.setblocking(False)
        yield sock


def _connect(port: int) -> str | None:
    return errno_of(lambda: socket.create_connection(("127.0.0.1", port), timeout=2).close())


def _socket_allowed() -> bool:
    return errno_of(lambda: socket.socket().close()) is None


def _start_sleeper(box) -> tuple[int, int]:
    """Fork a sandbox whose PID 1 says "ready" then sleeps; returns (outer pid, read end of its pipe)."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        _child(lambda: iso.enter_sandbox(spec_for(box)),
               lambda: (os.write(write_fd, b"ready"), time.sleep(30)), write_fd)
    os.close(write_fd)
    if not (select.select([read_fd], [], [], TIMEOUT)[0] and os.read(read_fd, 5) == b"ready"):
        os.kill(pid, signal.SIGKILL)
        os.close(read_fd)
        pytest.fail("the sandbox never became ready")
    return pid, read_fd


# --------------------------------------------------------------------------- probe and status

def test_probe_reports_every_layer_without_changing_caller(layers):
    import resource

    def snapshot():
        limits = (resource.RLIMIT_AS, resource.RLIMIT_CPU, resource.RLIMIT_NOFILE, resource.RLIMIT_NPROC)
        status = pathlib.Path("/proc/self/status").read_text()
        return ({n: os.readlink(f"/proc/self/ns/{n}") for n in ("user", "net", "mnt", "pid")},
                os.getcwd(), [resource.getrlimit(r) for r in limits],
                [line for line in status.splitlines() if line.startswith(("NoNewPrivs", "Seccomp", "CapEff"))])

    before = snapshot()
    again = iso.probe_layers()
    assert snapshot() == before
    assert [s.name for s in again] == list(iso.ALL_LAYERS)
    assert list(layers) == list(iso.ALL_LAYERS)
    assert all(s.detail and "\n" not in s.detail for s in again)


def test_inner_process_is_pid_one(box, layers):
    require(layers, iso.PID_NAMESPACE)
    result, code = run_sandboxed(spec_for(box), lambda: [os.getpid(), os.getppid(), sorted(os.listdir("/proc"))])
    pid, ppid, proc_entries = result
    assert (pid, ppid, code) == (1, 0, 0)
    if layers[iso.FRESH_PROC].active:
        assert [e for e in proc_entries if e.isdigit()] == ["1"]


# --------------------------------------------------------------------------- attacks

def test_network_unreachable(box, layers, listener):
    require(layers, iso.NAMESPACES, iso.LANDLOCK, iso.SECCOMP)
    port = listener.getsockname()[1]

    def attack():
        udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM) if _socket_allowed() else None
        return [_connect(port), errno_of(lambda: udp.sendto(b"x", ("127.0.0.1", port))) if udp else "no socket"]

    tcp, udp = run_sandboxed(spec_for(box), attack)[0]
    assert tcp is not None and udp is not None
    with pytest.raises(BlockingIOError):
        listener.accept()


def test_unlisted_file_unreadable(box, layers):
    require(layers, iso.LANDLOCK)
    secret = box["secret"] / "answer.txt"
    own = box["submission"] / "student.py"

    def attack():
        return [errno_of(lambda: open(secret).read()), errno_of(lambda: os.listdir(box["secret"])),
                open(own).read()]

    (read_err, list_err, own_text), _ = run_sandboxed(spec_for(box), attack)
    assert read_err == "Permission denied" and list_err == "Permission denied"
    assert own_text.startswith("def f")


def test_writes_only_in_scratch(box, layers):
    require(layers, iso.LANDLOCK, iso.READ_ONLY_MOUNTS)
    outside = [box["tmp"] / "escape.txt", box["submission"] / "student.py", pathlib.Path("/tmp/grader-escape.txt")]

    def attack():
        errors = [errno_of(lambda p=p: open(p, "a").write("pwned")) for p in outside]
        with open("result.txt", "w") as f:  # cwd is scratch
            f.write("ok")
        with open(os.path.join(tempfile.gettempdir(), "t.txt"), "w") as f:
            f.write("tmp ok")
        return [errors, os.getcwd(), open("result.txt").read()]

    (errors, cwd, text), _ = run_sandboxed(spec_for(box), attack)
    assert all(errors), errors
    assert cwd == str(box["scratch"]) and text == "ok"
    assert not (box["tmp"] / "escape.txt").exists() and not pathlib.Path("/tmp/grader-escape.txt").exists()
    assert (box["submission"] / "student.py").read_text().startswith("def f")


def test_hidden_dir_appears_empty(box, layers):
    require(layers, iso.HIDDEN_PATHS)
    spec = replace(spec_for(box), readable_paths=(*iso.python_paths(), str(box["tmp"])))  # only the mount hides it
    hidden = box["hidden"]

    def attack():
        try:
            listing = os.listdir(hidden)
        except OSError as exc:
            listing = os.strerror(exc.errno)
        return [listing, errno_of(lambda: open(hidden / "rubric.yaml").read())]

    (listing, read_err), _ = run_sandboxed(spec, attack)
    assert listing in ([], "Permission denied")
    assert read_err is not None


def test_cannot_kill_grader(box, layers):
    require(layers, iso.PID_NAMESPACE, iso.LANDLOCK)
    test_pid = os.getpid()
    pid_ns = layers[iso.PID_NAMESPACE].active

    def attack():
        results = [errno_of(lambda: os.kill(os.getppid(), signal.SIGKILL)),
                   errno_of(lambda: os.kill(test_pid, signal.SIGKILL)) if not pid_ns else "skipped"]
        if pid_ns:  # own process group (PID 1 called setsid), then every process in the namespace but PID 1
            results.append(errno_of(lambda: os.kill(0, signal.SIGKILL)))
            results.append(errno_of(lambda: os.kill(-1, signal.SIGKILL)))
        return results

    results, code = run_sandboxed(spec_for(box), attack)
    assert code == 0, f"the waiting parent was killed: {results}"
    assert os.getpid() == test_pid  # still here


def test_numpy_works_inside(box, layers):
    def attack():
        import numpy.linalg

        a = np.arange(90_000, dtype=np.float64).reshape(300, 300) / 90_000
        return [float((a @ a.T).trace()), float(numpy.linalg.norm(a))]

    (trace, norm), code = run_sandboxed(spec_for(box), attack)
    a = np.arange(90_000, dtype=np.float64).reshape(300, 300) / 90_000
    assert code == 0
    assert trace == pytest.approx(float((a @ a.T).trace())) and norm == pytest.approx(float(np.linalg.norm(a)))


def test_fresh_interpreter_imports_numpy_inside(box, layers):
    require(layers, iso.LANDLOCK)  # without it nothing restricts reads; this checks the allow-list suffices
    code = (f"import sys; sys.path.insert(0, {str(REPO)!r})\n"
            "from grader.sandbox import isolation as iso\n"
            f"iso.enter_sandbox(iso.SandboxSpec({str(box['scratch'])!r}, iso.python_paths(), ()))\n"
            "sys.path.remove(sys.path[0])\n"
            "import numpy as np, numpy.testing\n"
            "print(float((np.ones((50, 50)) @ np.ones((50, 50))).sum()))\n")
    env = {"PATH": "/usr/bin:/bin", "OPENBLAS_NUM_THREADS": "1"}
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=TIMEOUT,
                          env=env, start_new_session=True)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "125000.0"


def test_exec_fails(box, layers):
    require(layers, iso.SECCOMP, iso.LANDLOCK)

    def attack():
        spawn = errno_of(lambda: subprocess.run(["/bin/true"], timeout=5))
        try:
            os.execv("/bin/true", ["/bin/true"])
        except OSError as exc:
            return [spawn, os.strerror(exc.errno)]

    result, code = run_sandboxed(spec_for(box), attack)
    assert result is not None and all(result), result  # a successful execv would have reported nothing


def test_fork_bomb_contained_and_reaped(box, layers):
    require(layers, iso.PID_NAMESPACE)
    token = f"bomb{os.getpid() % 100000}"
    started_r, started_w = os.pipe()  # PID 1 -> test: how many forks succeeded
    go_r, go_w = os.pipe()  # test -> PID 1: processes counted, exit now

    def comm_matches() -> int:
        count = 0
        for entry in os.listdir("/proc"):
            try:
                with open(f"/proc/{entry}/comm") as f:
                    count += f.read().strip() == token
            except OSError:
                pass
        return count

    def attack():
        import ctypes

        libc = ctypes.CDLL(None)
        started, error = 0, None
        for _ in range(500):
            try:
                pid = os.fork()
            except OSError as exc:
                error = os.strerror(exc.errno)
                break
            if pid == 0:
                libc.prctl(15, token.encode(), 0, 0, 0)  # PR_SET_NAME
                os.setsid()  # escapes killpg
                time.sleep(30)
                os._exit(0)
            started += 1
        os.write(started_w, json.dumps([started, error]).encode())
        select.select([go_r], [], [], 5)
        return [started, error]

    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        _child(lambda: iso.enter_sandbox(spec_for(box)), attack, write_fd)
    os.close(write_fd)
    deadline = time.monotonic() + TIMEOUT
    try:
        assert select.select([started_r], [], [], TIMEOUT)[0], "the fork bomb never reported"
        started, error = json.loads(os.read(started_r, 4096))
        alive_during = comm_matches()
        os.write(go_w, b"go")
        report = json.loads(_read_until_eof(read_fd, deadline))
    finally:
        for fd in (read_fd, started_r, started_w, go_r, go_w):
            os.close(fd)
    assert _wait(pid, deadline) == 0, report
    assert alive_during > 0
    if layers[iso.PIDS_CGROUP].active:
        assert error is not None and started < 64, (started, error)
    while comm_matches() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert comm_matches() == 0, "fork bomb processes outlived the sandbox"


def test_sigterm_to_waiting_parent_cleans_up(box, layers):
    require(layers, iso.PID_NAMESPACE)
    pid, read_fd = _start_sleeper(box)
    try:
        os.kill(pid, signal.SIGTERM)
        assert _wait(pid, time.monotonic() + TIMEOUT) == 128 + signal.SIGTERM
        assert _read_until_eof(read_fd, time.monotonic() + 5) == b""
    finally:
        os.close(read_fd)
    if layers[iso.PIDS_CGROUP].active:
        assert not pathlib.Path(_cgroup_root("pids"), f"{_CGROUP_PREFIX}{pid}").exists()


def _cgroup_populated(path: pathlib.Path) -> bool:
    try:
        return (path / "pids.current").read_text().strip() != "0"
    except FileNotFoundError:
        return False


def test_inner_dies_with_waiting_parent(box, layers):
    require(layers, iso.PID_NAMESPACE)
    pid, read_fd = _start_sleeper(box)
    try:
        os.kill(pid, signal.SIGKILL)  # the grader's wall-clock deadline hits the outer process
        assert _wait(pid, time.monotonic() + TIMEOUT) == 128 + signal.SIGKILL
        start = time.monotonic()
        assert _read_until_eof(read_fd, start + 5) == b""  # EOF: PID 1 (the last writer) is gone
        assert time.monotonic() - start < 4
    finally:
        os.close(read_fd)
    if layers[iso.PIDS_CGROUP].active:  # the killed parent could not remove its cgroup: the next sandbox does
        leftover = pathlib.Path(_cgroup_root("pids"), f"{_CGROUP_PREFIX}{pid}")
        deadline = time.monotonic() + 5  # PID 1 is a zombie until the host's init reaps it
        while _cgroup_populated(leftover):
            assert time.monotonic() < deadline, "the sandbox's PID 1 was never reaped"
            time.sleep(0.01)
        run_sandboxed(spec_for(box), lambda: None)
        assert not leftover.exists()


# --------------------------------------------------------------------------- limits

def test_cpu_limit_kills(box, layers):
    def attack():
        while True:
            pass

    spec = spec_for(box, total_timeout=0)
    assert spec.limits.cpu_seconds == 1
    report, code = run_forked(lambda: iso.enter_sandbox(spec), attack)
    assert report == {} and code in (128 + signal.SIGKILL, 128 + signal.SIGXCPU)


def test_memory_and_scratch_limits(box, layers):
    def attack():
        try:
            np.ones(1 << 29)  # 4 GiB
            memory = None
        except MemoryError:
            memory = "MemoryError"
        return [memory, errno_of(lambda: open("big.bin", "wb").write(b"x" * (2 << 20)))]

    (memory, disk), _ = run_sandboxed(spec_for(box, memory_bytes=1 << 31, scratch_bytes=1 << 20), attack)
    assert memory == "MemoryError"
    if layers[iso.SCRATCH_TMPFS].active:
        assert disk == "No space left on device"


# --------------------------------------------------------------------------- each layer on its own

def test_seccomp_alone(box, layers, listener):
    require(layers, iso.SECCOMP)
    libc = _libc()

    def attack():
        return [_connect(listener.getsockname()[1]), errno_of(lambda: os.execv("/bin/true", ["/bin/true"])),
                open(box["secret"] / "answer.txt").read()]

    report, _ = run_forked(lambda: [_set_no_new_privs(libc), _apply_seccomp(_load_libseccomp())],
                           attack)
    assert "statuses" in report and all(s["active"] for s in report["statuses"]), report
    assert report["result"] == ["Operation not permitted", "Operation not permitted", "the expected gradient"]


def test_landlock_alone(box, layers, listener):
    require(layers, iso.LANDLOCK)
    libc = _libc()
    spec = spec_for(box)
    abi = int(layers[iso.LANDLOCK].detail.split()[1].rstrip(":"))

    def attack():
        return [_connect(listener.getsockname()[1]), errno_of(lambda: os.execv("/bin/true", ["/bin/true"])),
                errno_of(lambda: open(box["secret"] / "answer.txt").read()),
                errno_of(lambda: open(box["submission"] / "student.py", "a")),
                open(box["submission"] / "student.py").read()[:5]]

    report, _ = run_forked(lambda: [_set_no_new_privs(libc), _apply_landlock(libc, spec, False)], attack)
    assert "statuses" in report and all(s["active"] for s in report["statuses"]), report
    connect, exec_err, read_err, write_err, own = report["result"]
    assert (exec_err, read_err, write_err, own) == ("Permission denied",) * 3 + ("def f",)
    if abi >= 4:
        assert connect == "Permission denied"


def test_namespaces_alone(layers, listener):
    require(layers, iso.NAMESPACES)

    def attack():
        return [_connect(listener.getsockname()[1]), socket.gethostname(), os.getuid()]

    report, _ = run_forked(lambda: _unshare_namespaces(_libc())[0], attack)
    assert report["result"] == ["Network is unreachable", "sandbox", 0]


def test_multithreaded_caller_refused(box):
    def setup():
        stop = threading.Event()
        threading.Thread(target=stop.wait, daemon=True).start()
        try:
            iso.enter_sandbox(spec_for(box))
        except iso.SandboxError as exc:
            return [iso.LayerStatus("refused", True, str(exc))]
        return []

    report, code = run_forked(setup, lambda: None)
    assert report["statuses"] and "single-threaded" in report["statuses"][0]["detail"]


def test_non_linux_applies_only_rlimits(box, monkeypatch):
    def setup():
        monkeypatch.setattr(sys, "platform", "darwin")
        return iso.enter_sandbox(spec_for(box))

    report, code = run_forked(setup, os.getcwd)
    active = [s["name"] for s in report["statuses"] if s["active"]]
    assert active == [iso.RLIMITS] and report["result"] == str(box["scratch"])


def test_degrades_without_user_namespaces(box, layers):
    """Like a container whose seccomp profile forbids unshare: the other layers still apply."""
    require(layers, iso.SECCOMP)
    libc = _libc()

    def setup():
        _set_no_new_privs(libc)
        _apply_seccomp(_load_libseccomp())  # denies unshare and clone(CLONE_NEW*)
        return iso.enter_sandbox(spec_for(box))

    def attack():
        return [os.getcwd(), errno_of(lambda: open(box["secret"] / "answer.txt").read()),
                errno_of(lambda: open(box["tmp"] / "escape.txt", "w")), float((np.eye(3) @ np.eye(3)).sum())]

    report, code = run_forked(setup, attack)
    status = {s["name"]: s for s in report["statuses"]}
    assert [s["name"] for s in report["statuses"]] == list(iso.ALL_LAYERS)
    assert not status[iso.NAMESPACES]["active"] and "Operation not permitted" in status[iso.NAMESPACES]["detail"]
    assert not status[iso.SCRATCH_TMPFS]["active"] and status[iso.SECCOMP]["active"]
    cwd, read_err, write_err, total = report["result"]
    assert cwd == str(box["scratch"]) and total == 3.0 and code == 0
    if status[iso.LANDLOCK]["active"]:
        assert read_err == "Permission denied" and write_err == "Permission denied"


# --------------------------------------------------------------------------- order and the test-only switch

def test_statuses_in_all_layers_order(box):
    report, code = run_forked(lambda: iso.enter_sandbox(spec_for(box)), lambda: None)
    assert "error" not in report, report.get("error")
    assert [s["name"] for s in report["statuses"]] == list(iso.ALL_LAYERS) and code == 0
    shuffled = [iso.LayerStatus(name, True, "x") for name in reversed(iso.ALL_LAYERS)]
    assert [s.name for s in _in_layer_order(shuffled)] == list(iso.ALL_LAYERS)


ROOT = os.geteuid() == 0
_SWITCHED_OFF = {  # switch name -> the layers it reports as disabled
    # root still makes net/ipc/uts/pid/mount namespaces without a user namespace (tests/test_degraded.py)
    "user_namespace": () if ROOT else (iso.NAMESPACES, iso.PID_NAMESPACE),
    "pid_namespace": (iso.PID_NAMESPACE,),
    "mount_namespace": (iso.MOUNT_NAMESPACE, iso.READ_ONLY_MOUNTS, iso.SCRATCH_TMPFS, iso.HIDDEN_PATHS,
                        iso.FRESH_PROC),
    "landlock": (iso.LANDLOCK,),
    "seccomp": (iso.SECCOMP,),
    "cgroups": (iso.PIDS_CGROUP, iso.MEMORY_CGROUP),
}
_ALSO_OFF = {  # switch name -> further layers that need the one switched off
    "user_namespace": () if ROOT else (iso.MOUNT_NAMESPACE, iso.READ_ONLY_MOUNTS, iso.SCRATCH_TMPFS,
                                       iso.HIDDEN_PATHS, iso.FRESH_PROC),
    "pid_namespace": (iso.FRESH_PROC,),
}


@pytest.mark.parametrize("switch", sorted(_SWITCHED_OFF))
def test_disabled_layer_reported_inactive(box, layers, switch):
    assert set(_SWITCHED_OFF) == set(iso.DISABLEABLE)
    spec = replace(spec_for(box), disabled_layers=(switch,))
    report, code = run_forked(lambda: iso.enter_sandbox(spec), lambda: [os.getpid(), socket.gethostname()])
    assert "error" not in report, report.get("error")
    status = {s["name"]: s for s in report["statuses"]}
    assert list(status) == list(iso.ALL_LAYERS) and code == 0
    for name in _SWITCHED_OFF[switch]:
        assert status[name] == {"name": name, "active": False, "detail": iso.DISABLED_DETAIL}
    affected = set(_SWITCHED_OFF[switch]) | set(_ALSO_OFF.get(switch, ()))
    for name in affected:
        assert not status[name]["active"], status[name]
    # a non-root worker without namespaces joins cgroups itself, where it may (delegation), unlike the probe
    unsure = {iso.PIDS_CGROUP, iso.MEMORY_CGROUP} if switch == "user_namespace" and not ROOT else set()
    for name in set(iso.ALL_LAYERS) - affected - unsure:  # the others apply as usual
        assert status[name]["active"] == layers[name].active, (name, status[name], layers[name])
    pid, hostname = report["result"]
    if switch == "pid_namespace" or (switch == "user_namespace" and not ROOT):  # not PID 1
        assert pid != 1
    if switch == "user_namespace" and not ROOT:  # nor the sandbox's hostname
        assert hostname == socket.gethostname()
    if switch == "user_namespace" and ROOT and layers[iso.PID_NAMESPACE].active:
        assert (pid, hostname) == (1, "sandbox")
        assert "without a user namespace (root" in status[iso.NAMESPACES]["detail"]
        assert status[iso.UNPRIVILEGED_USER]["detail"].startswith("runs as uid 65534")


def test_user_namespace_switch_acts_like_a_machine_without_one(box):
    spec = replace(spec_for(box), disabled_layers=("user_namespace",))
    report, _ = run_forked(lambda: iso.enter_sandbox(spec), lambda: None)
    status = {s["name"]: s for s in report["statuses"]}
    assert iso.DISABLED_DETAIL in status[iso.NAMESPACES]["detail"]
    if ROOT:  # the other namespaces are made without one, and the worker gives up root
        assert "without a user namespace" in status[iso.NAMESPACES]["detail"]
        assert "65534" in status[iso.UNPRIVILEGED_USER]["detail"]
    else:
        for name in (iso.MOUNT_NAMESPACE, iso.READ_ONLY_MOUNTS, iso.SCRATCH_TMPFS, iso.HIDDEN_PATHS, iso.FRESH_PROC):
            assert status[name]["detail"] == "needs a user namespace (or root)"
        assert status[iso.UNPRIVILEGED_USER]["active"] and "not root" in status[iso.UNPRIVILEGED_USER]["detail"]


def test_several_layers_disabled_at_once(box, layers):
    spec = replace(spec_for(box), disabled_layers=("landlock", "seccomp", "cgroups"))
    report, code = run_forked(lambda: iso.enter_sandbox(spec), lambda: open(box["secret"] / "answer.txt").read())
    status = {s["name"]: s for s in report["statuses"]}
    assert code == 0 and report["result"] == "the expected gradient"  # nothing else stops this read
    for name in (iso.LANDLOCK, iso.SECCOMP, iso.PIDS_CGROUP, iso.MEMORY_CGROUP):
        assert status[name]["detail"] == iso.DISABLED_DETAIL and not status[name]["active"]


@pytest.mark.parametrize("disabled", [("network",), ("landlock", "Landlock"), ("namespaces",), "landlock"])
def test_unknown_disabled_layer_rejected(box, disabled):
    with pytest.raises(ValueError):
        iso.SandboxSpec(str(box["scratch"]), (), (), disabled_layers=disabled)
    with pytest.raises(ValueError):
        replace(spec_for(box), disabled_layers=disabled)
