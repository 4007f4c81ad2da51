"""The controllers' shared cache: a pass visits the owners that changed, a resync visits all,
and a job's instances are created in doubling steps rather than a fixed few per step."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from google.protobuf.message import Message

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


class _Passes:
    """``batchjob.reconcile`` over one cache, noting which of this test's jobs a pass visits."""

    def __init__(
        self, backend: Backend, cache: ControllerCache, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        self.store, self.ns, self.cache = backend.store, backend.namespace, cache
        self.t0 = backend.wall()
        self.visited: list[str] = []
        real = batchjob.decide

        def counting(job: batch_pb2.BatchJob, pods: Any, now: float) -> batchjob.JobDecision:
            if job.meta.namespace == self.ns:
                self.visited.append(job.meta.name)
            return real(job, pods, now)

        monkeypatch.setattr(batchjob, "decide", counting)

    async def run(self, at: float) -> int:
        """One pass ``at`` seconds after the start: how many writes; ``visited`` is its jobs."""
        self.visited.clear()
        return await batchjob.reconcile(self.store, self.t0 + at, cache=self.cache)

    def settled(self, name: str) -> bool:
        """The cache holds the job's first status and its first pod."""
        job = self.cache.jobs.get(BATCH_JOB.key(self.ns, name))
        pod = self.cache.pods.get(POD.key(self.ns, f"{name}-main-0-0"))
        return job is not None and len(job.status.tasks) == 1 and pod is not None


async def _rewrite(
    store: Store, cached: Message | None, key: str, change: Callable[[Any], object]
) -> None:
    """Write ``cached`` with ``change`` made to a copy, compare-and-swap on its version."""
    assert cached is not None
    edited = type(cached)()
    edited.CopyFrom(cached)
    change(edited)
    await store.txn([Compare(key, cached.meta.resource_version)], [Put(key, encode(edited))])


async def _the_first_pass_visits_every_job(p: _Passes) -> None:
    assert await p.run(0) >= 4  # two pods, two statuses
    assert sorted(p.visited) == ["a", "b"]
    await eventually(lambda: p.settled("a") and p.settled("b"), what="the cache saw the pass")
    await p.run(1)  # its own writes marked both


async def _a_finished_pod_marks_its_job(p: _Passes) -> None:
    key = POD.key(p.ns, "a-main-0-0")
    done = pod_pb2.POD_PHASE_SUCCEEDED
    await _rewrite(
        p.store, p.cache.pods.get(key), key, lambda pod: setattr(pod.status, "phase", done)
    )
    await eventually(lambda: P.finished(p.cache.pods.get(key)), what="the cache saw the pod finish")
    assert await p.run(3) == 1
    assert p.visited == ["a"]
    await eventually(
        lambda: (
            (j := p.cache.jobs.get(BATCH_JOB.key(p.ns, "a"))) is not None
            and j.status.phase == batch_pb2.BATCH_JOB_PHASE_SUCCEEDED
        ),
        what="job a succeeded",
    )
    assert await p.run(3.5) == 0
    assert p.visited == ["a"]  # its own status write marked it; nothing more to do


async def _a_change_to_the_job_alone_marks_it(p: _Passes) -> None:
    key = BATCH_JOB.key(p.ns, "b")
    stored = p.cache.jobs.get(key)
    await _rewrite(p.store, stored, key, lambda job: job.meta.labels.update({"team": "data"}))
    await eventually(
        lambda: (p.cache.jobs.get(key) or stored).meta.labels.get("team") == "data",
        what="the cache saw the job change",
    )
    await p.run(4)  # no pod moved
    assert p.visited == ["b"]


async def test_a_pass_visits_the_jobs_that_changed_and_a_resync_visits_all(
    backend: Backend, monkeypatch: pytest.MonkeyPatch
) -> None:
    b, ns = backend, backend.namespace
    for name in ("a", "b"):
        await b.store.put(BATCH_JOB.key(ns, name), encode(_job(ns, name)))
    cache = ControllerCache(b.store, resync=300.0)
    run = asyncio.ensure_future(cache.run())
    try:
        await cache.wait_synced()
        passes = _Passes(b, cache, monkeypatch)
        await _the_first_pass_visits_every_job(passes)
        assert await passes.run(2) == 0
        assert passes.visited == []  # nothing changed: nothing visited
        await _a_finished_pod_marks_its_job(passes)
        await _a_change_to_the_job_alone_marks_it(passes)
        await passes.run(300)  # the resync
        assert sorted(passes.visited) == ["a", "b"]
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
