"""The fleet's bookkeeping that lets static co-location skip unchanged nodes and reports.

The static capacity writer looks at a node again only once its running pods changed
(``Fleet.epochs``), so an epoch that misses a change leaves the node's batch capacity stale:
the capacity here must follow online pods starting and stopping. Without a reader of the
usage reports (``publish`` off), a report pass records the same figures and builds no report.
"""

from __future__ import annotations

import asyncio

from sigma.bus.memory import MemoryBus
from sigma.cli.sim.fleet import Fleet
from sigma.cli.sim.replay import _static_capacity
from sigma.cli.sim.vloop import LoopClock, run_virtual
from sigma.resources import NODE, POD, Repository
from sigma.store.memory import MemoryStore
from sigma.v1 import meta_pb2, node_pb2, pod_pb2

GIB = 2**30
ALLOC = 10_000


def _node(name: str) -> node_pb2.Node:
    node = node_pb2.Node()
    node.meta.name = name
    node.spec.capacity.cpu_millis = node.spec.allocatable.cpu_millis = ALLOC
    node.spec.capacity.memory_bytes = node.spec.allocatable.memory_bytes = 100 * GIB
    return node


def _pod(name: str, node: str, qos: int, cpu: int) -> pod_pb2.Pod:
    pod = pod_pb2.Pod(meta=meta_pb2.ObjectMeta(namespace="default", name=name))
    pod.spec.node_name, pod.spec.qos_class, pod.spec.owner_name = node, qos, "web"
    c = pod.spec.template.containers.add(name="main")
    c.resources.requests.cpu_millis = cpu
    c.resources.requests.memory_bytes = GIB
    return pod


def test_static_capacity_follows_the_online_pods_of_each_node() -> None:
    async def main() -> list[tuple[int, int, int, int]]:
        clock = LoopClock(asyncio.get_running_loop())
        store = MemoryStore(clock=clock)
        fleet = Fleet(
            store, MemoryBus(clock=clock), clock, clock.wall, [_node("a"), _node("b")], {},
            start=0, interval=300,
        )  # fmt: skip
        await fleet.register(900)
        pods, nodes = Repository(store, POD), Repository(store, NODE)
        tasks = [
            asyncio.create_task(fleet.watch()),
            asyncio.create_task(_static_capacity(store, fleet, clock, 0.5)),
        ]
        seen: list[tuple[int, int, int, int]] = []

        async def step(then: float) -> None:
            await clock.sleep(1.0)
            await fleet.converge()  # the fleet starts (or stops) what changed
            await clock.sleep(then)  # the writer's next minute
            by = {n.meta.name: n.status.batch_capacity for n in await nodes.list_all("")}
            a, b = by["a"], by["b"]
            seen.append((a.cpu_millis, a.memory_bytes // GIB, b.cpu_millis, b.memory_bytes // GIB))

        await step(60)
        await pods.create(_pod("web-1", "a", meta_pb2.QOS_CLASS_LS, 3000))
        await pods.create(_pod("job-1", "b", meta_pb2.QOS_CLASS_BE, 4000))  # batch: no change
        await step(60)
        await pods.create(_pod("web-2", "a", meta_pb2.QOS_CLASS_LS, 1000))
        await step(60)
        await pods.delete("default", "web-1")
        await step(60)
        before = fleet.epochs["a"]
        await step(60)  # nothing changed: nothing looked at again
        assert fleet.epochs["a"] == before
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        return seen

    assert run_virtual(main()) == [
        (ALLOC, 50, ALLOC, 50),
        (ALLOC - 3000, 49, ALLOC, 50),
        (ALLOC - 4000, 48, ALLOC, 50),
        (ALLOC - 1000, 49, ALLOC, 50),
        (ALLOC - 1000, 49, ALLOC, 50),
    ]


def test_without_a_reader_a_pass_records_the_same_figures_and_builds_no_report() -> None:
    async def main() -> tuple[int, int, bool]:
        clock = LoopClock(asyncio.get_running_loop())
        store = MemoryStore(clock=clock)
        fleet = Fleet(
            store, MemoryBus(clock=clock), clock, clock.wall, [_node("a")], {},
            start=0, interval=300,
        )  # fmt: skip
        fleet._run("a", "default/job-1", _pod("job-1", "a", meta_pb2.QOS_CLASS_BE, 4000), 0.0)
        published = fleet.measure(0.0)
        fleet.publish = False
        quiet = fleet.measure(0.0)
        same = (fleet.tally.rows[0] == fleet.tally.rows[1]).all()
        return len(published), len(quiet), bool(same and fleet.tally.rows[0][1, 0] == 4000)

    assert run_virtual(main()) == (1, 0, True)
