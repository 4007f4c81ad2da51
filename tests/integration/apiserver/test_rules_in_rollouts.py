"""Interference rules hold for the pods a rollout and time-sharing's regrowth add: both are new
pods the scheduler places through its filters (no pod is bound past them), so a rule at k caps
them like any other. The real scheduler and replica controller over a memory store; a stand-in
for the slave starts pods and, in the rollout, keeps a stopping pod running until told."""

from __future__ import annotations

import asyncio
from collections import Counter

from sigma.resources.kinds import APP
from sigma.resources.pods import finished
from sigma.store.codec import decode, encode
from sigma.store.memory import MemoryStore
from sigma.testing.wait import eventually
from sigma.v1 import app_pb2, pod_pb2
from tests.integration.apiserver._live import (
    live_cluster,
    put_rule,
    slave_stand_in,
    web_app,
    web_nodes,
)
from tests.integration.scheduler._seed import MiB, make_node, pods, put_app, put_node


async def web_pods(store: MemoryStore) -> list[pod_pb2.Pod]:
    return [p for p in await pods(store) if p.spec.owner_name == "web" and not finished(p)]


async def rewrite_app(store: MemoryStore, change) -> None:  # type: ignore[no-untyped-def]
    key = APP.key("t", "web")
    app = decode(app_pb2.App, await store.get(key))
    change(app)
    await store.put(key, encode(app))


async def test_regrown_pods_are_capped_by_a_rule() -> None:
    store = MemoryStore()
    await put_node(store, make_node("n1", 8000, 8192 * MiB))
    await put_rule(store, "two-web", "t/web", "t/web", 1)  # at most 2 web a node
    app = web_app(replicas=3, min_available=1)
    app.spec.min_replicas, app.spec.time_sharing.enabled = 1, True
    app.status.time_sharing_replicas = 1  # shrunk in the trough
    await put_app(store, app)
    async with slave_stand_in(store), live_cluster(store) as (sched, _):
        await eventually(lambda: len(sched.cache.rules) == 1, what="the scheduler has the rule")

        async def one() -> bool:
            return list((await web_nodes(store)).values()) == ["n1"]

        await eventually(one, what="the shrunk App's one pod")

        def regrow(a: app_pb2.App) -> None:  # the colocator's ask ahead of the peak
            a.status.time_sharing_replicas = 3

        await rewrite_app(store, regrow)

        async def held() -> list[pod_pb2.Pod]:
            """The held pod, once the second one's binding is in too (they commit apart)."""
            if sorted((await web_nodes(store)).values()) != ["n1", "n1"]:
                return []
            return [p for p in await web_pods(store) if not p.spec.node_name and p.status.message]

        (pending,) = await eventually(held, what="two pods on n1 and the third held back")
        assert "Interference" in pending.status.message
        assert "<t/web, t/web, 1> of InterferenceRuleSet two-web" in pending.status.message

        await put_node(store, make_node("n2", 8000, 8192 * MiB))

        async def regrown() -> bool:
            return sorted((await web_nodes(store)).values()) == ["n1", "n1", "n2"]

        await eventually(regrown, what="the held pod placed where the rule allows")
    await store.close()


async def test_a_rollout_never_puts_a_new_pod_beside_a_stopping_one_a_rule_forbids() -> None:
    store = MemoryStore()
    for name in ("n1", "n2"):
        await put_node(store, make_node(name, 8000, 8192 * MiB))
    await put_rule(store, "one-web", "t/web", "t/web", 0)
    await put_app(store, web_app(replicas=2, min_available=1))
    stop = asyncio.Event()
    crowded: list[dict[str, int]] = []

    async def watch_nodes() -> None:
        per_node = Counter(p.spec.node_name for p in await web_pods(store) if p.spec.node_name)
        if any(n > 1 for n in per_node.values()):
            crowded.append(dict(per_node))

    async with slave_stand_in(store, stop), live_cluster(store, watch_nodes) as (sched, _):
        await eventually(lambda: len(sched.cache.rules) == 1, what="the scheduler has the rule")

        async def both() -> bool:
            return sorted((await web_nodes(store)).values()) == ["n1", "n2"]

        await eventually(both, what="one web pod a node")

        def upgrade(a: app_pb2.App) -> None:
            a.spec.template.containers[0].image = "web:2"
            a.meta.generation += 1

        await rewrite_app(store, upgrade)

        async def new_held() -> list[pod_pb2.Pod]:
            return [
                p
                for p in await web_pods(store)
                if p.spec.template.containers[0].image == "web:2"
                and not p.spec.node_name
                and "Interference" in p.status.message
            ]

        await eventually(new_held, what="the new pod held while the old one still runs")
        stop.set()

        async def upgraded() -> bool:
            placed = [p for p in await web_pods(store) if p.spec.node_name]
            images = [p.spec.template.containers[0].image for p in placed]
            return images == ["web:2", "web:2"] and len({p.spec.node_name for p in placed}) == 2

        await eventually(upgraded, timeout=20.0, what="both pods on the new template")
    assert crowded == []  # no node ever held two web pods, stopping or not
    await store.close()
