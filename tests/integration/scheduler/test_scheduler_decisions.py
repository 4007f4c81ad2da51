"""Preemptions published on the decisions topic of the bus, after the eviction committed."""

from __future__ import annotations

from sigma.bus import Message
from sigma.bus.memory import MemoryBus
from sigma.errors import Unavailable
from sigma.events import DECISIONS_TOPIC, HEADER_CONTENT_TYPE
from sigma.resources.kinds import POD
from sigma.scheduler.loop import Scheduler
from sigma.store import Store, update
from sigma.store.codec import encode
from sigma.store.memory import MemoryStore
from sigma.testing.wait import eventually
from sigma.v1 import event_pb2
from tests.integration.scheduler._seed import (
    MiB,
    make_node,
    make_pod,
    pods,
    put_node,
    put_pod,
    running,
    wait_bound,
)

CONTENT_TYPE = b"application/x-protobuf; messageType=sigma.v1.ColocationDecision"


async def _messages(bus: MemoryBus) -> list[Message]:
    async with await bus.consumer("audit", [DECISIONS_TOPIC]) as c:
        return await c.fetch(timeout=0.2)


async def _full_node(store: Store) -> None:
    """n1 holds two batch pods and one online pod; a priority-10 pod needs one batch gone."""
    await put_node(store, make_node("n1", 4000, 4096 * MiB))
    await put_pod(store, make_pod("be1", 500, 512 * MiB, qos=4))
    await put_pod(store, make_pod("be2", 500, 512 * MiB, qos=4))
    await put_pod(store, make_pod("on", 2500, 2048 * MiB, priority=1))


async def test_each_victim_is_published_once_its_eviction_committed() -> None:
    store, bus = MemoryStore(), MemoryBus()
    await _full_node(store)
    sched = Scheduler(store, bus=bus, wall=lambda: 1_700_000_000.25)
    async with running(sched):
        await wait_bound(store, 3)
        await put_pod(store, make_pod("hi", 1500, 1536 * MiB, priority=10))
        await eventually(lambda: sched.stats.evicted >= 1, what="an eviction")
        await wait_bound(store, 4)
        await sched.settle()
    evicted = {p.meta.name for p in await pods(store) if p.status.reason == "Preempted"}
    messages = await _messages(bus)
    decisions = [event_pb2.ColocationDecision.FromString(m.value) for m in messages]
    assert evicted and {d.target for d in decisions} == {f"t/{n}" for n in evicted}
    assert len(decisions) == len(evicted) == sched.stats.evicted
    for m, d in zip(messages, decisions, strict=True):
        assert m.key == "n1" and m.header(HEADER_CONTENT_TYPE) == CONTENT_TYPE
        assert d.kind == event_pb2.COLOCATION_DECISION_KIND_EVICT and d.node_name == "n1"
        assert d.reason == "Preempted" and d.source == "scheduler"
        assert d.message.startswith("Preempted by t/hi (priority 10)")
        assert (d.at.seconds, d.at.nanos) == (1_700_000_000, 250_000_000)
        assert d.id.startswith(f"scheduler/{d.target}@")
    victim = next(p for p in await pods(store) if p.meta.name in evicted)
    assert victim.status.message == decisions[0].message  # the same words in both records


async def test_a_lost_transaction_publishes_nothing() -> None:
    store, bus = MemoryStore(), MemoryBus()
    await _full_node(store)
    async with running(Scheduler(store, bus=bus)):
        await wait_bound(store, 3)
    sched = Scheduler(store, bus=bus)  # driven round by round from here
    tasks = await sched.start()
    try:
        await put_pod(store, make_pod("hi", 1500, 1536 * MiB, priority=10))
        await eventually(lambda: len(sched.pending()) == 1, what="the pod queued")
        groups, _ = sched.decide_round()
        (victim,) = [e.pod_key for g in groups.values() for e in g.evictions]
        # The victim changes in the store before the commit: the CAS on it must fail.
        (obj,) = [p for p in await pods(store) if f"t/{p.meta.name}" == victim]
        obj.status.message = "touched"
        key = POD.key("t", obj.meta.name)
        await update(store, key, encode(obj), expected_mod_revision=obj.meta.resource_version)
        await sched.commit(groups)
        await sched.settle()
    finally:
        for task in tasks:
            task.cancel()
    assert sched.stats.conflicts == 1 and sched.stats.evicted == 0
    assert await _messages(bus) == []


class _DownBus(MemoryBus):
    async def publish(self, *args: object, **kwargs: object) -> object:
        raise Unavailable("bus down")


async def test_a_bus_outage_does_not_hold_up_binding() -> None:
    store = MemoryStore()
    await _full_node(store)
    sched = Scheduler(store, bus=_DownBus())
    async with running(sched):
        await wait_bound(store, 3)
        await put_pod(store, make_pod("hi", 1500, 1536 * MiB, priority=10))
        await wait_bound(store, 4)
        await eventually(lambda: sched.stats.evicted >= 1, what="an eviction")
        await sched.settle()
    assert sched.decisions is not None
    assert sched.decisions.failed == sched.stats.evicted and sched.decisions.published == 0
