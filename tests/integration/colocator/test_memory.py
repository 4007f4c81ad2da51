"""The colocator over MemoryStore + MemoryBus: capacity writes, ledger, staleness, evictions."""

from __future__ import annotations

import asyncio

import pytest

from sigma.bus.memory import MemoryBus
from sigma.cli.inprocess import InProcessApi
from sigma.colocator.api import ColocatorServicer
from sigma.colocator.replica import Colocator
from sigma.colocator.settings import ColocatorSettings
from sigma.events import DECISIONS_TOPIC, NODE_USAGE_TOPIC
from sigma.metrics import value
from sigma.observe import CONSUMER_LAG
from sigma.resources import NODE, POD, Repository
from sigma.store.memory import MemoryStore
from sigma.testing.clock import ManualClock
from sigma.testing.wait import eventually
from sigma.v1 import colocator_pb2, event_pb2, meta_pb2

from .colo_helpers import GiB, add_node, add_pod, report

T0 = 1_700_000_000.0
BE, LS = meta_pb2.QOS_CLASS_BE, meta_pb2.QOS_CLASS_LS


class Wall:
    def __init__(self) -> None:
        self.t = T0

    def __call__(self) -> float:
        return self.t


@pytest.fixture
async def rig():  # type: ignore[no-untyped-def]
    store, bus, wall = MemoryStore(), MemoryBus(), Wall()
    engine = Colocator(
        store,
        bus,
        ColocatorSettings(),
        clock=ManualClock(),
        wall=wall,
        api=InProcessApi(store, wall=wall),
    )
    await add_node(store, "n1")
    yield store, bus, wall, engine
    await bus.close()
    await store.close()


async def test_capacity_is_written_with_its_terms_and_other_fields_kept(rig) -> None:  # type: ignore[no-untyped-def]
    store, _bus, wall, engine = rig
    await engine.apply(report("n1", T0, online_cpu=2000))
    node = await Repository(store, NODE).get("", "n1")
    # 10000 x 0.65 - 2000 online - 500 system - 200 reserve
    assert node.status.batch_capacity.cpu_millis == 3800
    assert node.status.batch_capacity.memory_bytes == int(100 * GiB * 0.7) - 11 * GiB - (512 << 20)
    assert node.status.batch_capacity_updated_at.seconds == int(T0)
    assert node.spec.cpu_count == 10 and node.meta.labels["rack"] == "r1"
    assert node.status.agent_version == "v1"

    api = ColocatorServicer(engine)
    budget = await api.GetNodeBudget(colocator_pb2.GetNodeBudgetRequest(node_name="n1"), None)
    assert budget.terms.online_estimate.cpu_millis == 2000 and budget.terms.cpu_threshold == 0.65
    # usage rises: the figure drops at once, and the ledger says why
    wall.t += 10
    await engine.apply(report("n1", wall.t, online_cpu=4000))
    explained = await api.ExplainBudget(colocator_pb2.ExplainBudgetRequest(node_name="n1"), None)
    assert [c.reason for c in explained.changes] == ["UsageRose", "NodeRegistered"]
    newest = explained.changes[0]
    assert newest.previous.cpu_millis == 3800 and newest.terms.result.cpu_millis == 1800
    assert newest.terms.online_estimate.cpu_millis == 4000
    # usage falls back: held (hold time), so no new ledger entry
    wall.t += 10
    await engine.apply(report("n1", wall.t, online_cpu=1000))
    assert len(engine.ledger.explain("n1")) == 2
    assert (await Repository(store, NODE).get("", "n1")).status.batch_capacity.cpu_millis == 1800


async def test_stale_usage_drops_capacity_to_zero_on_the_sweep(rig) -> None:  # type: ignore[no-untyped-def]
    store, _bus, wall, engine = rig
    await engine.apply(report("n1", T0, online_cpu=1000))
    wall.t += 61
    await engine.sweep()
    node = await Repository(store, NODE).get("", "n1")
    assert node.status.batch_capacity.cpu_millis == 0
    assert node.status.batch_capacity.memory_bytes == 0
    assert engine.ledger.latest("n1").reason == "UsageStale"  # type: ignore[union-attr]


async def test_over_threshold_evicts_batch_in_order_never_online(rig) -> None:  # type: ignore[no-untyped-def]
    store, _bus, wall, engine = rig
    await add_pod(store, "default/web", "n1", LS, priority=-5)
    await add_pod(store, "default/old", "n1", BE, priority=1, started=T0 - 3600)
    await add_pod(store, "default/young", "n1", BE, priority=1, started=T0 - 60)
    await add_pod(store, "default/low", "n1", BE, priority=0, started=T0 - 3600)
    pods = (
        ("default/web", LS, 4000),
        ("default/old", BE, 1000),
        ("default/young", BE, 1000),
        ("default/low", BE, 300),
    )
    # 4000 + 2300 + 500 = 6800 > 6500: 300 over; "low" (lowest priority) covers it
    await engine.apply(report("n1", T0, 4000, batch_cpu=2300, pods=pods))
    repo = Repository(store, POD)
    deleting = {
        p.meta.name for p in await repo.list_all("default") if p.meta.HasField("deletion_timestamp")
    }
    assert deleting == {"low"}
    # within the cooldown nothing more; after it, 1500 over takes "young" then "old"
    wall.t += 31
    await engine.apply(report("n1", wall.t, 5000, batch_cpu=2500, pods=pods))
    deleting = {
        p.meta.name for p in await repo.list_all("default") if p.meta.HasField("deletion_timestamp")
    }
    assert deleting == {"low", "young", "old"}
    evictions = [d for d in engine.decisions if d.kind == event_pb2.COLOCATION_DECISION_KIND_EVICT]
    assert [d.target for d in evictions] == ["default/low", "default/young", "default/old"]
    assert all(d.reason == "OnlineStarved" and d.node_name == "n1" for d in evictions)


async def test_consumer_loop_applies_reports_and_publishes_decisions(rig) -> None:  # type: ignore[no-untyped-def]
    store, bus, _wall, engine = rig
    await add_node(store, "n2")
    for name in ("n1", "n2"):
        await bus.publish(NODE_USAGE_TOPIC, name, report(name, T0, 1000).SerializeToString())
    stop = asyncio.Event()
    task = asyncio.create_task(engine.consume(stop))
    nodes = Repository(store, NODE)

    async def both_written() -> bool:
        got = [(await nodes.get("", n)).status.batch_capacity.cpu_millis for n in ("n1", "n2")]
        return got == [4800, 4800]

    await eventually(both_written, timeout=5, what="both nodes written")
    # Two reports arrived and were applied: the group is behind by none, and says so.
    await bus.publish(NODE_USAGE_TOPIC, "n1", report("n1", T0, 1000).SerializeToString())
    lag = {"group": engine.settings.group, "topic": NODE_USAGE_TOPIC}

    async def caught_up_with_the_third() -> bool:
        return any(f.samples for f in CONSUMER_LAG.collect()) and value(CONSUMER_LAG, **lag) == 0

    await eventually(caught_up_with_the_third, timeout=5, what="lag exported")
    stop.set()
    await asyncio.wait_for(task, 5)
    async with await bus.consumer("audit", [DECISIONS_TOPIC]) as audit:
        got = await audit.fetch(timeout=1)
    decoded = [event_pb2.ColocationDecision.FromString(m.value) for m in got]
    assert sorted((m.key, d.kind, d.reason) for m, d in zip(got, decoded, strict=True)) == [
        ("n1", event_pb2.COLOCATION_DECISION_KIND_BUDGET_CHANGE, "NodeRegistered"),
        ("n2", event_pb2.COLOCATION_DECISION_KIND_BUDGET_CHANGE, "NodeRegistered"),
    ]
    listed = await ColocatorServicer(engine).ListDecisions(
        colocator_pb2.ListDecisionsRequest(node_name="n2"), None
    )
    assert [d.target for d in listed.decisions] == ["n2"]
