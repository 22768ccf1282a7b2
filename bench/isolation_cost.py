"""What entering the sandbox costs, in children forked from a process that has imported numpy.

Like the grader's zygote, this process imports numpy (one BLAS thread) and preloads libc and
libseccomp, then forks one child per run. Modes, run in rotation so machine drift hits all alike:
- bare fork: the child writes its start time to a pipe and exits;
- sandbox: the child calls enter_sandbox with every layer, reports, exits;
- phases (unless --no-phases): the same, with each step of enter_sandbox timed in the child;
- without X (unless --no-phases): enter_sandbox with X turned off by the test-only switch
  (SandboxSpec.disabled_layers); the difference from "sandbox" is what X costs end to end,
  including work done concurrently by the waiting parent.

Reported per mode, in ms, as median and quartiles over --runs runs: fork -> running (the child's
first instruction), enter_sandbox (measured in the child), fork -> sandboxed, and the round trip
(fork until the parent has read the report and reaped the child, the cgroup cleanup included).

The slowest step is usually the wait for the cgroup verdict: joining a cgroup-v1 hierarchy waits
for an RCU grace period, whose length depends on what else the machine does. Forks back to back
(the default) and forks spaced out (--pause, closer to a grader that grades between forks) can
therefore give quite different medians; compare both.

Usage: python bench/isolation_cost.py [--runs 50] [--pause MS] [--no-phases] [--no-preload]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import tempfile
import time
from pathlib import Path

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # enter_sandbox refuses a multi-threaded caller

import numpy  # noqa: E402,F401  (the point: fork from a process that has imported numpy)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from grader.sandbox import isolation  # noqa: E402
from grader.sandbox.isolation import enter as enter_module  # noqa: E402

# Steps of _enter_linux, as the names it calls (timed by wrapping them in the child only).
PHASES = ("_unshare_namespaces", "_fork_into_pid_namespace", "_setup_mounts", "_apply_rlimits",
          "_set_no_new_privs", "_drop_capabilities", "_load_libseccomp", "_apply_landlock", "_apply_seccomp",
          "_receive_cgroup_status")


def _time_phases(durations: dict[str, float]) -> None:
    """Wrap each phase in enter.py's namespace so that its duration lands in `durations`."""
    for name in PHASES:
        original = getattr(enter_module, name)

        def timed(*args, _original=original, _name=name, **kwargs):
            started = time.perf_counter()  # for the pid-namespace fork: taken before, read after, in the child
            try:
                return _original(*args, **kwargs)
            finally:
                durations[_name] = time.perf_counter() - started

        setattr(enter_module, name, timed)


def _child(write_fd: int, spec: isolation.SandboxSpec | None, phases: bool) -> None:
    running = time.perf_counter()
    report: dict = {"running": running}
    try:
        os.setsid()  # as the worker: its own session
        if spec is not None:
            durations: dict[str, float] = {}
            if phases:
                _time_phases(durations)
            statuses = isolation.enter_sandbox(spec)
            done = time.perf_counter()
            report.update(enter=done - running, sandboxed=done, phases=durations,
                          inactive=[s.name for s in statuses if not s.active])
        os.write(write_fd, json.dumps(report).encode())
    except BaseException as exc:  # noqa: BLE001 - never return into the benchmark
        os.write(write_fd, json.dumps({"error": f"{type(exc).__name__}: {exc}"}).encode())
    finally:
        os._exit(0)


def run_once(spec: isolation.SandboxSpec | None, phases: bool = False, pause: float = 0.0) -> dict:
    """Fork one child (after sleeping `pause` seconds); return its report plus the parent-side timings."""
    time.sleep(pause)
    read_fd, write_fd = os.pipe()
    started = time.perf_counter()
    pid = os.fork()
    if pid == 0:
        os.close(read_fd)
        _child(write_fd, spec, phases)
    os.close(write_fd)
    chunks = []
    while chunk := os.read(read_fd, 65536):
        chunks.append(chunk)
    os.close(read_fd)
    os.waitpid(pid, 0)
    finished = time.perf_counter()
    report = json.loads(b"".join(chunks))
    if "error" in report:
        raise SystemExit(f"sandboxed child failed: {report['error']}")
    report["to_running"] = report["running"] - started
    report["round_trip"] = finished - started
    if "sandboxed" in report:
        report["to_sandboxed"] = report["sandboxed"] - started
    return report


def _quartiles(values: list[float]) -> tuple[float, float, float]:
    if len(values) < 2:
        return values[0], values[0], values[0]
    q1, median, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return median, q1, q3


def _row(label: str, values: list[float]) -> str:
    median, q1, q3 = _quartiles([1000 * v for v in values])
    return f"  {label:42s} {median:8.2f} {q1:8.2f} {q3:8.2f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=50, help="children forked per mode")
    parser.add_argument("--pause", type=float, default=0.0,
                        help="milliseconds to sleep before each fork (not timed)")
    parser.add_argument("--no-phases", dest="phases", action="store_false",
                        help="skip the per-step timings and the runs with one layer turned off")
    parser.add_argument("--no-preload", dest="preload", action="store_false",
                        help="do not load libc and libseccomp before forking (the zygote does)")
    options = parser.parse_args()
    if sys.platform != "linux":
        raise SystemExit("the sandbox's layers exist only on Linux")
    if options.preload:
        isolation.preload()

    base = Path(tempfile.mkdtemp(prefix="isolation-cost-"))
    for name in ("scratch", "submission", "hidden"):
        (base / name).mkdir()
    (base / "submission" / "student.py").write_text("def f(x):\n    return x\n")
    spec = isolation.SandboxSpec(str(base / "scratch"), (*isolation.python_paths(), str(base / "submission")),
                                 (str(base / "hidden"),))
    modes: dict[str, tuple[isolation.SandboxSpec | None, bool]] = {"bare fork": (None, False),
                                                                    "sandbox": (spec, False)}
    if options.phases:
        modes["phases"] = (spec, True)
        for layer in isolation.DISABLEABLE:
            modes[f"without {layer}"] = (isolation.SandboxSpec(spec.scratch_dir, spec.readable_paths,
                                                               spec.hidden_paths, disabled_layers=(layer,)), False)
    reports: dict[str, list[dict]] = {name: [] for name in modes}
    try:
        for spec_, phases in modes.values():  # warm-up: page cache, first cgroup
            run_once(spec_, phases)
        for _ in range(options.runs):
            for name, (spec_, phases) in modes.items():
                reports[name].append(run_once(spec_, phases, options.pause / 1000))
    finally:
        for name in ("scratch", "submission/student.py", "submission", "hidden"):
            path = base / name
            path.unlink() if path.is_file() else path.rmdir()
        base.rmdir()

    inactive = sorted({n for r in reports["sandbox"] for n in r["inactive"]})
    print(f"isolation cost: {options.runs} runs per mode; Python {platform.python_version()}, "
          f"Linux {platform.release()}, {os.cpu_count()} CPUs, uid {os.geteuid()}, "
          f"preload {'on' if options.preload else 'off'}, pause {options.pause:g} ms")
    print(f"inactive layers here: {', '.join(inactive) if inactive else 'none'}")
    print(f"  {'(ms)':42s} {'median':>8s} {'q1':>8s} {'q3':>8s}")
    print(_row("bare fork: fork -> running", [r["to_running"] for r in reports["bare fork"]]))
    print(_row("bare fork: round trip", [r["round_trip"] for r in reports["bare fork"]]))
    print(_row("sandbox: enter_sandbox", [r["enter"] for r in reports["sandbox"]]))
    print(_row("sandbox: fork -> sandboxed", [r["to_sandboxed"] for r in reports["sandbox"]]))
    print(_row("sandbox: round trip", [r["round_trip"] for r in reports["sandbox"]]))
    if not options.phases:
        return
    print("steps of enter_sandbox (timed in the child; the fork step ends in PID 1,")
    print("the cgroup step is the wait for the parent's verdict):")
    for phase in PHASES:
        values = [r["phases"][phase] for r in reports["phases"] if phase in r["phases"]]
        if values:
            print(_row(f"  {phase}", values))
    print(_row("  (enter_sandbox in these runs)", [r["enter"] for r in reports["phases"]]))
    print(_row("  (not in a step above)", [r["enter"] - sum(r["phases"].values()) for r in reports["phases"]]))
    print("enter_sandbox with one layer turned off (cost = difference of medians):")
    full = statistics.median(r["enter"] for r in reports["sandbox"])
    full_trip = statistics.median(r["round_trip"] for r in reports["sandbox"])
    for layer in isolation.DISABLEABLE:
        values = [r["enter"] for r in reports[f"without {layer}"]]
        trip = statistics.median(r["round_trip"] for r in reports[f"without {layer}"])
        print(_row(f"  without {layer}", values)
              + f"   cost {1000 * (full - statistics.median(values)):6.2f} (round trip {1000 * (full_trip - trip):6.2f})")


if __name__ == "__main__":
    main()
