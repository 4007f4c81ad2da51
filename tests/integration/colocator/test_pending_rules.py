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

import pytest

from sigma.bus.memory import MemoryBus
from sigma.events import NODE_USAGE_TOPIC
from sigma.resources import APP, INTERFERENCE_RULE_SET, Repository
from sigma.store.memory import MemoryStore
from sigma.testing.wait import eventually
from sigma.v1 import app_pb2, interference_pb2, meta_pb2

from .colo_helpers import add_node, add_pod, report
from .test_pending import T0, deleting, leading

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

    task = asyncio.create_task(leader)
    try:

        async def seen() -> bool:
            for node, pods in NODES.items():
                usage = tuple((f"default/{n}", q, used) for n, q, _p, _a, _r, used in pods)
                sample = report(node, wall[0], 4000, 5500, 500, usage)
                await bus.publish(NODE_USAGE_TOPIC, node, sample.SerializeToString())
            return "default/api-0" in pending.since and set(NODES) <= set(pending.reports)

        await eventually(seen, timeout=5, what="the pending pod and both reports seen")
        await pending.passes(2)
        wall[0] += 6  # the grace is over
        await eventually(lambda: _deleting_is(store, evicted), timeout=5, what=f"{evicted} evicted")
        await pending.passes(3)
        assert await deleting(store) == evicted  # the other node's batch untouched
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        await bus.close()
        await store.close()


async def _deleting_is(store: MemoryStore, want: set[str]) -> bool:
    return await deleting(store) == want
