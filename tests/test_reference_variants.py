"""Variants of the reference (automatic mutants) run in a trusted child; a student's worker cannot load one."""

from __future__ import annotations

import numpy as np
import pytest

from grader.cases import Case
from grader.reference import Reference
from grader.rubric.loader import load_rubric
from grader.sandbox.launcher import default_launcher
from grader.sandbox.limits import Limits
from grader.sandbox.runner import SubmissionRunner
from grader.sandbox.slots import SubmissionFiles

pytestmark = pytest.mark.sandbox  # starts the reference's trusted children and a sandboxed worker

REFERENCE = "import numpy as np\n\ndef double(x):\n    return 2 * x\n"
RUBRIC = """
title: Variants
reference: ref.py
seed: 1
dimensions: {d: [2, 3]}
interface:
  functions:
    double:
      params: {x: {shape: [d]}}
      returns: {y: {shape: [d]}}
questions:
  - id: "1"
    title: Doubling
    parts:
      - {id: a, title: y = 2x, points: 1, call: double, checks: [{reference: {random: 3}}]}
"""


@pytest.fixture
def reference(tmp_path):
    (tmp_path / "ref.py").write_text(REFERENCE)
    (tmp_path / "r.yaml").write_text(RUBRIC)
    with Reference(load_rubric(tmp_path / "r.yaml")) as ref:
        yield ref


def cases(n: int = 3) -> list[Case]:
    return [Case(f"random #{k + 1}", {"x": np.arange(k + 2, dtype=float)}, {"d": k + 2}, k) for k in range(n)]


def test_a_variant_answers_from_its_own_source_and_is_cached(reference):
    source = REFERENCE.replace("2 * x", "3 * x")
    first = reference.variant_outputs("v1", source, "double", cases(), ["x"])
    assert [list(v) for v in first] == [[0.0, 3.0], [0.0, 3.0, 6.0], [0.0, 3.0, 6.0, 9.0]]
    reference._variants._runner.close()  # a second request is answered from the cache, without the child
    again = reference.variant_outputs("v1", source, "double", cases(), ["x"])
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert [list(v) for v in reference.outputs("double", cases(1), ["x"])] == [[0.0, 2.0]]  # the reference itself


def test_a_failing_hanging_or_broken_variant_is_no_answer_not_the_rubrics_fault(reference):
    raising = REFERENCE.replace("return 2 * x", "raise ValueError('no')")
    assert reference.variant_outputs("bad", raising, "double", cases(2), ["x"]) == [None, None]
    broken = "def double(x:\n"
    assert reference.variant_outputs("syntax", broken, "double", cases(1), ["x"]) == [None]
    reference._variants._limits = Limits(call_timeout=1.0, import_timeout=10.0, total_timeout=1e9)
    hanging = "import time\n\ndef double(x):\n    time.sleep(30)\n"
    assert reference.variant_outputs("slow", hanging, "double", cases(1), ["x"]) == [None]
    # the child was ended and replaced: a variant loaded before is loaded again
    source = REFERENCE.replace("2 * x", "5 * x")
    assert [list(v) for v in reference.variant_outputs("v5", source, "double", cases(1), ["x"])] == [[0.0, 5.0]]
    assert [list(v) for v in reference.outputs("double", cases(1), ["x"])] == [[0.0, 2.0]]


def test_a_students_worker_cannot_be_asked_to_load_code(write):
    launcher = default_launcher()
    student = "def double(x):\n    return 2 * x\n"
    runner = SubmissionRunner(SubmissionFiles.single(write("submission.py", student).read_bytes()), launcher,
                              Limits(call_timeout=2.0, import_timeout=10.0, total_timeout=30.0))
    try:
        loaded = runner.query({"op": "load", "key": "k", "source": "def double(x):\n    return 0 * x\n"})
        assert not loaded.ok
        (outcome,) = runner.call_many("k:double", [[np.ones(2)]])
        assert not outcome.ok and outcome.error.kind == "missing"
        (fine,) = runner.call_many("double", [[np.ones(2)]])
        assert list(fine.value) == [2.0, 2.0]
    finally:
        runner.close()
        launcher.close()
