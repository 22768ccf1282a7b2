"""``grade batch --dask tcp://HOST:PORT``: grade on an existing Dask cluster (the ``batch-dask`` extra).

The client sends each submission's bytes and, once per worker, the content-hashed rubric
bundle; every worker starts its zygote when it joins (a worker plugin), before any rubric
is read, and reuses it. Results come back as JSON text and only the client writes the
gradebook. A worker that dies costs the submission it held ("could not grade", tried
again on the next run).

Security: a Dask scheduler runs whatever code its clients send. A scheduler without TLS
(``tcp://``) on a shared network lets anyone who can reach it run code on every worker;
use ``tls://`` with certificates, or keep the scheduler on a private network.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator

from ..results import CouldNotGrade, outcome_from_dict
from .bundle import RubricBundle
from .jobs import BackendFault, Done, Job, RubricFault

try:
    from distributed import Client, as_completed
    from distributed.diagnostics.plugin import WorkerPlugin
except ImportError as exc:  # pragma: no cover - the optional extra is missing
    raise BackendFault("--dask needs the 'distributed' package: install the batch-dask extra "
                       "(pip install '.[batch-dask]' from a checkout)") from exc

PLUGIN_NAME = "grader-zygote"


class ZygotePlugin(WorkerPlugin):
    """Starts the worker process's sandbox zygote when the worker starts; ends it when the worker ends."""

    def setup(self, worker) -> None:
        from . import dask_worker

        dask_worker.start()

    def teardown(self, worker) -> None:
        from . import dask_worker

        dask_worker.stop()


class DaskBackend:
    def __init__(self, address: str, bundle: RubricBundle, rubric_label: str) -> None:
        self.bundle = bundle
        self.rubric_label = rubric_label
        self.started = 0  # no local grading process is started
        try:
            self.client = Client(address)  # waits distributed.comm.timeouts.connect (30 s by default)
        except (OSError, TimeoutError) as exc:
            raise BackendFault(f"cannot reach the Dask scheduler at {address}: {exc}") from None
        self._futures: list = []
        try:
            self.client.register_plugin(ZygotePlugin(), name=PLUGIN_NAME)
            self._bundle = self.client.scatter(bundle, broadcast=True, hash=False)
        except Exception as exc:  # noqa: BLE001 - whatever the cluster says, it is not the students' fault
            self.client.close()
            raise BackendFault(f"the Dask cluster at {address} refused the set-up: {exc}") from None

    def run(self, jobs: Iterable[Job]) -> Iterator[Done]:
        from .dask_worker import grade_task

        by_future = {}
        for job in jobs:
            request = json.dumps({**job.request(), "rubric_label": self.rubric_label})
            future = self.client.submit(grade_task, self._bundle, request, pure=False,
                                        key=f"grade-{self.bundle.digest[:12]}-{job.index}-{job.content_hash[:12]}")
            by_future[future] = job
        self._futures = list(by_future)
        for future in as_completed(by_future):
            job = by_future[future]
            yield self._done(job, future)

    def _done(self, job: Job, future) -> Done:
        try:
            reply = json.loads(future.result())
        except Exception as exc:  # noqa: BLE001 - a lost worker, a cancelled task: a fault of ours
            return Done(job, CouldNotGrade(job.label, self.bundle.name, f"could not grade: the Dask task failed: "
                                           f"{type(exc).__name__}: {exc}", "internal"), 0.0)
        if "rubric_error" in reply:
            raise RubricFault(str(reply["rubric_error"]))
        return Done(job, outcome_from_dict(reply["outcome"]), float(reply.get("seconds", 0.0)),
                    str(reply.get("feedback", "")))

    def close(self) -> None:
        try:
            if self._futures:
                self.client.cancel(self._futures)
        finally:
            self.client.close()
