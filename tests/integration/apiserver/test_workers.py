"""Task workers over a real store: expansion survives a crashed replica, scale, upgrade, destroy."""

from __future__ import annotations

import asyncio
import contextlib
from collections import Counter
from collections.abc import AsyncIterator

import pytest

from sigma.apiserver.tasks import pods as P
from sigma.apiserver.tasks.worker import TaskSettings, TaskWorker
from sigma.resources import APP, POD
from sigma.store import EventType
from sigma.store.codec import decode
from sigma.testing.wait import eventually
from sigma.v1 import app_pb2, pod_pb2, task_pb2
from tests.integration.apiserver._fakes import (
    Backend,
    FakeSlave,
    Partition,
    pods_of,
    read_task,
    recording,
    submit,
)

TTL = 2
DONE = task_pb2.TASK_STATE_SUCCEEDED


def make_app(ns: str, replicas: int, command: str = "v1", max_unavailable: int = 0) -> app_pb2.App:
    a = app_pb2.App()
    a.meta.namespace, a.meta.name, a.meta.uid, a.meta.generation = ns, "web", "u-web", 1
    a.spec.replicas = replicas
    a.spec.template.containers.add(name="main", command=[command])
    a.spec.upgrade.max_unavailable = max_unavailable
    return a


@contextlib.asynccontextmanager
async def running(worker: TaskWorker) -> AsyncIterator[TaskWorker]:
    task = asyncio.ensure_future(worker.run())
    try:
        yield worker
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


def worker(b: Backend, store: object, name: str, **kw: object) -> TaskWorker:
    return TaskWorker(
        store,  # type: ignore[arg-type]
        name,
        clock=b.clock,
        wall=b.wall,
        settings=TaskSettings(lease_ttl=TTL, poll=0.05, **kw),  # type: ignore[arg-type]
    )


async def finished(b: Backend, key: str, timeout: float = 15.0) -> task_pb2.Task:
    async def check() -> bool:
        t = await read_task(b.store, key)
        return t is not None and t.status.state in (DONE, task_pb2.TASK_STATE_FAILED)

    await eventually(check, what=f"task {key} finished", timeout=timeout)
    task = await read_task(b.store, key)
    assert task is not None
    return task


async def test_fifty_replicas_exactly_once_despite_a_crashed_worker(backend: Backend) -> None:
    b, ns = backend, backend.namespace
    async with recording(b.store, POD.namespace_prefix(ns)) as log:
        key = await submit(b.store, make_app(ns, 50), task_pb2.TASK_KIND_PUBLISH, "publish")
        cut = Partition(b.store, trip_after_creates=20, namespace=ns)
        async with running(worker(b, cut, "replica-1", step_size=5)):
            await eventually(lambda: _true(cut.cut), what="replica 1 cut off mid-expansion")
            async with running(worker(b, b.store, "replica-2")):
                await b.elapse(TTL / 3, steps=1)
                held = await read_task(b.store, key)
                assert held is not None and held.status.owner == "replica-1"
                assert len(await pods_of(b.store, ns)) == 20  # no takeover while the lease lives
                await b.elapse(TTL * 1.5)
                task = await finished(b, key)  # by replica-2: asserted below
        await eventually(lambda: _true(len(log.added()) >= 50), what="50 pods recorded")
    assert (task.status.state, task.status.owner, task.status.attempts) == (DONE, "replica-2", 2)
    assert task.status.progress_done == task.status.progress_total == 50
    pods = await pods_of(b.store, ns)
    assert sorted(pods) == sorted(f"web-{i}" for i in range(50))
    assert max(Counter(log.added()).values()) == 1 and len(log.added()) == 50


async def _true(value: bool) -> bool:
    return value


async def test_scale_down_removes_least_valuable(backend: Backend) -> None:
    b, ns = backend, backend.namespace
    app = make_app(ns, 5)
    key = await submit(b.store, app, task_pb2.TASK_KIND_PUBLISH, "publish")
    async with running(worker(b, b.store, "w")):
        await finished(b, key)
        pods = await pods_of(b.store, ns)
        # web-1, web-3 run; web-4 is bound but not started; web-0 and web-2 wait for a node
        for name, phase in [("web-1", 3), ("web-3", 3), ("web-4", 2)]:
            pod = pods[name]
            pod.spec.node_name, pod.status.phase = "n1", phase  # type: ignore[assignment]
            await _write(b, pod)
        app.spec.replicas, app.meta.generation = 2, 2
        async with FakeSlave(b.store, "none-started"):
            scale = await submit(b.store, app, task_pb2.TASK_KIND_SCALE, "scale", scale_replicas=2)
            deleter = asyncio.ensure_future(_stop_terminating(b, ns))
            try:
                assert (await finished(b, scale)).status.state == DONE
            finally:
                deleter.cancel()
    assert sorted(await pods_of(b.store, ns)) == ["web-1", "web-3"]


async def _write(b: Backend, pod: pod_pb2.Pod) -> None:
    from sigma.store import update
    from sigma.store.codec import encode

    key = POD.key(pod.meta.namespace, pod.meta.name)
    await update(b.store, key, encode(pod), expected_mod_revision=pod.meta.resource_version)


async def _stop_terminating(b: Backend, ns: str) -> None:
    """The node's part of a graceful delete: remove pods marked for deletion."""
    prefix = POD.namespace_prefix(ns)
    async for event in b.store.watch(prefix, start_revision=await b.store.revision()):
        if event.type is EventType.PUT and P.terminating(decode(pod_pb2.Pod, event.kv)):
            await b.store.delete(event.kv.key)


async def test_upgrade_never_exceeds_max_unavailable(backend: Backend) -> None:
    b, ns = backend, backend.namespace
    replicas, budget = 8, 2
    old = make_app(ns, replicas, "v1", budget)
    new_hash = P.template_hash(make_app(ns, replicas, "v2").spec.template)
    async with FakeSlave(b.store, ns), running(worker(b, b.store, "w")):
        await finished(b, await submit(b.store, old, task_pb2.TASK_KIND_PUBLISH, "publish"))

        async def all_ready() -> bool:
            pods = (await pods_of(b.store, ns)).values()
            return sum(map(P.ready, pods)) == replicas

        await eventually(all_ready, what="every replica running")
        state = await pods_of(b.store, ns)
        worst = 0
        async with recording(b.store, POD.namespace_prefix(ns)) as log:
            new = make_app(ns, replicas, "v2", budget)
            new.meta.generation = 2
            key = await submit(
                b.store, new, task_pb2.TASK_KIND_UPGRADE, "upgrade", upgrade_template_hash=new_hash
            )
            task = await finished(b, key, timeout=30)
            last = max(p.meta.resource_version for p in (await pods_of(b.store, ns)).values())
            await eventually(
                lambda: _true(any(e.revision >= last for e in log.events)),
                what="the watch caught up",
            )
            seen = 0
            while seen < len(log.events):  # replay every change, checking after each
                event = log.events[seen]
                seen += 1
                name = event.kv.key.rsplit("/", 1)[1]
                if event.type is EventType.DELETE:
                    state.pop(name, None)
                else:
                    state[name] = decode(pod_pb2.Pod, event.kv)
                worst = max(worst, replicas - sum(map(P.ready, state.values())))
    assert task.status.state == DONE
    assert worst <= budget
    if b.name == "memory":  # deterministic interleaving: the rollout used its whole budget
        assert worst == budget
    final = await pods_of(b.store, ns)
    assert len(final) == replicas and {p.spec.template_hash for p in final.values()} == {new_hash}


async def test_destroy_removes_pods_then_the_app(backend: Backend) -> None:
    b, ns = backend, backend.namespace
    app = make_app(ns, 4)
    async with FakeSlave(b.store, ns), running(worker(b, b.store, "w")):
        await finished(b, await submit(b.store, app, task_pb2.TASK_KIND_PUBLISH, "publish"))
        app.meta.deletion_timestamp.FromSeconds(1)  # as Apps.Delete writes it, with the task
        async with recording(b.store, "/sigma/v1/") as log:
            destroy = await submit(b.store, app, task_pb2.TASK_KIND_DESTROY, "destroy")
            assert (await finished(b, destroy)).status.state == DONE
            app_key = APP.key(ns, "web")
            await eventually(
                lambda: _true(app_key in dict(log.deleted())), what="the app's delete recorded"
            )
    deleted = dict(log.deleted())
    pod_deletes = [rev for key, rev in deleted.items() if key.startswith(POD.prefix)]
    assert len(pod_deletes) == 4 and max(pod_deletes) < deleted[app_key]
    assert await b.store.get(app_key) is None and not await pods_of(b.store, ns)


async def test_superseded_task_finishes_without_acting(backend: Backend) -> None:
    b, ns = backend, backend.namespace
    app = make_app(ns, 3)
    app.meta.generation = 2
    key = await submit(b.store, app, task_pb2.TASK_KIND_PUBLISH, "old", target_generation=1)
    async with running(worker(b, b.store, "w")):
        task = await finished(b, key)
    assert (task.status.state, task.status.message) == (DONE, "target superseded")
    assert not await pods_of(b.store, ns)


async def test_a_stale_claim_can_write_nothing(backend: Backend) -> None:
    from sigma.apiserver.tasks.writes import FenceLost, create_pod

    b, ns = backend, backend.namespace
    app = make_app(ns, 1)
    key = await submit(b.store, app, task_pb2.TASK_KIND_PUBLISH, "publish")
    first, second = worker(b, b.store, "paused"), worker(b, b.store, "other")
    task = await read_task(b.store, key)
    assert task is not None
    stale = await first.claim(key, task)
    assert stale is not None and await second.claim(key, stale.task) is None  # held: no claim
    await b.elapse(TTL * 1.5)  # "paused" never renews
    await eventually(lambda: _claim_gone(b, stale.claim_key), what="claim expired")
    fresh = await read_task(b.store, key)
    assert fresh is not None
    taken = await second.claim(key, fresh)
    assert taken is not None and taken.task.status.attempts == 2
    with pytest.raises(FenceLost):
        await create_pod(b.store, P.app_pod(app, 0, "h"), b.wall(), stale.fence)
    assert not await pods_of(b.store, ns)


async def _claim_gone(b: Backend, key: str) -> bool:
    return await b.store.get(key) is None
