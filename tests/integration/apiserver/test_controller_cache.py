"""The controllers' shared cache: a pass visits the owners that changed, a resync visits all,
and a job's instances are created in doubling steps rather than a fixed few per step."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from sigma.apiserver.controllers import batchjob
from sigma.apiserver.controllers.cache import ControllerCache
from sigma.apiserver.tasks import pods as P
from sigma.apiserver.tasks.worker import TaskSettings, TaskWorker
from sigma.resources import BATCH_JOB, POD
from sigma.store import Compare, Put, Store
from sigma.store.codec import encode
from sigma.testing.wait import eventually
from sigma.v1 import batch_pb2, pod_pb2, task_pb2
from tests.integration.apiserver._fakes import Backend, pods_of, read_task, submit


def _job(ns: str, name: str, instances: int = 1) -> batch_pb2.BatchJob:
    job = batch_pb2.BatchJob()
    job.meta.namespace, job.meta.name, job.meta.uid = ns, name, f"u-{name}"
    job.spec.tasks.add(name="main", instances=instances)
    return job


async def _true(value: bool) -> bool:
    return value


async def test_a_pass_visits_the_jobs_that_changed_and_a_resync_visits_all(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    b, ns = backend, backend.namespace
    seen: list[str] = []
    real = batchjob.decide

    def counting(job: batch_pb2.BatchJob, pods: Any, now: float) -> batchjob.JobDecision:
        if job.meta.namespace == ns:
            seen.append(job.meta.name)
        return real(job, pods, now)

    monkeypatch.setattr(batchjob, "decide", counting)
    for name in ("a", "b"):
        await b.store.put(BATCH_JOB.key(ns, name), encode(_job(ns, name)))
    cache = ControllerCache(b.store, resync=300.0)
    run = asyncio.ensure_future(cache.run())
    try:
        await cache.wait_synced()
        t0 = b.wall()
        assert await batchjob.reconcile(b.store, t0, cache=cache) >= 4  # two pods, two statuses
        assert sorted(seen) == ["a", "b"]  # the first pass visits every job

        def settled(name: str) -> bool:
            job = cache.jobs.get(BATCH_JOB.key(ns, name))
            pod = cache.pods.get(POD.key(ns, f"{name}-main-0-0"))
            return job is not None and len(job.status.tasks) == 1 and pod is not None

        await eventually(
            lambda: _true(settled("a") and settled("b")), what="the cache saw the pass"
        )
        await batchjob.reconcile(b.store, t0 + 1, cache=cache)  # its own writes marked both
        seen.clear()
        assert await batchjob.reconcile(b.store, t0 + 2, cache=cache) == 0
        assert seen == []  # nothing changed: nothing visited

        key = POD.key(ns, "a-main-0-0")
        pod = cache.pods.get(key)
        assert pod is not None
        done = pod_pb2.Pod()
        done.CopyFrom(pod)
        done.status.phase = pod_pb2.POD_PHASE_SUCCEEDED
        await b.store.txn([Compare(key, pod.meta.resource_version)], [Put(key, encode(done))])
        await eventually(
            lambda: _true(P.finished(cache.pods.get(key))), what="the cache saw the pod finish"
        )
        assert await batchjob.reconcile(b.store, t0 + 3, cache=cache) == 1
        assert seen == ["a"]
        await eventually(
            lambda: _true(
                (j := cache.jobs.get(BATCH_JOB.key(ns, "a"))) is not None
                and j.status.phase == batch_pb2.BATCH_JOB_PHASE_SUCCEEDED
            ),
            what="job a succeeded",
        )

        seen.clear()
        assert await batchjob.reconcile(b.store, t0 + 3.5, cache=cache) == 0
        assert seen == ["a"]  # its own status write marked it; nothing more to do
        # A change to the job object alone (no pod moved) marks it too.
        jkey = BATCH_JOB.key(ns, "b")
        stored = cache.jobs.get(jkey)
        assert stored is not None
        edited = batch_pb2.BatchJob()
        edited.CopyFrom(stored)
        edited.meta.labels["team"] = "data"
        await b.store.txn(
            [Compare(jkey, stored.meta.resource_version)], [Put(jkey, encode(edited))]
        )
        await eventually(
            lambda: _true((cache.jobs.get(jkey) or stored).meta.labels.get("team") == "data"),
            what="the cache saw the job change",
        )
        seen.clear()
        await batchjob.reconcile(b.store, t0 + 4, cache=cache)
        assert seen == ["b"]

        seen.clear()
        await batchjob.reconcile(b.store, t0 + 300, cache=cache)  # the resync
        assert sorted(seen) == ["a", "b"]
    finally:
        run.cancel()
        await asyncio.gather(run, return_exceptions=True)


class _CountingLists:
    """``store`` counting listings of one prefix (how many steps a task worker took)."""

    def __init__(self, store: Store, prefix: str) -> None:
        self._store, self.prefix, self.lists = store, prefix, 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._store, name)

    async def list(self, prefix: str, **kw: Any) -> Any:
        if prefix.startswith(self.prefix):
            self.lists += 1
        return await self._store.list(prefix, **kw)


async def test_a_jobs_instances_are_created_in_doubling_steps(backend: Backend) -> None:
    b, ns = backend, backend.namespace
    key = await submit(b.store, _job(ns, "wide", 100), task_pb2.TASK_KIND_PUBLISH, "publish")
    store = _CountingLists(b.store, POD.key(ns, "wide-"))
    worker = TaskWorker(
        store,  # type: ignore[arg-type]
        "replica-1",
        clock=b.clock,
        wall=b.wall,
        settings=TaskSettings(lease_ttl=2, poll=0.05, step_size=5),
    )
    run = asyncio.ensure_future(worker.run())
    try:

        async def done() -> bool:
            task = await read_task(b.store, key)
            return task is not None and task.status.state == task_pb2.TASK_STATE_SUCCEEDED

        await eventually(done, what="publish finished")
    finally:
        run.cancel()
        await asyncio.gather(run, return_exceptions=True)
    pods = await pods_of(b.store, ns)
    assert sorted(pods) == sorted(f"wide-main-{i}-0" for i in range(100))
    # 5, 5, 10, 20, 40, then the last 20, then a step that finds nothing to do: 7 readings
    # (a fixed 5 per step would take 21).
    assert store.lists == 7
