"""A small live cluster in one process: the real scheduler and replica controller over a memory
store, and a stand-in for the slave that starts bound pods and removes stopping ones."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Awaitable, Callable

from sigma.apiserver.controllers.cache import ControllerCache
from sigma.apiserver.controllers.replicas import ReplicaController
from sigma.resources.kinds import INTERFERENCE_RULE_SET, POD
from sigma.resources.pods import ready, terminating
from sigma.scheduler.loop import Scheduler
from sigma.store import Compare, Delete, EventType, Put, Store
from sigma.store.codec import decode, encode
from sigma.v1 import app_pb2, interference_pb2, meta_pb2, pod_pb2
from tests.integration.scheduler._seed import MiB, pods, running

STARTING = (pod_pb2.POD_PHASE_PENDING, pod_pb2.POD_PHASE_SCHEDULED)


def web_app(replicas: int, min_available: int, image: str = "web:1") -> app_pb2.App:
    app = app_pb2.App()
    app.meta.namespace, app.meta.name, app.meta.uid, app.meta.generation = "t", "web", "u-web", 1
    app.spec.replicas, app.spec.min_available = replicas, min_available
    container = app.spec.template.containers.add(name="main", image=image)
    container.resources.requests.CopyFrom(
        meta_pb2.ResourceList(cpu_millis=500, memory_bytes=64 * MiB)
    )
    return app


async def put_rule(store: Store, name: str, a: str, b: str, k: int) -> None:
    rules = interference_pb2.InterferenceRuleSet()
    rules.meta.name, rules.meta.generation = name, 1  # as the apiserver stamps a new set
    rules.spec.rules.add(app_a=a, app_b=b, k=k)
    await store.put(INTERFERENCE_RULE_SET.key("", name), encode(rules))


@contextlib.asynccontextmanager
async def slave_stand_in(store: Store, stop: asyncio.Event | None = None) -> AsyncIterator[None]:
    """Starts every bound pod not started yet (RUNNING, ready) and removes every stopping one;
    with ``stop``, a stopping pod is removed only once ``stop`` is set (it keeps running)."""
    held: dict[str, int] = {}  # stopping pods waiting for ``stop``: their last revision
    waiters: set[asyncio.Task[None]] = set()

    async def remove_when_stopped(key: str) -> None:
        assert stop is not None
        await stop.wait()
        await store.txn([Compare(key, held.pop(key))], [Delete(key)])

    async def handle(key: str, pod: pod_pb2.Pod) -> None:
        rev = pod.meta.resource_version
        if terminating(pod) and stop is None:
            await store.txn([Compare(key, rev)], [Delete(key)])
        elif terminating(pod):
            if key not in held:
                waiters.add(asyncio.ensure_future(remove_when_stopped(key)))
            held[key] = rev
        elif pod.spec.node_name and pod.status.phase in STARTING:
            pod.status.phase = pod_pb2.POD_PHASE_RUNNING
            await store.txn([Compare(key, rev)], [Put(key, encode(pod))])

    async def run() -> None:
        async for event in store.watch("/sigma/v1/pods/", start_revision=1):
            if event.type is EventType.PUT:
                await handle(event.kv.key, decode(pod_pb2.Pod, event.kv))

    task = asyncio.ensure_future(run())
    try:
        yield
    finally:
        for t in (task, *waiters):
            t.cancel()
        await asyncio.gather(task, *waiters, return_exceptions=True)


async def web_nodes(store: Store) -> dict[str, str]:
    """Each ready pod of t/web and its node."""
    return {
        p.meta.name: p.spec.node_name
        for p in await pods(store)
        if p.spec.owner_name == "web" and ready(p)
    }


@contextlib.asynccontextmanager
async def live_cluster(
    store: Store, each_pass: Callable[[], Awaitable[None]] | None = None
) -> AsyncIterator[tuple[Scheduler, ControllerCache]]:
    """The scheduler, the controller cache and the replica controller (every 50 ms, then
    ``each_pass``) running over ``store``."""
    cache = ControllerCache(store, resync=0.0)
    replicas = ReplicaController(cache)

    async def controllers() -> None:
        while True:
            await replicas.reconcile(store, time.time())
            if each_pass is not None:
                await each_pass()
            await asyncio.sleep(0.05)

    sched = Scheduler(store)
    async with running(sched):
        feed = asyncio.ensure_future(cache.run())
        await cache.wait_synced()
        loop = asyncio.ensure_future(controllers())
        try:
            yield sched, cache
        finally:
            loop.cancel()
            feed.cancel()
            await asyncio.gather(loop, feed, return_exceptions=True)


async def placed_pod(store: Store, app: app_pb2.App, name: str, node: str) -> None:
    """A running pod of ``app`` on ``node``, written as the scheduler and slave would leave it."""
    pod = pod_pb2.Pod()
    pod.meta.namespace, pod.meta.name, pod.meta.uid = "t", name, f"u-{name}"
    pod.meta.owner_references.add(kind="App", name=app.meta.name, uid=app.meta.uid)
    pod.spec.template.CopyFrom(app.spec.template)
    pod.spec.owner_kind, pod.spec.owner_name = pod_pb2.POD_OWNER_KIND_APP, app.meta.name
    pod.spec.node_name, pod.status.phase = node, pod_pb2.POD_PHASE_RUNNING
    await store.put(POD.key("t", name), encode(pod))
