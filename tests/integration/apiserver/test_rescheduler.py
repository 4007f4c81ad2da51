"""The live rescheduler over a real store beside a real scheduler: a rule tightened under running
pods is repaired by budgeted evictions, one pod of the App at a time, and the replacements land
where the rule holds. The replica controller replaces what is evicted; a small stand-in for the
slave starts bound pods and removes stopping ones. Memory store, no network."""

from __future__ import annotations

import asyncio
import time

import pytest

from sigma.apiserver.controllers.rescheduler import MOVES, Rescheduler, RescheduleSettings
from sigma.apiserver.tasks.writes import FenceLost
from sigma.resources.pods import ready, terminating
from sigma.resources.records import RECORD
from sigma.store import Compare
from sigma.store.codec import decode
from sigma.store.memory import MemoryStore
from sigma.testing.wait import eventually
from sigma.v1 import record_pb2
from tests.integration.apiserver._live import (
    live_cluster,
    placed_pod,
    put_rule,
    slave_stand_in,
    web_app,
    web_nodes,
)
from tests.integration.scheduler._seed import MiB, make_node, pods, put_app, put_node


async def test_a_tightened_rule_is_repaired_one_budgeted_eviction_at_a_time() -> None:
    store = MemoryStore()
    await put_node(store, make_node("n1", 8000, 8192 * MiB))
    await put_app(store, web_app(replicas=3, min_available=2))
    resched = Rescheduler(RescheduleSettings(apply=True, max_moves=5, interval=0.0))
    evicted_before = MOVES.labels("rule", "evicted")._value.get()
    evictions: list[int] = []
    ready_seen: list[int] = []
    on = asyncio.Event()

    async def each_pass() -> None:
        ready_seen.append(len(await web_nodes(store)))
        if on.is_set():
            evicted = await resched.reconcile(store, time.time())
            if evicted:
                evictions.append(evicted)

    async with slave_stand_in(store), live_cluster(store, each_pass) as (sched, cache):
        resched.cache = cache

        async def all_on_n1() -> bool:
            return sorted((await web_nodes(store)).values()) == ["n1"] * 3

        await eventually(all_on_n1, what="three web pods running on n1")
        for name in ("n2", "n3"):
            await put_node(store, make_node(name, 8000, 8192 * MiB))
        await put_rule(store, "one-web", "t/web", "t/web", 0)
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
        on.clear()
        await eventually(
            lambda: len([p for _, p in cache.pods.items() if ready(p)]) == 3,
            what="the cache saw the last replacement start",
        )
        assert await resched.reconcile(store, time.time()) == 0
    # Two pods over the rule; the budget (3 ready, 2 min available) pays for one a pass.
    assert evictions == [1, 1]
    assert MOVES.labels("rule", "evicted")._value.get() - evicted_before == 2
    assert min(ready_seen) >= 2  # never below the App's floor
    assert resched.plan is not None and resched.plan.moves == ()  # nothing left to repair
    assert (resched.plan.breaches_before, resched.plan.cost_before) == (0, 3.0)
    await store.close()


async def two_web_pods_on_one_node() -> MemoryStore:
    """Two nodes, both web pods on n1, and a rule allowing one web pod a node."""
    store = MemoryStore()
    for name in ("n1", "n2"):
        await put_node(store, make_node(name, 8000, 8192 * MiB))
    app = web_app(replicas=2, min_available=1)
    await put_app(store, app)
    for name in ("web-0", "web-1"):
        await placed_pod(store, app, name, "n1")
    await put_rule(store, "one-web", "t/web", "t/web", 0)
    return store


async def test_proposals_only_are_events_and_evict_nothing() -> None:
    store = await two_web_pods_on_one_node()

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


async def test_a_deposed_leader_evicts_nothing() -> None:
    store = await two_web_pods_on_one_node()
    leader = "/sigma/v1/leaders/apiserver-rescheduler"
    held = await store.put(leader, b"me")
    await store.put(leader, b"someone else")  # the lease moved on: this replica lost it
    resched = Rescheduler(RescheduleSettings(apply=True, interval=0.0))
    with pytest.raises(FenceLost):
        await resched.reconcile(store, time.time(), fence=[Compare(leader, held)])
    assert all(not terminating(p) for p in await pods(store))
    await store.close()


async def test_cost_moves_are_evicted_only_when_asked() -> None:
    store = MemoryStore()
    for name in ("n1", "n2"):
        await put_node(store, make_node(name, 1000, 8192 * MiB))
    app = web_app(replicas=2, min_available=1)  # 500 millicores a pod
    await put_app(store, app)
    for name in ("web-0", "web-1"):
        await placed_pod(store, app, name, "n1")  # n1 at its whole CPU: far above beta

    repairs_only = Rescheduler(RescheduleSettings(apply=True, interval=0.0))
    assert await repairs_only.reconcile(store, time.time()) == 0
    assert repairs_only.plan is not None
    (move,) = repairs_only.plan.moves
    assert (move.why, move.target) == ("cost", "n2")
    assert repairs_only.plan.cost_after < repairs_only.plan.cost_before
    assert all(not terminating(p) for p in await pods(store))

    with_cost = Rescheduler(RescheduleSettings(apply=True, apply_cost=True, interval=0.0))
    assert await with_cost.reconcile(store, time.time()) == 1
    assert sum(terminating(p) for p in await pods(store)) == 1
    await store.close()
