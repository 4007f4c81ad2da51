"""The scheduler loop against an embedded store: binding, preemption, release, races."""

from __future__ import annotations

import asyncio

from sigma.metrics import value
from sigma.observe import ATTEMPT_SECONDS, CONFLICTS
from sigma.scheduler.loop import Scheduler
from sigma.store.memory import MemoryStore
from sigma.testing.wait import eventually
from sigma.v1 import pod_pb2
from tests.integration.scheduler._seed import (
    MiB,
    allocations,
    bound_now,
    make_node,
    make_pod,
    pods,
    put_node,
    put_pod,
    running,
    wait_bound,
)


async def test_binds_pods_and_records_the_allocation() -> None:
    store = MemoryStore()
    await put_node(store, make_node("n1", 4000, 4096 * MiB))
    await put_node(store, make_node("n2", 4000, 4096 * MiB))
    for i in range(6):
        await put_pod(store, make_pod(f"p{i}", 1000, 512 * MiB))
    await put_pod(store, make_pod("lse", 2000, 512 * MiB, qos=1))
    sched = Scheduler(store)
    async with running(sched):
        bound = await wait_bound(store, 7)
    records = await allocations(store)
    assert sum(len(r.pods) for r in records.values()) == 7
    for name, rec in records.items():
        assert rec.online_requested.cpu_millis <= 4000
        assert {a.pod_key for a in rec.pods} == {f"t/{p}" for p, n in bound.items() if n == name}
    lse = next(p for p in await pods(store) if p.meta.name == "lse")
    assert lse.status.phase == pod_pb2.POD_PHASE_SCHEDULED and lse.status.cpuset in ("0-1", "2-3")


async def test_unschedulable_waits_and_binds_when_a_node_joins() -> None:
    store = MemoryStore()
    await put_node(store, make_node("small", 1000, 1024 * MiB))
    await put_pod(store, make_pod("big", 3000, 512 * MiB))
    sched = Scheduler(store)
    async with running(sched):
        await eventually(lambda: sched.stats.unschedulable >= 1, what="an attempt")
        assert await bound_now(store) == {}
        assert sched.pending()[0].last is not None

        async def noted() -> bool:
            (big,) = await pods(store)
            return any(
                c.type == "PodScheduled" and c.reason == "Unschedulable"
                for c in big.status.conditions
            )

        for _ in range(100):
            if await noted():
                break
            await asyncio.sleep(0.01)
        (big,) = await pods(store)
        assert big.status.reason == "Unschedulable" and "Insufficient cpu" in big.status.message
        await put_node(store, make_node("large", 4000, 4096 * MiB))
        assert await wait_bound(store, 1) == {"big": "large"}


async def test_preemption_evicts_batch_in_the_same_transaction() -> None:
    store = MemoryStore()
    await put_node(store, make_node("n1", 4000, 4096 * MiB))
    await put_pod(store, make_pod("be", 1000, 1024 * MiB, qos=4))
    await put_pod(store, make_pod("on", 2000, 2560 * MiB, priority=1))
    sched = Scheduler(store)
    async with running(sched):
        await wait_bound(store, 2)
        await put_pod(store, make_pod("hi", 1000, 1024 * MiB, priority=10))
        await eventually(lambda: sched.stats.preemptions == 1, what="preemption")
        await wait_bound(store, 3)
    by_name = {p.meta.name: p for p in await pods(store)}
    assert by_name["be"].status.phase == pod_pb2.POD_PHASE_EVICTED
    assert by_name["be"].status.reason == "Preempted"
    assert "t/hi" in by_name["be"].status.message
    assert by_name["hi"].spec.node_name == "n1"
    rec = (await allocations(store))["n1"]
    assert {a.pod_key for a in rec.pods} == {"t/on", "t/hi"}


async def test_finished_pod_is_released_from_the_record() -> None:
    store = MemoryStore()
    await put_node(store, make_node("n1", 2000, 2048 * MiB))
    await put_pod(store, make_pod("a", 2000, 512 * MiB))
    await put_pod(store, make_pod("b", 2000, 512 * MiB))
    sched = Scheduler(store)
    async with running(sched):
        await wait_bound(store, 1)
        first = next(p for p in await pods(store) if p.spec.node_name)
        first.status.phase = pod_pb2.POD_PHASE_SUCCEEDED
        from sigma.resources.kinds import POD
        from sigma.store import update
        from sigma.store.codec import encode

        key = POD.key("t", first.meta.name)
        await update(store, key, encode(first), expected_mod_revision=first.meta.resource_version)
        await wait_bound(store, 2)
    rec = (await allocations(store))["n1"]
    assert [a.pod_key for a in rec.pods] != [f"t/{first.meta.name}"] and len(rec.pods) == 1


async def test_racing_replicas_conflict_and_every_pod_is_bound_once() -> None:
    from sigma.scheduler.plugins.registry import default_profile

    store = MemoryStore()
    for i in range(3):
        await put_node(store, make_node(f"n{i}", 8000, 8000 * MiB))
    replicas = [
        Scheduler(store, profile=default_profile(seed=s), batch_size=8, max_backoff=0.05)
        for s in (1, 2)
    ]
    attempts_before, conflicts_before = value(ATTEMPT_SECONDS), value(CONFLICTS)
    async with running(*replicas):
        for i in range(40):
            await put_pod(store, make_pod(f"p{i}", 400, 400 * MiB))
        await wait_bound(store, 40)
        # A replica counts a binding once its write returns, a moment after the store has it.
        await eventually(
            lambda: sum(r.stats.bound for r in replicas) >= 40, what="every binding counted"
        )
    assert sum(r.binder.conflicts for r in replicas) > 0  # the CAS did turn writes away
    assert sum(r.stats.bound for r in replicas) == 40
    # The tier's metrics saw the same attempts and lost bindings the loops counted.
    assert value(ATTEMPT_SECONDS) - attempts_before == sum(len(r.stats.latencies) for r in replicas)
    assert value(CONFLICTS) - conflicts_before == sum(r.stats.conflicts for r in replicas) > 0
    records = await allocations(store)
    assert sorted(a.pod_key for r in records.values() for a in r.pods) == sorted(
        f"t/p{i}" for i in range(40)
    )


async def test_stale_batch_capacity_counts_as_none() -> None:
    store = MemoryStore()
    node = make_node("n1", 4000, 4096 * MiB)
    node.status.batch_capacity_updated_at.seconds = 1_000
    await put_node(store, node)
    await put_pod(store, make_pod("be", 500, 64 * MiB, qos=4))
    stale = Scheduler(store, wall=lambda: 1_000 + 301.0, batch_stale_after=300)
    async with running(stale):
        await eventually(lambda: stale.stats.unschedulable >= 1, what="an attempt")
        assert await bound_now(store) == {}
    fresh = Scheduler(store, wall=lambda: 1_000 + 10.0, batch_stale_after=300)
    async with running(fresh):
        assert await wait_bound(store, 1) == {"be": "n1"}


async def test_tier_builder_serves_explain_and_runs_the_loop() -> None:
    from sigma.bus.memory import MemoryBus
    from sigma.scheduler.tier import build
    from sigma.tiers import Context

    store = MemoryStore()
    await put_node(store, make_node("n1", 4000, 4096 * MiB))
    await put_pod(store, make_pod("p", 500, 64 * MiB))
    ctx = Context(store=store, bus=MemoryBus())
    services = await build(ctx)
    try:
        assert [s.name for s in services] == ["sigma.v1.Scheduler"]
        assert await wait_bound(store, 1) == {"p": "n1"}
    finally:
        for task in ctx.tasks:
            task.cancel()
        await asyncio.gather(*ctx.tasks, return_exceptions=True)
