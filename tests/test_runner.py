"""The sandboxed runner: every failure of a submission is a graded outcome, in bounded time."""

from __future__ import annotations

import os
import time

import numpy as np
import pytest

from grader.sandbox.launcher import default_launcher
from grader.sandbox.protocol import Unsupported
from grader.sandbox.limits import Limits
from grader.sandbox.runner import SubmissionRunner
from grader.sandbox.slots import SubmissionFiles

pytestmark = pytest.mark.sandbox  # every test starts sandboxed workers

FAST = Limits(call_timeout=1.0, import_timeout=3.0, total_timeout=15.0)


def files(path) -> SubmissionFiles:
    return SubmissionFiles.single(path.read_bytes())


@pytest.fixture(scope="module")
def launcher():
    launcher = default_launcher()
    yield launcher
    launcher.close()


@pytest.fixture
def run(write, launcher):
    runners = []

    def _run(source: str, limits: Limits = FAST) -> SubmissionRunner:
        runner = SubmissionRunner(files(write("submission.py", source)), launcher, limits)
        runners.append(runner)
        return runner

    yield _run
    for runner in runners:
        runner.close()


def test_a_working_function_returns_plain_float_arrays(run):
    runner = run("""
        import numpy as np
        def f(a, s):
            return a * 2, s + 1, [1, 2]
    """)
    outcome = runner.call("f", [np.arange(3.0), np.array(1.5)])
    assert outcome.ok, outcome.error
    doubled, scalar, listed = outcome.value
    assert doubled.tolist() == [0.0, 2.0, 4.0] and float(scalar) == 2.5 and listed.tolist() == [1.0, 2.0]


def test_scalar_arguments_arrive_as_python_floats(run):
    runner = run("""
        def kind(s):
            return float(isinstance(s, float))
    """)
    assert float(runner.call("kind", [np.array(2.0)]).value) == 1.0


def test_syntax_error_names_the_line(run):
    runner = run("x = 1\ndef f(:\n    pass\n")
    error = runner.import_error()
    assert error.kind == "syntax_error" and "line 2" in error.message
    assert runner.call("f", []).error == error


def test_exception_at_import_shows_the_students_line(run):
    runner = run("""
        import numpy as np
        TABLE = np.zeros(3)
        VALUE = TABLE[5]
    """)
    error = runner.import_error()
    assert error.kind == "import_error" and "IndexError" in error.message
    assert "line 3, in <module>: VALUE = TABLE[5]" in error.details


@pytest.mark.parametrize("source, kind", [
    ("import sys\nsys.exit(0)\n", "exit"),
    ("import os\nos._exit(0)\n", "crash"),
])
def test_exiting_at_import_is_not_success(run, source, kind):
    assert run(source).import_error().kind == kind


def test_missing_function_and_constant(run):
    runner = run("A = 3\n")
    assert runner.call("f", []).error.kind == "missing"
    assert float(runner.constant("A").value) == 3.0
    assert "no constant 'B'" in runner.constant("B").error.message


def test_exception_in_a_call_keeps_the_worker_for_other_calls(run):
    runner = run("""
        def bad(x):
            helper = {}
            return helper["missing"]
        def good(x):
            return x + 1
    """)
    error = runner.call("bad", [np.zeros(2)]).error
    assert error.kind == "exception" and "KeyError" in error.message
    assert "line 3, in bad" in error.details and "grader" not in error.details
    assert runner.call("good", [np.zeros(2)]).value.tolist() == [1.0, 1.0]


def test_infinite_loop_times_out_and_other_functions_still_run(run):
    runner = run("""
        def loop(x):
            while True:
                pass
        def good(x):
            return x * 3
    """)
    started = time.monotonic()
    first = runner.call("loop", [np.zeros(1)])
    assert first.error.kind == "timeout" and "timed out after 1 s" in first.error.message
    second = runner.call("loop", [np.zeros(1)])
    assert second.error.kind == "timeout" and "earlier case" in second.error.message
    assert runner.call("good", [np.ones(2)]).value.tolist() == [3.0, 3.0]
    assert time.monotonic() - started < 6


def test_sleeping_at_import_is_bounded(run):
    runner = run("import time\ntime.sleep(1000)\n", Limits(call_timeout=1, import_timeout=1, total_timeout=5))
    started = time.monotonic()
    assert runner.import_error().kind == "timeout"
    assert time.monotonic() - started < 4


def test_total_time_limit(run):
    runner = run("""
        import time
        def slow(x):
            time.sleep(0.8)
            return x
    """, Limits(call_timeout=2, import_timeout=3, total_timeout=2))
    outcomes = [runner.call("slow", [np.array(float(i))]) for i in range(5)]
    assert any(o.error is not None and o.error.kind == "timeout" for o in outcomes)
    assert "used up its 2 s" in outcomes[-1].error.message


def test_nan_and_unsupported_values_come_back_as_data(run):
    runner = run("""
        import numpy as np
        def nan(x):
            return np.full(2, np.nan)
        def gen(x):
            return (i for i in range(3))
    """)
    assert np.isnan(runner.call("nan", [np.zeros(1)]).value).all()
    assert isinstance(runner.call("gen", [np.zeros(1)]).value, Unsupported)


def test_printing_is_captured_and_capped(run):
    runner = run("""
        print("hello from the student")
        def shout(x):
            print("x" * 5_000_000)
            return x
    """)
    runner.call("shout", [np.zeros(1)])
    output = runner.output()
    assert output.stdout.startswith("hello from the student")
    assert output.truncated and len(output.stdout) <= 4000  # the cap is kept, and said (typed, not in the text)


def test_the_worker_does_not_inherit_the_graders_environment(run, monkeypatch):
    monkeypatch.setenv("GRADER_TEST_SECRET", "hunter2")
    runner = run("""
        import os
        def env():
            return float("GRADER_TEST_SECRET" in os.environ or b"hunter2" in open("/proc/self/environ", "rb").read())
    """)
    assert float(runner.call("env", []).value) == 0.0


def test_a_crash_in_a_call_is_reported_and_the_next_call_restarts(run):
    runner = run("""
        import os
        def die():
            os._exit(3)
        def fine():
            return 1.0
    """)
    assert runner.call("die", []).error.kind == "crash"
    assert float(runner.call("fine", []).value) == 1.0


def test_the_submission_is_run_from_a_private_copy(run, tmp_path):
    (tmp_path / "neighbour.py").write_text("SECRET = 42\n")
    runner = run("""
        import os
        def here():
            return float(os.path.exists(os.path.join(os.path.dirname(__file__), "neighbour.py")))
    """)
    assert float(runner.call("here", []).value) == 0.0
    assert os.path.exists(tmp_path / "neighbour.py")


def test_home_is_writable_scratch(run):
    runner = run("""
        import os
        def write_home():
            path = os.path.join(os.path.expanduser("~"), "notes.txt")
            with open(path, "w") as f:
                f.write("ok")
            return float(os.path.getsize(path))
    """)
    assert float(runner.call("write_home", []).value) == 2.0


def test_zygote_survives_rapid_restarts(write):
    """An unanswered "end" followed at once by a "start" must reach the zygote as two requests."""
    from grader.sandbox.zygote import ZygoteLauncher

    launcher = ZygoteLauncher()
    try:
        path = write("quick.py", "def f():\n    return 1.0\n")
        for _ in range(15):
            with SubmissionRunner(files(path), launcher, FAST) as runner:
                assert float(runner.call("f", []).value) == 1.0
    finally:
        launcher.close()


def test_the_worker_reports_its_sandbox_layers(run):
    runner = run("def f():\n    return 1.0\n")
    assert runner.import_error() is None
    names = [layer.name for layer in runner.layers]
    assert "rlimits" in names and "landlock" in names and "memory cgroup" in names
    assert set(runner.missing_layers()) <= set(names)
