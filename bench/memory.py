"""Peak memory of grading recitation 5 with large arrays: the grader process, the zygote, the workers.

The requirement:
    "A copy of recitation5 with every dimension drawn from [300, 400] and 20 random cases
    grades with the grader process's peak RSS <= 100 MiB (zygote and worker reported separately)."

What it does:
1. Copies rubrics/recitation5.yaml and its reference into a temporary folder (same layout: the
   rubric names its reference by relative path), with every entry under ``dimensions:`` set to
   ``[LO, HI]`` and ``defaults.random_cases: N``; ``call_timeout``/``total_timeout`` stay as the
   rubric has them (2 s, 60 s) unless ``--call-timeout``/``--total-timeout`` say otherwise (the
   slowest call and the grading time are reported next to those limits). The correct sample
   goes to a separate temporary folder (a submission inside the rubric's folder is refused).
   The copy gets a private, pre-warmed validated-rubric cache (``XDG_CACHE_HOME``), so every run
   is alike; ``--cold-cache`` sets ``GRADER_NO_CACHE=1`` instead (parse and validate every time).
2. In a fresh subprocess per run, grades it through the public API (``grader.Grader``) in that
   process, which therefore *is* the grader process, and measures:
   - the grader process's peak RSS (``getrusage(RUSAGE_SELF).ru_maxrss``) before importing grader,
     after the imports, after ``Grader()`` (zygote started, rubric loaded, reference forked) and
     after ``grade()``;
   - the peak RSS (``VmHWM`` of /proc/PID/status) of every descendant process, polled by a
     background thread every ``--poll-ms`` ms while grading: the zygote (the ``python -I -c ...
     zygote_process ...`` child), the student's worker (PID 1 of its PID namespace; its waiting
     parent outside the namespace is reported apart), the spare worker the launcher keeps warm,
     and the trusted reference child (forked from the grader process). ``VmHWM`` counts shared
     pages too: a forked child starts with its parent's resident pages.
   The correct sample must get full marks: otherwise the figures are printed, then the lost parts,
   and the script exits 1. (With N and k both in [300, 400], question 1.8's regression has fewer
   examples than features in about half the cases: XᵀX is singular, the sample's inv() and the
   reference's solve() disagree and the sample loses a point. So N, the number of examples, is
   drawn from [401, 500] by default (``--dim N 401 500``): every other dimension from [300, 400].)
   A run is started through ``/bin/sh`` (see VIA_SHELL): Linux carries the RSS peak of a process
   image into ru_maxrss across exec, so a run started straight from this process would report
   this process's RSS as its own floor.
3. ``--runs N`` repeats in fresh processes and reports the median of each figure (and every run).

``--explain`` adds one instrumented run (not part of the medians) that says where the grader
process's memory is at its RSS peak: the reference cache, the cases of the function being
graded, the current chunk, the student's answers, the request messages being written, the
allocator's free-but-kept memory (mallinfo2), how the peak grew (and during which function and
chunk), and with ``--tracemalloc`` the biggest allocating lines at the traced peak (tracemalloc
adds to that run's RSS). ``--set MODULE.NAME=BYTES`` (repeatable) overrides one of the size constants in that process
before grading (``session._CHUNK_BYTES``, ``sandbox.runner._BATCH_BYTES``,
``reference._CACHE_BYTES``), to see what a smaller constant would save without editing grader/.
The environment reaches every run, so e.g. ``GLIBC_TUNABLES=glibc.malloc.mmap_threshold=131072``
shows the effect of a fixed malloc mmap threshold on the grader process (and the reference child;
the zygote and its workers start with an empty environment).

Usage:
    python bench/memory.py [--dims LO HI] [--cases N] [--runs N] [--json PATH]
                           [--dim NAME LO HI ...] [--call-timeout S] [--total-timeout S]
                           [--cold-cache] [--poll-ms MS] [--keep]
                           [--explain [--tracemalloc] [--set MODULE.NAME=BYTES ...]]
"""

from __future__ import annotations

# Only light standard-library modules at the top: a measured run imports this file (from its cached
# bytecode) and takes its "before importing grader" figure right after; the orchestrating process
# imports the rest (argparse, statistics, subprocess, yaml, ...) in its own functions.
import json
import os
import re
import resource
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
RUBRIC = ROOT / "rubrics" / "recitation5.yaml"
REFERENCE = ROOT / "rubrics" / "recitation5_reference.py"
SUBMISSION = ROOT / "sample_submissions" / "recitation5" / "correct.py"
TARGET_MIB = 100.0
MIB = 1024 * 1024
SETTABLE = {"session._CHUNK_BYTES", "sandbox.runner._BATCH_BYTES", "reference._CACHE_BYTES"}


# =============================================================================================
# The rubric copy
# =============================================================================================


def rewrite_rubric(text: str, dims: tuple[int, int], per_dim: dict[str, tuple[int, int]], cases: int,
                   call_timeout: float | None, total_timeout: float | None) -> str:
    """The rubric's text with its dimensions' ranges and defaults replaced (comments and layout kept)."""
    lines = text.split("\n")
    out: list[str] = []
    section = None
    seen_defaults: set[str] = set()
    wanted = {"random_cases": str(cases)}
    if call_timeout is not None:
        wanted["call_timeout"] = f"{call_timeout:g}"
    if total_timeout is not None:
        wanted["total_timeout"] = f"{total_timeout:g}"
    defaults_indent = "  "
    for line in lines:
        top = re.match(r"^([A-Za-z_][\w-]*):", line)
        if top:
            if section == "defaults":
                out[len(out):] = _missing_defaults(wanted, seen_defaults, defaults_indent)
            section = top.group(1)
            out.append(line)
            continue
        entry = re.match(r"^(\s+)([A-Za-z_]\w*):(\s*)([^#]*?)(\s*#.*)?$", line)
        if section == "dimensions" and entry:
            indent, name, _, _, comment = entry.groups()
            low, high = per_dim.get(name, dims)
            line = f"{indent}{name}: [{low}, {high}]{comment or ''}"
        elif section == "defaults" and entry and entry.group(2) in wanted:
            indent, name, _, _, comment = entry.groups()
            defaults_indent = indent
            seen_defaults.add(name)
            line = f"{indent}{name}: {wanted[name]}{comment or ''}"
        out.append(line)
    if section == "defaults":
        out[len(out):] = _missing_defaults(wanted, seen_defaults, defaults_indent)
    return "\n".join(out)


def _missing_defaults(wanted: dict[str, str], seen: set[str], indent: str) -> list[str]:
    return [f"{indent}{name}: {value}" for name, value in wanted.items() if name not in seen]


def prepare(folder: Path, args) -> dict:
    """Write the rubric copy, its reference and the submission; check the copy says what was asked."""
    import shutil

    import yaml  # only in the orchestrating process, never in a measured one

    rubric_dir, submission_dir, cache = folder / "rubric", folder / "submission", folder / "cache"
    for d in (rubric_dir, submission_dir, cache):
        d.mkdir()
    per_dim = {name: (low, high) for name, low, high in args.dim}
    text = rewrite_rubric(RUBRIC.read_text(encoding="utf-8"), tuple(args.dims), per_dim, args.cases,
                          args.call_timeout, args.total_timeout)
    rubric = rubric_dir / RUBRIC.name
    rubric.write_text(text, encoding="utf-8")
    shutil.copy2(REFERENCE, rubric_dir / REFERENCE.name)
    submission = submission_dir / SUBMISSION.name
    shutil.copy2(SUBMISSION, submission)

    original = yaml.safe_load(RUBRIC.read_text(encoding="utf-8"))
    copy = yaml.safe_load(text)
    expected_dims = {name: list(per_dim.get(name, tuple(args.dims))) for name in original["dimensions"]}
    unknown = sorted(set(per_dim) - set(original["dimensions"]))
    if unknown:
        sys.exit(f"error: --dim {unknown[0]}: the rubric has no dimension '{unknown[0]}' "
                 f"(it has {', '.join(original['dimensions'])})")
    problems = []
    if copy["dimensions"] != expected_dims:
        problems.append(f"dimensions {copy['dimensions']} != {expected_dims}")
    if copy["defaults"].get("random_cases") != args.cases:
        problems.append(f"random_cases {copy['defaults'].get('random_cases')} != {args.cases}")
    if {k: v for k, v in copy.items() if k not in ("dimensions", "defaults")} != \
            {k: v for k, v in original.items() if k not in ("dimensions", "defaults")}:
        problems.append("sections other than dimensions and defaults changed")
    if problems:
        sys.exit("error: the rubric copy is not what was asked: " + "; ".join(problems))
    defaults = copy["defaults"]
    return {
        "folder": str(folder),
        "rubric": str(rubric),
        "submission": str(submission),
        "cache": str(cache),
        "dimensions": copy["dimensions"],
        "random_cases": defaults["random_cases"],
        "call_timeout": float(defaults.get("call_timeout", 2.0)),
        "total_timeout": float(defaults.get("total_timeout", 60.0)),
        "call_timeout_changed": args.call_timeout is not None,
        "total_timeout_changed": args.total_timeout is not None,
    }


def child_env(setup: dict, cold: bool) -> dict:
    env = dict(os.environ)
    env["XDG_CACHE_HOME"] = setup["cache"]
    env.pop("GRADER_NO_CACHE", None)
    if cold:
        env["GRADER_NO_CACHE"] = "1"
    env.pop("GRADER_TEST_DISABLE_LAYERS", None)
    return env


def warm_cache(setup: dict) -> None:
    """Load (and so validate and cache) the rubric copy once, in a throwaway process."""
    import subprocess

    code = ("import sys; sys.path.insert(0, sys.argv[1]); from grader.rubric.loader import load_rubric; "
            "load_rubric(sys.argv[2])")
    done = subprocess.run([sys.executable, "-c", code, str(ROOT), setup["rubric"]], env=child_env(setup, False),
                          capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.exit(f"error: the rubric copy does not load:\n{done.stderr.strip()[-2000:]}")


# =============================================================================================
# One measured run: a fresh `python -c CHILD_BOOT BENCH_DIR SPEC_JSON RESULT_PATH` that imports
# this file as the module `memory` (from bytecode compiled beforehand) and calls child_main
# =============================================================================================

CHILD_BOOT = ("import sys; sys.path.insert(0, sys.argv[1]); import memory; "
              "sys.exit(memory.child_main(sys.argv[2], sys.argv[3]))")
# Through a shell that forks, not straight from this process: Linux keeps the largest RSS of the
# process image an exec replaces in ru_maxrss, and subprocess's (v)fork+exec would hand this
# process's own RSS to the measured run's "before importing grader" (and any later) figure.
# The shell's fork starts a fresh record; the script after "$@" stops it exec'ing in place.
VIA_SHELL = ["/bin/sh", "-c", '"$@"; status=$?; exit $status', "sh"]


def maxrss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def _status(pid: int) -> dict[str, int] | None:
    """VmHWM and VmRSS (KiB) of a process; None when it is gone. A zombie has no Vm* lines."""
    try:
        with open(f"/proc/{pid}/status", "rb") as f:
            raw = f.read()
    except OSError:
        return None
    out = {}
    for line in raw.split(b"\n"):
        if line.startswith((b"VmHWM:", b"VmRSS:")):
            key, value = line.split(b":", 1)
            out[key.decode()] = int(value.split()[0])
    return out


def _ppid(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            raw = f.read()
    except OSError:
        return None
    return int(raw[raw.rindex(b")") + 2:].split()[1])


def _cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


class ProcessWatch(threading.Thread):
    """Polls /proc for this process's descendants and keeps each one's largest VmHWM.

    A pid's parent is read once, when the pid first appears (a worker's PID 1 is reparented while
    it is being killed: its role is its parent at birth); a pid that disappears is forgotten, so a
    reused pid is looked at again. ``on_tick`` (explain
    mode) runs once per poll with this process's VmRSS.
    """

    def __init__(self, interval: float, on_tick=None) -> None:
        super().__init__(name="memory-watch", daemon=True)
        self.root = os.getpid()
        self.interval = interval
        self.on_tick = on_tick
        self.parents: dict[int, int] = {}
        self.procs: dict[int, dict] = {}  # descendant pid -> {ppid, cmd, hwm_kib, first, last}
        self.ticks = 0
        self._stop_event = threading.Event()
        self._started_at = time.monotonic()

    def run(self) -> None:
        while not self._stop_event.wait(self.interval):
            self.poll()

    def stop(self) -> None:
        self._stop_event.set()
        self.join()
        self.poll()

    def poll(self) -> None:
        self.ticks += 1
        now = time.monotonic() - self._started_at
        try:
            alive = {int(n) for n in os.listdir("/proc") if n.isdigit()}
        except OSError:
            return
        for pid in list(self.parents):
            if pid not in alive:
                del self.parents[pid]
        for pid in alive:
            if pid not in self.parents:
                ppid = _ppid(pid)
                if ppid is not None:
                    self.parents[pid] = ppid
        children: dict[int, list[int]] = {}
        for pid, ppid in self.parents.items():
            children.setdefault(ppid, []).append(pid)
        frontier = list(children.get(self.root, ()))
        while frontier:
            pid = frontier.pop()
            frontier += children.get(pid, ())
            status = _status(pid)
            if status is None:
                continue
            entry = self.procs.get(pid)
            if entry is None:
                entry = self.procs[pid] = {"ppid": self.parents[pid], "cmd": _cmdline(pid), "hwm_kib": 0,
                                           "first": now, "last": now}
            elif entry["ppid"] == self.root:  # a fresh Popen child still shows our cmdline until it execs
                entry["cmd"] = _cmdline(pid) or entry["cmd"]
            entry["last"] = now  # (the parent stays the one at birth: a dying worker is reparented first)
            if "VmHWM" in status:
                entry["hwm_kib"] = max(entry["hwm_kib"], status["VmHWM"])
        if self.on_tick is not None:
            own = _status(self.root) or {}
            self.on_tick(now, own.get("VmRSS", 0))

    def roles(self, used_workers: set[int]) -> dict[str, list[dict]]:
        """Descendants grouped by role (see the module docstring)."""
        out: dict[str, list[dict]] = {}

        def add(role: str, pid: int) -> None:
            entry = self.procs[pid]
            out.setdefault(role, []).append({"pid": pid, "hwm_mib": entry["hwm_kib"] / 1024,
                                             "seen_s": [round(entry["first"], 3), round(entry["last"], 3)]})

        kids: dict[int, list[int]] = {}
        for pid, entry in self.procs.items():
            kids.setdefault(entry["ppid"], []).append(pid)
        for pid in sorted(kids.get(self.root, ())):
            if "zygote_process" in self.procs[pid]["cmd"]:
                add("zygote", pid)
                for forked in sorted(kids.get(pid, ())):
                    kind = "worker" if forked in used_workers else "spare worker"
                    inner = sorted(kids.get(forked, ()))
                    if not inner:  # no pid namespace: the forked process is the worker itself
                        add(kind, forked)
                        continue
                    add(f"{kind}: waiting parent", forked)
                    for p in inner:
                        add(kind, p)
                        for grandchild in _below(kids, p):
                            add(f"{kind}: its own subprocesses", grandchild)
            else:
                add("reference child" if "reference child" not in out else "other child of the grader", pid)
                for below in _below(kids, pid):
                    add("other child of the grader", below)
        return out


def _below(kids: dict[int, list[int]], pid: int) -> list[int]:
    out, frontier = [], list(kids.get(pid, ()))
    while frontier:
        p = frontier.pop()
        out.append(p)
        frontier += kids.get(p, ())
    return sorted(out)


def child_main(spec_json: str, result_path: str) -> int:
    spec = json.loads(spec_json)
    figures = {"before_import_mib": maxrss_mib()}
    sys.path.insert(0, str(ROOT))
    import grader

    grader.Grader  # noqa: B018 - loads the API (numpy, the sandbox, the checks) now
    figures["after_imports_mib"] = maxrss_mib()

    from grader.results import GradeResult
    from grader.sandbox.runner import SubmissionRunner
    from grader.sandbox.zygote import ZygoteLauncher

    used_workers: set[int] = set()
    original_start = ZygoteLauncher.start

    def start(self, worker_spec):
        handle = original_start(self, worker_spec)
        used_workers.add(handle.pid)
        return handle

    ZygoteLauncher.start = start

    calls = {"student": {"calls": 0, "slowest_s": 0.0, "errors": {}}, "reference": {"calls": 0, "slowest_s": 0.0,
                                                                                     "errors": {}}}
    original_call_many = SubmissionRunner.call_many

    def call_many(self, name, batch):
        outcomes = original_call_many(self, name, batch)
        record = calls["reference" if self.launcher.name == "trusted" else "student"]
        record["calls"] += len(outcomes)
        for outcome in outcomes:
            record["slowest_s"] = max(record["slowest_s"], outcome.seconds)
            if not outcome.ok:
                record["errors"][outcome.error.kind] = record["errors"].get(outcome.error.kind, 0) + 1
        return outcomes

    SubmissionRunner.call_many = call_many

    explain = Explain(spec) if spec.get("explain") else None
    watch = ProcessWatch(spec["poll_ms"] / 1000, explain.tick if explain else None)
    watch.start()
    started = time.perf_counter()
    with grader.Grader(spec["rubric"]) as g:
        set_up = time.perf_counter()
        figures["after_setup_mib"] = maxrss_mib()
        if explain:
            explain.attach(g)
        try:
            outcome = g.grade(spec["submission"])
        except Exception as exc:  # noqa: BLE001 - e.g. the rubric copy's reference fails: reported, figures kept
            outcome = exc
        graded = time.perf_counter()
        figures["after_grading_mib"] = maxrss_mib()
        figures["vmhwm_after_grading_mib"] = _status(os.getpid())["VmHWM"] / 1024  # cross-check
        watch.stop()  # the last poll: the zygote and the reference child are still alive here
    closed = time.perf_counter()

    result = {
        "figures": figures,
        "processes": watch.roles(used_workers),
        "process_tree": {pid: {"ppid": e["ppid"], "cmd": e["cmd"][:120], "hwm_mib": e["hwm_kib"] / 1024,
                               "seen_s": [round(e["first"], 3), round(e["last"], 3)]}
                         for pid, e in sorted(watch.procs.items())},
        "used_workers": sorted(used_workers),
        "polls": watch.ticks,
        "seconds": {"setup": set_up - started, "grade": graded - set_up, "close": closed - graded,
                    "total": closed - started},
        "calls": calls,
        "grader_file": grader.__file__,
    }
    if isinstance(outcome, GradeResult):
        result["score"], result["max_score"] = outcome.score, outcome.max_score
        result["lost"] = [{"part": f"{part.question_id}.{part.part_id}", "score": part.score, "points": part.points,
                           "checks": [f"{c.kind}: {c.summary}" for c in part.checks if not c.passed]}
                          for question in outcome.questions for part in question.parts if part.score < part.points]
        result["grade_execution_time"] = outcome.execution_time
    else:
        reason = getattr(outcome, "reason", None) or f"{type(outcome).__name__}: {outcome}"
        result["score"], result["max_score"] = None, None
        result["lost"] = [{"part": "-", "score": 0, "points": 0, "checks": [f"not graded: {reason}"]}]
    if explain:
        result["explain"] = explain.report()
    Path(result_path).write_text(json.dumps(result))
    return 0


# =============================================================================================
# --explain: where the grader process's memory is at its RSS peak (instrumented from here)
# =============================================================================================


class Explain:
    """Gauges kept up to date by wrappers around grader functions, sampled with this process's RSS."""

    def __init__(self, spec: dict) -> None:
        import ctypes
        import tracemalloc

        import numpy as np

        import grader.reference
        from grader import session
        from grader.sandbox import protocol, runner

        self.np = np
        self.tracemalloc = tracemalloc
        self.gauges = {"function": "(set-up)", "chunk": "", "cases_bytes": 0, "cases_count": 0, "chunk_bytes": 0,
                       "chunk_count": 0, "student_answers_bytes": 0, "requests_in_flight_bytes": 0,
                       "reference_cache_bytes": 0, "reference_cache_entries": 0}
        self.per_function: dict[str, dict] = {}
        self.peak = {"rss_kib": 0}
        self.reference = None
        self.lock = threading.Lock()
        self.settings = {}
        modules = {"session": session, "sandbox.runner": runner, "reference": grader.reference}
        for assignment in spec.get("set", []):
            name, value = assignment.split("=", 1)
            module_name, attribute = name.rsplit(".", 1)
            setattr(modules[module_name], attribute, int(value))
        self.settings = {"session._CHUNK_BYTES": session._CHUNK_BYTES,
                         "sandbox.runner._BATCH_BYTES": runner._BATCH_BYTES,
                         "reference._CACHE_BYTES": grader.reference._CACHE_BYTES}
        try:
            libc = ctypes.CDLL("libc.so.6")

            class Mallinfo2(ctypes.Structure):
                _fields_ = [(n, ctypes.c_size_t) for n in ("arena", "ordblks", "smblks", "hblks", "hblkhd", "usmblks",
                                                           "fsmblks", "uordblks", "fordblks", "keepcost")]

            libc.mallinfo2.restype = Mallinfo2
            self.mallinfo = libc.mallinfo2
        except (OSError, AttributeError):
            self.mallinfo = None

        gauges = self.gauges
        original_observe = session.Session.observe_function
        original_cases = session.Session._cases
        original_chunks = session._chunks
        original_call_many = runner.SubmissionRunner.call_many
        explain = self

        def observe_function(self_, function, parts):
            gauges["function"] = function.name
            try:
                yield from original_observe(self_, function, parts)
            finally:
                gauges.update(function="(after the functions)", chunk="", cases_bytes=0, cases_count=0,
                              chunk_bytes=0, chunk_count=0, student_answers_bytes=0)

        def cases(self_, function, plans):
            out = original_cases(self_, function, plans)
            gauges["cases_bytes"] = sum(_nbytes(np, c.args) for c in out)
            gauges["cases_count"] = len(out)
            return out

        def chunks(all_cases):
            total = 0
            for k, chunk in enumerate(original_chunks(all_cases)):
                total += len(chunk)
                gauges["chunk"] = f"{k + 1} (cases {total - len(chunk) + 1}-{total} of {len(all_cases)})"
                gauges["chunk_bytes"] = sum(_nbytes(np, c.args) for c in chunk)
                gauges["chunk_count"] = len(chunk)
                gauges["student_answers_bytes"] = 0
                yield chunk

        def call_many(self_, name, batch):
            outcomes = original_call_many(self_, name, batch)
            if self_.launcher.name != "trusted":
                gauges["student_answers_bytes"] = sum(_nbytes(np, o.value) for o in outcomes if o.ok)
            return outcomes

        def write_message(fd, obj, deadline=None):
            message = protocol.encode(obj)
            with explain.lock:
                gauges["requests_in_flight_bytes"] += len(message)
            try:
                protocol.write_bytes(fd, message, deadline)
            finally:
                with explain.lock:
                    gauges["requests_in_flight_bytes"] -= len(message)

        session.Session.observe_function = observe_function
        session.Session._cases = cases
        session._chunks = chunks
        runner.SubmissionRunner.call_many = call_many  # wraps the timing wrapper installed before
        runner.write_message = write_message
        protocol.write_message = write_message
        self.maxrss_seen = 0.0
        self.maxrss_growth: list[dict] = []
        self.traced_peak = (0, None)
        self.tracing = bool(spec.get("tracemalloc"))
        if self.tracing:
            tracemalloc.start(1)

    def attach(self, g) -> None:
        self.reference = g._reference

    def tick(self, now: float, rss_kib: int) -> None:
        if self.reference is not None:
            self.gauges["reference_cache_bytes"] = self.reference._cached_bytes
            self.gauges["reference_cache_entries"] = len(self.reference._cache)
        function = self.gauges["function"]
        stats = self.per_function.setdefault(function, {"peak_rss_mib": 0.0, "cases_mib": 0.0, "chunk_mib": 0.0,
                                                        "student_answers_mib": 0.0, "requests_mib": 0.0,
                                                        "reference_cache_mib": 0.0, "first_s": now})
        stats["peak_rss_mib"] = max(stats["peak_rss_mib"], rss_kib / 1024)
        for key, gauge in (("cases_mib", "cases_bytes"), ("chunk_mib", "chunk_bytes"),
                           ("student_answers_mib", "student_answers_bytes"), ("requests_mib", "requests_in_flight_bytes"),
                           ("reference_cache_mib", "reference_cache_bytes")):
            stats[key] = max(stats[key], self.gauges[gauge] / MIB)
        stats["last_s"] = now
        maxrss = maxrss_mib()
        if maxrss > self.maxrss_seen + 0.5:  # the peak grew since the last poll: say during what
            self.maxrss_growth.append({"t": now, "maxrss_mib": maxrss, "rss_mib": rss_kib / 1024,
                                       "function": function, "chunk": self.gauges["chunk"]})
        self.maxrss_seen = max(self.maxrss_seen, maxrss)
        stats["maxrss_mib"] = maxrss
        if rss_kib > self.peak["rss_kib"]:
            self.peak = {"rss_kib": rss_kib, "t": now, **self.gauges}
            if self.mallinfo is not None:
                info = self.mallinfo()
                self.peak["malloc"] = {"heap_bytes": info.arena, "mmapped_bytes": info.hblkhd,
                                       "in_use_bytes": info.uordblks, "free_kept_bytes": info.fordblks}
        if self.tracing:
            current, _ = self.tracemalloc.get_traced_memory()
            if current > self.traced_peak[0] * 1.02 and current > 16 * MIB:
                self.traced_peak = (current, self.tracemalloc.take_snapshot())

    def report(self) -> dict:
        traced, snapshot = self.traced_peak
        lines = []
        if snapshot is not None:
            snapshot = snapshot.filter_traces([self.tracemalloc.Filter(False, self.tracemalloc.__file__)])
            for stat in snapshot.statistics("lineno")[:10]:
                frame = stat.traceback[0]
                lines.append({"where": f"{_short(frame.filename)}:{frame.lineno}", "mib": stat.size / MIB,
                              "blocks": stat.count, "code": _source_line(frame.filename, frame.lineno)})
        traced_max = self.tracemalloc.get_traced_memory()[1] if self.tracing else 0
        return {"tracing": self.tracing, "maxrss_growth": self.maxrss_growth, "settings": self.settings,
                "at_rss_peak": self.peak, "per_function": self.per_function,
                "traced_snapshot_mib": traced / MIB, "traced_peak_mib": traced_max / MIB, "top_lines": lines}


def _nbytes(np, value) -> int:
    if isinstance(value, np.ndarray):
        return value.nbytes
    if isinstance(value, (tuple, list)):
        return sum(_nbytes(np, v) for v in value)
    if isinstance(value, dict) or hasattr(value, "values"):
        return sum(_nbytes(np, v) for v in value.values())
    return 0


def _short(filename: str) -> str:
    for base in (str(ROOT) + "/", str(Path(sys.prefix)) + "/"):
        if filename.startswith(base):
            return filename[len(base):]
    return filename


def _source_line(filename: str, lineno: int) -> str:
    import linecache

    return linecache.getline(filename, lineno).strip()[:90]


# =============================================================================================
# The orchestrating process: runs, medians, report
# =============================================================================================


ROWS = [  # (key in the per-run summary, label)
    ("before_import_mib", "before importing grader"),
    ("after_imports_mib", "after imports (grader.Grader, numpy)"),
    ("after_setup_mib", "after Grader(): zygote, rubric, reference child"),
    ("after_grading_mib", "after grade(): the peak"),
]
PROCESS_ROWS = [
    ("zygote", "zygote (python -I ... zygote_process)"),
    ("worker", "student's worker (PID 1 of its namespace)"),
    ("worker: waiting parent", "  its waiting parent (outside the namespace)"),
    ("worker: its own subprocesses", "  processes the student started"),
    ("spare worker", "spare worker (sandboxed, never used)"),
    ("spare worker: waiting parent", "  its waiting parent"),
    ("reference child", "reference child (forked from the grader)"),
    ("other child of the grader", "other children of the grader"),
]


def summarize_run(result: dict) -> dict:
    """One run's figures, flat: the grader's four, and the largest VmHWM of each process role."""
    flat = dict(result["figures"])
    for role, entries in result["processes"].items():
        flat[role] = max(e["hwm_mib"] for e in entries)
        flat[f"{role} (count)"] = len(entries)
    for key, value in result["seconds"].items():
        flat[f"{key}_s"] = value
    return flat


def compile_self() -> None:
    """Write this file's bytecode where `import memory` finds it, so that a measured run does not pay
    for compiling it (an AST's worth of memory) before its "before importing grader" figure."""
    import importlib.util
    import py_compile

    source = str(Path(__file__).resolve())
    py_compile.compile(source, cfile=importlib.util.cache_from_source(source), doraise=True)


def run_once(setup: dict, args, explain: bool) -> dict:
    import subprocess

    spec = {"rubric": setup["rubric"], "submission": setup["submission"], "poll_ms": args.poll_ms,
            "explain": explain, "set": args.set if explain else [], "tracemalloc": explain and args.tracemalloc}
    result_path = Path(setup["folder"]) / f"result-{time.monotonic_ns()}.json"
    done = subprocess.run([*VIA_SHELL, sys.executable, "-c", CHILD_BOOT, str(HERE), json.dumps(spec), str(result_path)],
                          env=child_env(setup, args.cold_cache), cwd=ROOT,
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, check=False)
    if done.returncode != 0 or not result_path.is_file():
        sys.exit(f"error: a measured run exited {done.returncode}\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return json.loads(result_path.read_text())


def fmt_runs(values: list[float | None]) -> str:
    return "  ".join("    -" if v is None else f"{v:5.1f}" for v in values)


def print_explain(result: dict, setup: dict) -> None:
    ex = result["explain"]
    peak = ex["at_rss_peak"]
    setup_mib = result["figures"]["after_setup_mib"]
    print("\nwhere the grader process's memory is (--explain: one more, instrumented run, not in the medians)")
    print("  settings: " + ", ".join(f"{k} = {v / MIB:g} MiB" for k, v in ex["settings"].items()))
    print(f"  this run: peak RSS {result['figures']['after_grading_mib']:.1f} MiB "
          f"(after Grader(): {setup_mib:.1f} MiB); score {result['score']:g} / {result['max_score']:g}")
    print(f"  at the highest RSS a poll saw ({peak['rss_kib'] / 1024:.1f} MiB, {peak.get('t', 0):.2f} s into the run; "
          f"the peak between polls is {max(0.0, result['figures']['after_grading_mib'] - peak['rss_kib'] / 1024):.1f} MiB "
          f"higher): {peak.get('function')}(), chunk {peak.get('chunk') or '-'}")
    rows = [
        ("reference answers cached (Reference._cache)", peak.get("reference_cache_bytes", 0),
         f"{peak.get('reference_cache_entries', 0)} entries"),
        ("this function's cases (Session._cases list)", peak.get("cases_bytes", 0), f"{peak.get('cases_count', 0)} cases"),
        ("  of which the current chunk (_chunks)", peak.get("chunk_bytes", 0), f"{peak.get('chunk_count', 0)} cases"),
        ("student's answers for the chunk (call_many)", peak.get("student_answers_bytes", 0), ""),
        ("request messages being written (encode)", peak.get("requests_in_flight_bytes", 0), "student + reference"),
    ]
    for label, size, note in rows:
        print(f"    {label:<48} {size / MIB:7.1f} MiB  {note}")
    malloc = peak.get("malloc")
    if malloc:
        print(f"    {'malloc: heap (brk + thread arenas)':<48} {malloc['heap_bytes'] / MIB:7.1f} MiB  "
              f"of which free but kept {malloc['free_kept_bytes'] / MIB:.1f} MiB")
        print(f"    {'malloc: mmapped blocks':<48} {malloc['mmapped_bytes'] / MIB:7.1f} MiB")
    print("  per function, in grading order: largest value while it was graded (MiB); ru_maxrss when it ended")
    print(f"    {'function':<24} {'RSS':>6} {'cases':>6} {'chunk':>6} {'answers':>8} {'requests':>8} {'ref cache':>9}"
          f" {'ru_maxrss':>9}")
    for name, s in ex["per_function"].items():
        print(f"    {name:<24} {s['peak_rss_mib']:6.1f} {s['cases_mib']:6.1f} {s['chunk_mib']:6.1f} "
              f"{s['student_answers_mib']:8.1f} {s['requests_mib']:8.1f} {s['reference_cache_mib']:9.1f}"
              f" {s.get('maxrss_mib', 0):9.1f}")
    if not ex["tracing"]:
        return
    print(f"  tracemalloc: peak {ex['traced_peak_mib']:.1f} MiB traced; biggest lines in a snapshot at "
          f"{ex['traced_snapshot_mib']:.1f} MiB (tracemalloc itself adds to this run's RSS):")
    for line in ex["top_lines"]:
        print(f"    {line['mib']:6.1f} MiB {line['blocks']:5d} blocks  {line['where']:<34} {line['code']}")


def main(argv: list[str] | None = None) -> int:
    import argparse
    import shutil
    import tempfile

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dims", nargs=2, type=int, default=[300, 400], metavar=("LO", "HI"),
                        help="range for every dimension (default 300 400)")
    parser.add_argument("--dim", nargs=3, action="append", default=None, metavar=("NAME", "LO", "HI"),
                        help="a different range for one dimension (repeatable); default: N 401 500, so that the "
                             "regression has more examples than features (XᵀX invertible)")
    parser.add_argument("--cases", type=int, default=20, help="defaults.random_cases (default 20)")
    parser.add_argument("--runs", type=int, default=3, help="measured runs, each in a fresh process (default 3)")
    parser.add_argument("--json", type=Path, help="write every run's figures and the medians here")
    parser.add_argument("--call-timeout", type=float, help="defaults.call_timeout of the copy (default: the rubric's)")
    parser.add_argument("--total-timeout", type=float, help="defaults.total_timeout of the copy (default: the rubric's)")
    parser.add_argument("--cold-cache", action="store_true",
                        help="GRADER_NO_CACHE=1: parse and validate the rubric in every run")
    parser.add_argument("--poll-ms", type=float, default=5.0, help="/proc polling interval (default 5 ms)")
    parser.add_argument("--explain", action="store_true", help="add one instrumented run: where the memory is")
    parser.add_argument("--tracemalloc", action="store_true",
                        help="with --explain: also trace allocations (the biggest lines at the traced peak)")
    parser.add_argument("--set", action="append", default=[], metavar="MODULE.NAME=BYTES",
                        help=f"with --explain: override a size constant ({', '.join(sorted(SETTABLE))})")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder")
    args = parser.parse_args(argv)
    args.dim = [(name, int(low), int(high)) for name, low, high in (args.dim or [("N", "401", "500")])]
    if args.runs < 1 or args.cases < 1:
        parser.error("--runs and --cases must be at least 1")
    for low, high in [tuple(args.dims)] + [(lo, hi) for _, lo, hi in args.dim]:
        if not 1 <= low <= high:
            parser.error(f"bad range [{low}, {high}]")
    for assignment in args.set:
        name, _, value = assignment.partition("=")
        if name not in SETTABLE or not value.isdigit():
            parser.error(f"--set {assignment}: expected one of {', '.join(sorted(SETTABLE))} = a byte count")
    if (args.set or args.tracemalloc) and not args.explain:
        parser.error("--set and --tracemalloc apply to the --explain run only")

    folder = Path(tempfile.mkdtemp(prefix="grader-memory-"))
    try:
        setup = prepare(folder, args)
        compile_self()
        if not args.cold_cache:
            warm_cache(setup)
        results = [run_once(setup, args, explain=False) for _ in range(args.runs)]
        explained = run_once(setup, args, explain=True) if args.explain else None
        status = report(setup, args, results, explained)
    finally:
        if args.keep:
            print(f"\ntemporary folder kept: {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    return status


def report(setup: dict, args, results: list[dict], explained: dict | None) -> int:
    import platform
    import statistics
    import subprocess

    runs = [summarize_run(r) for r in results]

    def median(key: str) -> float | None:
        values = [r[key] for r in runs if key in r]
        return statistics.median(values) if values else None

    dims = setup["dimensions"]
    ranges = sorted({tuple(v) for v in dims.values()})
    ranges_text = ", ".join(f"{[n for n, v in dims.items() if tuple(v) == r]} in {list(r)}" for r in ranges) \
        if len(ranges) > 1 else f"every dimension in {list(ranges[0])}"
    numpy_version = subprocess.run([sys.executable, "-c", "import numpy; print(numpy.__version__)"],
                                   capture_output=True, text=True, check=False).stdout.strip()
    print(f"memory: recitation5 with {ranges_text}, {setup['random_cases']} random cases; "
          f"{len(runs)} run(s), each in a fresh process")
    print(f"python {platform.python_version()} (numpy {numpy_version}), {platform.system()} {platform.machine()}, "
          f"{os.cpu_count()} CPUs; grader imported from {Path(results[0]['grader_file']).parent}")
    print(f"rubric copy: call_timeout {setup['call_timeout']:g} s"
          f"{' (set by --call-timeout)' if setup['call_timeout_changed'] else ' (as in the rubric)'}, "
          f"total_timeout {setup['total_timeout']:g} s"
          f"{' (set by --total-timeout)' if setup['total_timeout_changed'] else ' (as in the rubric)'}; "
          f"validated-rubric cache {'off (--cold-cache)' if args.cold_cache else 'warm (private, filled before the runs)'}")

    print(f"\ngrader process (the benchmark's own), peak RSS = ru_maxrss   {'median':>8}   runs")
    for key, label in ROWS:
        print(f"  {label:<58} {median(key):6.1f} MiB   {fmt_runs([r.get(key) for r in runs])}")
    mismatch = max(abs(r["after_grading_mib"] - r["vmhwm_after_grading_mib"]) for r in runs)
    if mismatch > 1.0:
        print(f"  note: ru_maxrss and /proc/self/status VmHWM differ by up to {mismatch:.1f} MiB")
    print(f"\nother processes, peak RSS = VmHWM polled every {args.poll_ms:g} ms   {'median':>8}   runs")
    for key, label in PROCESS_ROWS:
        if any(key in r for r in runs):
            counts = {r.get(f"{key} (count)", 0) for r in runs}
            note = f"   ({'/'.join(str(c) for c in sorted(counts))} process(es) per run)" if counts != {1} else ""
            print(f"  {label:<58} {median(key):6.1f} MiB   {fmt_runs([r.get(key) for r in runs])}{note}")
    polls = statistics.median(r["polls"] for r in results)
    print(f"  (VmHWM counts shared pages: a forked process starts with its parent's resident pages; "
          f"{polls:.0f} polls per run)")

    print(f"\nwall time (median)   Grader() {median('setup_s'):.2f} s, grade() {median('grade_s'):.2f} s, "
          f"close {median('close_s'):.2f} s, total {median('total_s'):.2f} s")
    student = max(r["calls"]["student"]["slowest_s"] for r in results)
    reference = max(r["calls"]["reference"]["slowest_s"] for r in results)
    grade_time = max(r["seconds"]["grade"] for r in results)
    print(f"time limits          slowest student call {student * 1000:.0f} ms of call_timeout "
          f"{setup['call_timeout']:g} s; slowest reference call {reference * 1000:.0f} ms of "
          f"{max(10.0, 5 * setup['call_timeout']):g} s; slowest grade() {grade_time:.2f} s of total_timeout "
          f"{setup['total_timeout']:g} s")
    student_errors = {}
    for r in results:
        for kind, count in r["calls"]["student"]["errors"].items():
            student_errors[kind] = student_errors.get(kind, 0) + count
    if student_errors:
        print(f"                     student call errors: {student_errors}")

    scores = sorted({(r["score"], r["max_score"]) for r in results}, key=str)
    score_text = ", ".join("not graded" if s is None else f"{s:g} / {m:g}" for s, m in scores)
    print(f"score                {score_text}")

    peak = median("after_grading_mib")
    met = peak <= TARGET_MIB
    print(f"\nrequirement: grader process peak RSS <= {TARGET_MIB:g} MiB: {'met' if met else 'NOT met'} "
          f"({peak:.1f} MiB, median of {len(runs)}; worst {max(r['after_grading_mib'] for r in runs):.1f} MiB)")

    if explained is not None:
        print_explain(explained, setup)

    if args.json:
        medians = {key: median(key) for key in sorted({k for r in runs for k in r})}
        args.json.write_text(json.dumps({"setup": setup, "args": {k: v for k, v in vars(args).items() if k != "json"},
                                         "target_mib": TARGET_MIB, "met": met, "medians": medians, "runs": results,
                                         "explain": explained}, indent=2, default=str) + "\n")
        print(f"\nevery run's figures written to {args.json}")

    failed = [r for r in results if r["score"] is None or r["score"] != r["max_score"]]
    if failed:
        r = failed[0]
        first = "not graded" if r["score"] is None else f"{r['score']:g} / {r['max_score']:g}"
        lines = [(f"FAIL: the correct sample did not get full marks in {len(failed)} of {len(results)} run(s) "
                  f"(first: {first}); the figures above are not those of a correct submission")]
        for lost in r["lost"]:
            lines.append(f"  part {lost['part']}: {lost['score']:g} / {lost['points']:g}")
            lines += [f"    {check}" for check in lost["checks"]]
        print("\n" + "\n".join(lines), file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
