"""The pending trigger respects placement rules: batch is evicted only on a node the pending pod
may go to under its App's interference rules and per-host cap.

Two nodes, each with batch whose eviction would make room for a pending pod of App "api": on
n1 one victim of the lowest priority (the cheaper eviction), on n2 one of a higher priority.
n1 also runs a pod of App "web". With no rule the arbiter evicts on n1; with the rule
``<web, api, 0>`` (no api beside web), or with api's per-host cap reached on n1, n1 frees
nothing the scheduler could use, and the arbiter evicts on n2 instead.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

import pytest

from sigma.bus.memory import MemoryBus
from sigma.events import NODE_USAGE_TOPIC
from sigma.resources import APP, INTERFERENCE_RULE_SET, POD, Repository
from sigma.store.memory import MemoryStore
from sigma.testing.wait import eventually
from sigma.v1 import app_pb2, interference_pb2, meta_pb2, pod_pb2

from .colo_helpers import GiB, add_node, add_pod, report
from .test_pending import T0, CountedArbiter, deleting, leading

BE, LS = meta_pb2.QOS_CLASS_BE, meta_pb2.QOS_CLASS_LS
# node: (pod, QoS, priority, App, requested CPU, measured CPU); 10000m allocatable each
NODES = {
    "n1": (("web-0", LS, 0, "web", 4000, 4000), ("b1", BE, 0, "", 0, 5500)),
    "n2": (("other", LS, 0, "", 4000, 4000), ("b2", BE, 3, "", 0, 5500)),
}


async def _app(store: MemoryStore, name: str, cap: int = 0) -> None:
    app = app_pb2.App(meta=meta_pb2.ObjectMeta(namespace="default", name=name, uid=name))
    app.spec.replicas, app.spec.qos_class = 2, LS
    app.spec.spread.max_per_host = cap
    await Repository(store, APP).create(app)


async def _rule(store: MemoryStore, a: str, b: str, k: int) -> None:
    rules = interference_pb2.InterferenceRuleSet(meta=meta_pb2.ObjectMeta(name="apis"))
    rules.spec.rules.add(app_a=f"default/{a}", app_b=f"default/{b}", k=k)
    await Repository(store, INTERFERENCE_RULE_SET).create(rules)


@pytest.mark.parametrize(
    ("limit", "evicted"),
    [("none", {"b1"}), ("rule", {"b2"}), ("cap", {"b2"})],
)
async def test_batch_is_evicted_only_where_the_pending_pod_may_go(
    limit: str, evicted: set[str]
) -> None:
    store, bus, wall = MemoryStore(), MemoryBus(), [T0]
    _, pending, leader = leading(store, bus, wall)
    await _app(store, "web")
    await _app(store, "api", cap=1 if limit == "cap" else 0)
    if limit == "rule":
        await _rule(store, "web", "api", 0)
    for node, pods in NODES.items():
        await add_node(store, node)
        for name, qos, priority, app, asks, _used in pods:
            await add_pod(store, f"default/{name}", node, qos, priority, T0 - 600, app, asks)
    if limit == "cap":  # one api pod on n1 already, asking nothing
        await add_pod(store, "default/api-1", "n1", LS, 0, T0 - 600, "api", 0)
    # asks 3000m: n1 and n2 each leave it 500m (10000 - 4000 online - 5500 batch measured)
    await add_pod(store, "default/api-0", "", LS, app="api", cpu=3000, unschedulable=True)

    usage = {
        node: tuple((f"default/{n}", q, used) for n, q, _p, _a, _r, used in pods)
        for node, pods in NODES.items()
    }
    await _run_until_evicted(bus, wall, pending, leader, 4000, usage, evicted)
    await bus.close()
    await store.close()


async def _report(
    bus: MemoryBus, at: float, online_cpu: int, pods: dict[str, tuple[tuple[str, int, int], ...]]
) -> None:
    """Each node's report at ``at``: its pods' measured CPU, batch 5500m of it."""
    for node, usage in pods.items():
        sample = report(node, at, online_cpu, 5500, 500, usage)
        await bus.publish(NODE_USAGE_TOPIC, node, sample.SerializeToString())


async def _deleting_is(store: MemoryStore, want: set[str]) -> bool:
    return await deleting(store) == want


async def _profiled(store: MemoryStore, name: str, peak_slot: int) -> None:
    """An App whose daily load is a quarter of its peak but at one slot of 96."""
    app = app_pb2.App(meta=meta_pb2.ObjectMeta(namespace="default", name=name, uid=name))
    app.spec.replicas, app.spec.qos_class = 2, LS
    profile = app.spec.time_sharing.profile
    profile.slot_seconds = 900
    profile.load.extend(1.0 if s == peak_slot else 0.25 for s in range(96))
    await Repository(store, APP).create(app)


async def test_a_pod_placed_by_its_curve_has_batch_evicted_only_where_its_curve_fits() -> None:
    """api peaks at noon. n1 runs a noon App asking 8000m: api's 3000m overflow n1's 10000m
    at noon, so the scheduler refuses n1 by curve whatever batch does. n2 runs a midnight App
    of the same size, beside which api's curve fits. On both, batch holds the memory api
    lacks; n1's victim is the cheaper. Only n2's batch is evicted, and for memory alone:
    batch does not count against a curve pod's CPU."""
    store, bus, wall = MemoryStore(), MemoryBus(), [T0]
    engine, pending, leader = leading(store, bus, wall)
    for app, peak in (("noon", 48), ("night", 0), ("api", 48)):
        await _profiled(store, app, peak)
    on = {"n1": ("web-0", "noon", "b1", 0), "n2": ("night-0", "night", "b2", 3)}
    for node, (online, app, batch, priority) in on.items():
        await add_node(store, node)
        await add_pod(store, f"default/{online}", node, LS, 0, T0 - 600, app, 8000)
        await add_pod(store, f"default/{batch}", node, BE, priority, T0 - 600)
    await add_pod(store, "default/api-0", "", LS, app="api", cpu=3000, unschedulable=True)

    def big(pod: pod_pb2.Pod) -> None:  # 100 GiB allocatable, 1 GiB of it batch's
        pod.spec.template.containers[0].resources.requests.memory_bytes = 99 * GiB + GiB // 2

    await Repository(store, POD).mutate("default", "api-0", big)
    usage = {
        node: ((f"default/{online}", LS, 2000), (f"default/{batch}", BE, 5500))
        for node, (online, _app, batch, _p) in on.items()
    }
    await _run_until_evicted(bus, wall, pending, leader, 2000, usage, {"b2"})  # n1's untouched
    message = next(d.message for d in engine.decisions if d.target == "default/b2")
    assert "0m CPU, 536870912 B memory short on n2" in message
    await bus.close()
    await store.close()


async def _run_until_evicted(
    bus: MemoryBus,
    wall: list[float],
    pending: CountedArbiter,
    leader: Coroutine[Any, Any, None],
    online_cpu: int,
    usage: dict[str, tuple[tuple[str, int, int], ...]],
    evicted: set[str],
) -> None:
    """Run the leader until the pending pod and every node's report (``usage``) are seen, end
    the grace, and hold that exactly ``evicted`` are evicted (the other nodes' batch
    untouched)."""
    task = asyncio.create_task(leader)
    store = pending.engine.store
    try:

        async def seen() -> bool:
            await _report(bus, wall[0], online_cpu, usage)
            return "default/api-0" in pending.since and set(usage) <= set(pending.reports)

        await eventually(seen, timeout=5, what="the pending pod and every report seen")
        await pending.passes(2)
        wall[0] += 6  # the grace is over
        await eventually(lambda: _deleting_is(store, evicted), timeout=5, what=f"{evicted} evicted")
        await pending.passes(3)
        assert await deleting(store) == evicted
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
