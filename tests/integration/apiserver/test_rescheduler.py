"""The live rescheduler over a real store beside a real scheduler: a rule tightened under running
pods is repaired by budgeted evictions, one pod of the App at a time, and the replacements land
where the rule holds. The replica controller replaces what is evicted; a small stand-in for the
slave starts bound pods and removes stopping ones. Memory store, no network."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator

from sigma.apiserver.controllers.cache import ControllerCache
from sigma.apiserver.controllers.replicas import ReplicaController
from sigma.apiserver.controllers.rescheduler import Rescheduler, RescheduleSettings
from sigma.resources.kinds import INTERFERENCE_RULE_SET, POD
from sigma.resources.pods import ready, terminating
from sigma.resources.records import RECORD
from sigma.scheduler.loop import Scheduler
from sigma.store import Compare, Delete, EventType, Put, Store
from sigma.store.codec import decode, encode
from sigma.store.memory import MemoryStore
from sigma.testing.wait import eventually
from sigma.v1 import app_pb2, interference_pb2, meta_pb2, pod_pb2, record_pb2
from tests.integration.scheduler._seed import MiB, make_node, pods, put_app, put_node, running

STARTING = (pod_pb2.POD_PHASE_PENDING, pod_pb2.POD_PHASE_SCHEDULED)


def web_app(replicas: int, min_available: int) -> app_pb2.App:
    app = app_pb2.App()
    app.meta.namespace, app.meta.name, app.meta.uid, app.meta.generation = "t", "web", "u-web", 1
    app.spec.replicas, app.spec.min_available = replicas, min_available
    container = app.spec.template.containers.add(name="main", image="web:1")
    container.resources.requests.CopyFrom(
        meta_pb2.ResourceList(cpu_millis=500, memory_bytes=64 * MiB)
    )
    return app


@contextlib.asynccontextmanager
async def slave_stand_in(store: Store) -> AsyncIterator[None]:
    """Starts every bound pod not started yet (RUNNING, ready) and removes every stopping one."""

    async def handle(key: str, pod: pod_pb2.Pod) -> None:
        rev = pod.meta.resource_version
        if terminating(pod):
            await store.txn([Compare(key, rev)], [Delete(key)])
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
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def web_nodes(store: Store) -> dict[str, str]:
    return {
        p.meta.name: p.spec.node_name
        for p in await pods(store)
        if p.spec.owner_name == "web" and ready(p)
    }


async def test_a_tightened_rule_is_repaired_one_budgeted_eviction_at_a_time() -> None:
    store = MemoryStore()
    await put_node(store, make_node("n1", 8000, 8192 * MiB))
    await put_app(store, web_app(replicas=3, min_available=2))
    cache = ControllerCache(store, resync=0.0)
    replicas = ReplicaController(cache)
    resched = Rescheduler(RescheduleSettings(apply=True, max_moves=5, interval=0.0), cache)
    evictions: list[int] = []
    ready_seen: list[int] = []

    async def controllers(reschedule: asyncio.Event) -> None:
        while True:
            await replicas.reconcile(store, time.time())
            ready_seen.append(len(await web_nodes(store)))
            if reschedule.is_set():
                evicted = await resched.reconcile(store, time.time())
                if evicted:
                    evictions.append(evicted)
            await asyncio.sleep(0.05)

    on = asyncio.Event()
    sched = Scheduler(store)
    async with running(sched), slave_stand_in(store):
        feed = asyncio.ensure_future(cache.run())
        loop = asyncio.ensure_future(controllers(on))
        try:
            await cache.wait_synced()

            async def all_on_n1() -> bool:
                return sorted((await web_nodes(store)).values()) == ["n1"] * 3

            await eventually(all_on_n1, what="three web pods running on n1")
            for name in ("n2", "n3"):
                await put_node(store, make_node(name, 8000, 8192 * MiB))
            rules = interference_pb2.InterferenceRuleSet()
            rules.meta.name = "one-web"
            rules.spec.rules.add(app_a="t/web", app_b="t/web", k=0)
            await store.put(INTERFERENCE_RULE_SET.key("", "one-web"), encode(rules))
            await eventually(lambda: len(sched.cache.rules) == 1, what="the scheduler has the rule")
            await eventually(
                lambda: len(list(cache.rule_sets.items())) == 1, what="the controllers have it"
            )
            assert len(await web_nodes(store)) == 3  # nothing moves before the rescheduler
            ready_seen.clear()
            on.set()

            async def spread() -> bool:
                return sorted((await web_nodes(store)).values()) == ["n1", "n2", "n3"]

            await eventually(spread, timeout=20.0, what="one web pod a node")
            loop.cancel()
            await eventually(
                lambda: len([p for _, p in cache.pods.items() if ready(p)]) == 3,
                what="the cache saw the last replacement start",
            )
            assert await resched.reconcile(store, time.time()) == 0
        finally:
            loop.cancel()
            feed.cancel()
            await asyncio.gather(loop, feed, return_exceptions=True)
    assert evictions == [
        1,
        1,
    ]  # two pods over the rule; the budget (3 ready, 2 min) pays one a pass
    assert min(ready_seen) >= 2  # never below the App's floor
    assert resched.plan is not None and resched.plan.moves == ()  # nothing left to repair
    assert (resched.plan.breaches_before, resched.plan.cost_before) == (0, 3.0)
    await store.close()


async def placed_pod(store: Store, app: app_pb2.App, name: str, node: str) -> None:
    pod = pod_pb2.Pod()
    pod.meta.namespace, pod.meta.name, pod.meta.uid = "t", name, f"u-{name}"
    pod.meta.owner_references.add(kind="App", name=app.meta.name, uid=app.meta.uid)
    pod.spec.template.CopyFrom(app.spec.template)
    pod.spec.owner_kind, pod.spec.owner_name = pod_pb2.POD_OWNER_KIND_APP, app.meta.name
    pod.spec.node_name, pod.status.phase = node, pod_pb2.POD_PHASE_RUNNING
    await store.put(POD.key("t", name), encode(pod))


async def test_proposals_only_are_events_and_evict_nothing() -> None:
    store = MemoryStore()
    for name in ("n1", "n2"):
        await put_node(store, make_node(name, 8000, 8192 * MiB))
    app = web_app(replicas=2, min_available=1)
    await put_app(store, app)
    for name in ("web-0", "web-1"):
        await placed_pod(store, app, name, "n1")
    rules = interference_pb2.InterferenceRuleSet()
    rules.meta.name = "one-web"
    rules.spec.rules.add(app_a="t/web", app_b="t/web", k=0)
    await store.put(INTERFERENCE_RULE_SET.key("", "one-web"), encode(rules))

    resched = Rescheduler(RescheduleSettings(apply=False, interval=0.0))
    assert await resched.reconcile(store, time.time()) == 0
    assert resched.plan is not None
    (move,) = resched.plan.moves
    assert (move.source, move.target) == ("n1", "n2")
    assert all(not terminating(p) for p in await pods(store))  # proposed, not applied
    assert resched.recorder is not None
    await resched.recorder.close()
    events = [decode(record_pb2.EventRecord, kv) for kv in (await store.list(RECORD.prefix)).items]
    assert [(e.reason, e.message) for e in events] == [
        (
            "RescheduleProposed",
            f"move {move.pod} from n1 to n2: repairs interference rule <t/web, t/web, 0> of "
            "InterferenceRuleSet one-web",
        )
    ]
    await store.close()
