"""The pending trigger end to end over MemoryStore + MemoryBus, through the leader's loop."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

from sigma.bus.memory import MemoryBus
from sigma.colocator.api import ColocatorServicer
from sigma.colocator.arbitration.pending import PendingArbiter, shape
from sigma.colocator.arbitration.victims import NodeRoom
from sigma.colocator.leader import lead
from sigma.colocator.replica import Colocator
from sigma.colocator.settings import ColocatorSettings
from sigma.colocator.timesharing.loop import TimeSharing
from sigma.colocator.timesharing.profiles import ProfileLearner
from sigma.events import DECISIONS_TOPIC, NODE_USAGE_TOPIC
from sigma.resources import NODE, POD, Repository
from sigma.store.memory import MemoryStore
from sigma.testing.clock import ManualClock
from sigma.testing.wait import eventually
from sigma.v1 import colocator_pb2, event_pb2, meta_pb2, node_pb2, pod_pb2

from .colo_helpers import add_node, add_pod, colocator, report

T0 = 1_700_000_000.0
BE, LS = meta_pb2.QOS_CLASS_BE, meta_pb2.QOS_CLASS_LS
EVICT = event_pb2.COLOCATION_DECISION_KIND_EVICT
# on n1 (10000m allocatable): name, QoS, priority, requested and measured CPU. Online "web"
# has the lowest priority of all and still is never a victim.
PODS = (
    ("web", LS, -5, 4000, 4000),
    ("low", BE, 0, 0, 2000),
    ("mid", BE, 1, 0, 2000),
    ("high", BE, 5, 0, 1500),
)


async def deleting(store: MemoryStore) -> set[str]:
    pods = await Repository(store, POD).list_all("default")
    return {p.meta.name for p in pods if p.meta.HasField("deletion_timestamp")}


class CountedArbiter(PendingArbiter):
    """The arbiter, counting the loop's passes: a test waits for passes, not for seconds."""

    ticks = 0

    async def tick(self) -> None:
        await super().tick()
        self.ticks += 1

    async def passes(self, n: int) -> None:
        """Return once the loop has made ``n`` more passes."""
        want = self.ticks + n
        await eventually(lambda: self.ticks >= want, timeout=5, what=f"{n} passes of the loop")


def leading(
    store: MemoryStore, bus: MemoryBus, wall: list[float]
) -> tuple[Colocator, CountedArbiter, Coroutine[Any, Any, None]]:
    """A replica with a 5 s pending grace, its arbiter, and the leader's loop to run."""
    settings = ColocatorSettings(pending_grace=5.0, pending_cooldown=60.0)
    engine = colocator(store, bus, wall, settings)
    pending = CountedArbiter(engine)
    learner = ProfileLearner(store, lambda: wall[0])
    sharing = TimeSharing(engine.store, engine.api, engine.decide, lambda: wall[0])
    return engine, pending, lead(bus, settings, learner, sharing, ManualClock(), pending)


async def test_unschedulable_online_pod_evicts_batch_after_the_grace() -> None:
    store, bus, wall = MemoryStore(), MemoryBus(), [T0]
    engine, pending, leader = leading(store, bus, wall)
    await add_node(store, "n1")
    for name, qos, priority, asks, _used in PODS:
        await add_pod(store, f"default/{name}", "n1", qos, priority, T0 - 600, cpu=asks)
    usage = tuple((f"default/{name}", qos, used) for name, qos, _p, _a, used in PODS)
    # a pending online pod asking 3000m: measured, batch leaves it 500m, so 2500m short
    await add_pod(store, "default/api", "", LS, cpu=3000, unschedulable=True)

    task = asyncio.create_task(leader)

    async def seen() -> bool:
        await bus.publish(
            NODE_USAGE_TOPIC,
            "n1",
            report("n1", wall[0], 4000, 5500, 500, usage).SerializeToString(),
        )
        return "default/api" in pending.since and "n1" in pending.reports

    await eventually(seen, timeout=5, what="the pending pod and a report seen by the leader")
    await pending.passes(3)  # inside the grace: nothing evicted
    assert await deleting(store) == set()

    wall[0] += 6  # the grace is over
    await eventually(
        lambda: _evicted(store, {"low", "mid"}), timeout=5, what="batch evicted for the pending pod"
    )
    await pending.passes(3)
    assert await deleting(store) == {"low", "mid"}  # "high" is not needed, "web" never
    evictions = [d for d in engine.decisions if d.kind == EVICT]
    assert [d.target for d in evictions] == ["default/low", "default/mid"]
    assert all(d.reason == "OnlinePending" and d.node_name == "n1" for d in evictions)
    assert all("default/api" in d.message and "2500m CPU" in d.message for d in evictions)
    listed = await ColocatorServicer(engine).ListDecisions(
        colocator_pb2.ListDecisionsRequest(kind=EVICT), None
    )
    assert [d.target for d in listed.decisions] == ["default/mid", "default/low"]
    # the cooldown: the same pod is not due again until it has passed
    assert pending.due(wall[0]) == []
    assert pending.due(wall[0] + 60) == ["default/api"]

    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    async with await bus.consumer("audit", [DECISIONS_TOPIC]) as audit:
        got = [
            event_pb2.ColocationDecision.FromString(m.value) for m in await audit.fetch(timeout=1)
        ]
    assert [d.target for d in got if d.kind == EVICT] == ["default/low", "default/mid"]
    await bus.close()
    await store.close()


async def _evicted(store: MemoryStore, want: set[str]) -> bool:
    return await deleting(store) == want


async def test_a_node_is_measured_again_only_when_its_pods_its_report_or_the_node_change() -> None:
    store, bus, wall = MemoryStore(), MemoryBus(), [T0]
    _, pending, _leader = leading(store, bus, wall)
    _leader.close()  # not run: the test drives the arbiter itself
    await add_node(store, "n1")
    await add_pod(store, "default/web", "n1", LS, 0, T0 - 600, cpu=4000)
    pending.observe(report("n1", wall[0], 4000, 0, 500, (("default/web", LS, 4000),)))

    def row(at: float) -> NodeRoom:
        table = pending.table(at)
        return table.rooms.rooms[table.rooms.index["n1"]]

    async with pending.watching():
        await eventually(lambda: pending.pods.get(POD.key("default", "web")) is not None)
        await eventually(lambda: pending.nodes.get(NODE.key("", "n1")) is not None)
        first = row(wall[0])
        assert first.online_requested.cpu == 4000
        assert row(wall[0]) is first  # nothing changed: not measured again
        await add_pod(store, "default/api", "n1", LS, 0, T0 - 60, cpu=1000)
        await eventually(lambda: row(wall[0]).online_requested.cpu == 5000, what="the pod counted")
        again = row(wall[0])
        pending.observe(report("n1", wall[0] + 1, 5000, 0, 500, (("default/web", LS, 4000),)))
        assert row(wall[0] + 1) is not again  # a newer report: measured again
        stale = wall[0] + 1 + pending.settings.stale_after + 1
        assert pending.table(stale).valid(stale, pending.settings.stale_after).tolist() == [False]

        # the node's allocatable changed: measured again; its labels changed: admitted again
        table = pending.table(wall[0] + 1)
        pod = pod_pb2.Pod()
        pod.spec.template.node_selector["rack"] = "r2"
        assert table.admitted(shape(pod), lambda _: False).tolist() == [False]

        def relabel(node: node_pb2.Node) -> None:
            node.meta.labels["rack"] = "r2"
            node.spec.allocatable.cpu_millis = 20_000

        await Repository(store, NODE).mutate("", "n1", relabel)
        await eventually(
            lambda: row(wall[0] + 1).allocatable.cpu == 20_000, what="the node measured again"
        )
        assert table.admitted(shape(pod), lambda _: True).tolist() == [True]
        await add_node(store, "n2")  # a new node: a table with a row for it
        await eventually(lambda: "n2" in pending.table(wall[0] + 1).rooms.index, what="n2's row")
        assert row(wall[0] + 1).allocatable.cpu == 20_000  # n1's row carried over
    await bus.close()
    await store.close()


async def test_a_pod_no_plan_could_help_is_planned_for_again_once_its_node_changes() -> None:
    store, bus, wall = MemoryStore(), MemoryBus(), [T0]
    engine, _, _leader = leading(store, bus, wall)
    _leader.close()  # not run: the test drives an arbiter of its own
    pending = PendingArbiter(engine)
    await add_node(store, "n1")
    await add_pod(store, "default/web", "n1", LS, 0, T0 - 600, cpu=4000)
    await add_pod(store, "default/low", "n1", BE, 0, T0 - 600)
    await add_pod(store, "default/api", "", LS, cpu=3000, unschedulable=True)
    web = ("default/web", LS, 4000)
    idle, busy = (web, ("default/low", BE, 0)), (web, ("default/low", BE, 5000))
    # batch idle: the pod fits by measured usage, which is the scheduler's work
    pending.observe(report("n1", wall[0], 4000, 0, 500, idle))
    async with pending.watching():
        await eventually(lambda: "default/api" in pending.since, what="the pending pod seen")
        await eventually(lambda: pending.nodes.get(NODE.key("", "n1")) is not None)
        wall[0] += 6  # the grace is over
        pending.observe(report("n1", wall[0], 4000, 0, 500, idle))
        assert await pending.tick() == 0
        futile = pending._futile["default/api"]
        assert await pending.tick() == 0  # nothing changed: not planned for again
        assert pending._futile["default/api"] == futile
        # batch now uses 5000m: evicting it makes the room
        pending.observe(report("n1", wall[0] + 1, 4000, 5000, 500, busy))
        assert await pending.tick() == 1
        assert pending.acted["default/api"] == wall[0]
        assert await deleting(store) == {"low"}
    await bus.close()
    await store.close()
