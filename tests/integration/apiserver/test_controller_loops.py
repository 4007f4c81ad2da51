"""Controller passes over a real store: a lost node, the batch retry after it, orphans; wiring."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable

import pytest

from sigma.apiserver.background import run_background
from sigma.apiserver.controllers import batchjob, gc, nodelifecycle
from sigma.apiserver.controllers.runner import ControllerSettings, passes
from sigma.apiserver.tasks import pods as P
from sigma.apiserver.tasks.writes import create_pod
from sigma.errors import NotFound
from sigma.resources import BATCH_JOB, NODE, NODE_ALLOCATION, POD, heartbeats
from sigma.store.codec import decode, encode
from sigma.store.memory import MemoryStore
from sigma.testing.wait import eventually
from sigma.v1 import app_pb2, batch_pb2, meta_pb2, node_pb2, pod_pb2, task_pb2
from tests.integration.apiserver._fakes import Backend, pods_of, read_task, submit


async def _put(b: Backend, key: str, msg: object) -> None:
    await b.store.put(key, encode(msg))  # type: ignore[arg-type]


async def _true(value: bool) -> bool:
    return value


async def test_lost_node_reschedules_online_fails_batch_and_batch_retries(backend: Backend) -> None:
    b, ns = backend, backend.namespace
    name = f"n-{uuid.uuid4().hex[:8]}"
    lease = await heartbeats.register(b.store, name, ttl=1)
    assert await heartbeats.beat(b.store, name, lease) >= 1
    node = node_pb2.Node()
    node.meta.name, node.status.phase = name, node_pb2.NODE_PHASE_READY
    await _put(b, NODE.key("", name), node)

    app = app_pb2.App()
    app.meta.namespace, app.meta.name, app.meta.uid = ns, "web", "u-web"
    job = batch_pb2.BatchJob()
    job.meta.namespace, job.meta.name, job.meta.uid, job.spec.max_retries = ns, "etl", "u-etl", 1
    job.spec.tasks.add(name="a", instances=1)
    await _put(b, BATCH_JOB.key(ns, "etl"), job)
    online, batch = P.app_pod(app, 0, "h"), P.batch_pod(job, job.spec.tasks[0], 0, 0)
    record = node_pb2.NodeAllocation(node_name=name)
    for pod in (online, batch):
        pod.spec.node_name, pod.status.phase = name, pod_pb2.POD_PHASE_RUNNING
        await create_pod(b.store, pod, b.wall())
        record.pods.add(pod_key=f"{ns}/{pod.meta.name}", qos_class=pod.spec.qos_class)
    await _put(b, NODE_ALLOCATION.key("", name), record)

    await b.elapse(0.5)
    await heartbeats.beat(b.store, name, lease)
    await nodelifecycle.reconcile(b.store, b.wall())
    assert (await _node(b, name)).status.phase == node_pb2.NODE_PHASE_READY

    await b.elapse(3)  # the node falls silent; the store expires its heartbeat
    await eventually(lambda: _gone(b, name), what="heartbeat key expired")
    with pytest.raises(NotFound):
        await heartbeats.beat(b.store, name, lease)
    assert await nodelifecycle.reconcile(b.store, b.wall()) >= 4
    assert (await _node(b, name)).status.phase == node_pb2.NODE_PHASE_UNKNOWN
    pods = await pods_of(b.store, ns)
    moved, lost = pods["web-0"], pods["etl-a-0-0"]
    assert (moved.spec.node_name, moved.status.phase) == ("", pod_pb2.POD_PHASE_PENDING)
    assert (lost.status.phase, lost.status.reason) == (pod_pb2.POD_PHASE_FAILED, "NodeLost")
    kv = await b.store.get(NODE_ALLOCATION.key("", name))
    assert kv is not None and not decode(node_pb2.NodeAllocation, kv).pods

    await batchjob.reconcile(b.store, b.wall())
    await batchjob.reconcile(b.store, b.wall())  # a second pass changes nothing
    pods = await pods_of(b.store, ns)
    assert sorted(pods) == ["etl-a-0-0", "etl-a-0-1", "web-0"]
    stored = decode(batch_pb2.BatchJob, await b.store.get(BATCH_JOB.key(ns, "etl")))  # type: ignore[arg-type]
    assert stored.status.phase == batch_pb2.BATCH_JOB_PHASE_RUNNING
    assert stored.status.tasks[0].retries == 1

    await heartbeats.register(b.store, name, ttl=5)  # the node comes back
    await nodelifecycle.reconcile(b.store, b.wall())
    assert (await _node(b, name)).status.phase == node_pb2.NODE_PHASE_READY


async def _node(b: Backend, name: str) -> node_pb2.Node:
    kv = await b.store.get(NODE.key("", name))
    assert kv is not None
    return decode(node_pb2.Node, kv)


async def _gone(b: Backend, name: str) -> bool:
    return await b.store.get(heartbeats.heartbeat_key(name)) is None


async def test_gc_removes_orphans_only(backend: Backend) -> None:
    b, ns = backend, backend.namespace
    app = app_pb2.App()
    app.meta.namespace, app.meta.name, app.meta.uid = ns, "web", "u-web"
    await b.store.put(f"/sigma/v1/apps/{ns}/web", encode(app))
    ghost = app_pb2.App()
    ghost.meta.namespace, ghost.meta.name, ghost.meta.uid = ns, "ghost", "u-ghost"
    for owner in (app, ghost):
        await create_pod(b.store, P.app_pod(owner, 0, "h"), b.wall())
    await gc.reconcile(b.store, b.wall(), retention=60)
    assert sorted(await pods_of(b.store, ns)) == ["web-0"]


async def test_run_background_carries_out_tasks() -> None:
    store = MemoryStore()
    app = app_pb2.App()
    app.meta.namespace, app.meta.name, app.meta.uid, app.meta.generation = "ns", "web", "u", 1
    app.spec.replicas = 3
    app.spec.qos_class = meta_pb2.QOS_CLASS_LS
    stop = asyncio.Event()
    runner = asyncio.ensure_future(run_background(store, "replica-1", stop))
    key = await submit(store, app, task_pb2.TASK_KIND_PUBLISH, "publish")

    async def done() -> bool:
        t = await read_task(store, key)
        return t is not None and t.status.state == task_pb2.TASK_STATE_SUCCEEDED

    await eventually(done, what="publish done")
    assert sorted(await pods_of(store, "ns")) == ["web-0", "web-1", "web-2"]

    async def leaders() -> int:
        return len((await store.list("/sigma/v1/leaders/")).items)

    want = len(passes(ControllerSettings()))
    await eventually(lambda: _true_after(leaders(), want), what="every controller has a leader")
    stop.set()
    await asyncio.wait_for(runner, 5)
    assert not (await store.list("/sigma/v1/leaders/")).items  # stepped down on the way out
    await store.close()


async def _true_after(count: Awaitable[int], want: int) -> bool:
    return await count == want


async def test_a_lost_nodes_pods_move_at_the_end_of_its_grace_not_on_the_cadence() -> None:
    """With a 30 s cadence, the controller still moves a silent node's pods about ``ttl +
    grace`` after its last renewal: the key's expiry wakes it, and it asks for its next pass
    at the end of the grace."""
    store, name = MemoryStore(), "n-silent"
    lease = await heartbeats.register(store, name, ttl=1)
    node = node_pb2.Node()
    node.meta.name, node.status.phase = name, node_pb2.NODE_PHASE_READY
    await store.put(NODE.key("", name), encode(node))
    app = app_pb2.App()
    app.meta.namespace, app.meta.name, app.meta.uid, app.meta.generation = "ns", "web", "u", 1
    app.spec.replicas, app.spec.qos_class = 1, meta_pb2.QOS_CLASS_LS
    settings = ControllerSettings(interval=30.0, node_grace=1.0)
    stop = asyncio.Event()
    runner = asyncio.ensure_future(run_background(store, "r-1", stop, controllers=settings))
    try:
        key = await submit(store, app, task_pb2.TASK_KIND_PUBLISH, "publish")
        await eventually(lambda: _published(store, key), what="publish done")
        pod = (await pods_of(store, "ns"))["web-0"]
        pod.spec.node_name, pod.status.phase = name, pod_pb2.POD_PHASE_RUNNING
        await store.put(_pod_key(pod), encode(pod))
        await heartbeats.beat(store, name, lease)
        renewed = time.monotonic()

        async def moved() -> bool:
            return (await pods_of(store, "ns"))["web-0"].spec.node_name == ""

        await eventually(moved, timeout=10, interval=0.05, what="web-0 moved off the node")
        took = time.monotonic() - renewed
    finally:
        stop.set()
        await asyncio.wait_for(runner, 5)
        await store.close()
    assert 2.0 <= took < 5.0, took  # ttl 1 s + grace 1 s, and nowhere near the 30 s cadence


async def _published(store: MemoryStore, key: str) -> bool:
    task = await read_task(store, key)
    return task is not None and task.status.state == task_pb2.TASK_STATE_SUCCEEDED


def _pod_key(pod: pod_pb2.Pod) -> str:
    return POD.key(pod.meta.namespace, pod.meta.name)
