"""``grade batch --dask``: the same grades from a real Dask cluster (LocalCluster, two worker processes)."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from batch_helpers import RUBRIC, gradebook_rows, make_files_class, read_csv, run_cli

pytestmark = pytest.mark.sandbox


def _distributed():
    try:
        import distributed
    except ImportError:
        if os.environ.get("CI") == "true":
            pytest.fail("distributed is not installed: .ci/run installs the test extra, which includes it")
        pytest.skip("distributed is not installed (pip install -e '.[test]')")
    return distributed


def _zygotes_under(pid: int) -> set[int]:
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                parents[int(entry)] = int(Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[1])
            except OSError:
                continue
    def zygote_like(p: int) -> bool:  # the zygote, or a worker it forked (same command line)
        try:
            return b"zygote_process" in Path(f"/proc/{p}/cmdline").read_bytes()
        except OSError:
            return False

    found = set()
    for child in parents:
        ancestor = parents.get(child)
        while ancestor and ancestor != pid:
            ancestor = parents.get(ancestor)
        if ancestor == pid and zygote_like(child) and not zygote_like(parents[child]):
            found.add(child)
    return found


def test_a_local_cluster_grades_like_the_local_pool(tmp_path):
    distributed = _distributed()
    make_files_class(tmp_path / "cls", {"alice": "correct", "bob": "sign_error", "carol": "transposed",
                                        "dave": "syntax_error", "erin": "no_intercept"})
    local = run_cli("batch", "cls", "--rubric", RUBRIC, "--out", "local", "--jobs", "2", cwd=tmp_path)
    assert local.returncode == 0, local.stderr
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                                  silence_logs=40) as cluster:
        done = run_cli("batch", "cls", "--rubric", RUBRIC, "--out", "dask", "--dask", cluster.scheduler_address,
                       cwd=tmp_path)
        assert done.returncode == 0, done.stderr
        zygotes = _zygotes_under(os.getpid())
        assert len(zygotes) == 2  # one per Dask worker process, started by the plugin and reused
        rerun = run_cli("batch", "cls", "--rubric", RUBRIC, "--out", "dask", "--dask", cluster.scheduler_address,
                        cwd=tmp_path)
        assert rerun.returncode == 0 and "nothing new to grade (5 unchanged)" in rerun.stderr
    assert read_csv(tmp_path / "dask" / "grades.csv") == read_csv(tmp_path / "local" / "grades.csv")
    assert [r[:5] for r in gradebook_rows(tmp_path / "dask")] == [r[:5] for r in gradebook_rows(tmp_path / "local")]
    for name in ("alice", "bob", "dave"):
        assert (tmp_path / "dask" / "feedback" / f"{name}.txt").read_text() == \
            (tmp_path / "local" / "feedback" / f"{name}.txt").read_text()
    deadline = time.monotonic() + 30
    while _zygotes_under(os.getpid()) & zygotes and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not _zygotes_under(os.getpid()) & zygotes  # the workers' zygotes ended with the cluster


def test_an_unreachable_scheduler_is_could_not_grade_not_a_traceback(tmp_path):
    _distributed()
    make_files_class(tmp_path / "cls", {"alice": "correct"})
    done = run_cli("batch", "cls", "--rubric", RUBRIC, "--dask", "tcp://127.0.0.1:9", cwd=tmp_path, timeout=120,
                   env={"DASK_DISTRIBUTED__COMM__TIMEOUTS__CONNECT": "2s"})
    assert done.returncode == 3 and "Dask scheduler" in done.stderr and "Traceback" not in done.stderr
