"""Interference rules as live objects: a rule set written through the real apiserver holds a pod
of the scheduler running beside it Pending, Explain names the rule and its set, and the pod is
placed once the set is deleted. Memory store, real gRPC servers on port 0."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from sigma import rpc
from sigma.apiserver.api import Api
from sigma.apiserver.settings import ApiServerSettings
from sigma.apiserver.tier import services
from sigma.ctl._describe import explanation
from sigma.scheduler.api import service
from sigma.scheduler.loop import Scheduler
from sigma.store.memory import MemoryStore
from sigma.testing.wait import eventually
from sigma.v1 import apiserver_pb2 as api
from sigma.v1 import apiserver_pb2_grpc, interference_pb2, scheduler_pb2, scheduler_pb2_grpc
from tests.integration.scheduler._seed import (
    MiB,
    bound_now,
    make_node,
    make_pod,
    put_node,
    put_pod,
    running,
    wait_bound,
)


@dataclass
class Live:
    store: MemoryStore
    sched: Scheduler
    rule_sets: apiserver_pb2_grpc.InterferenceRuleSetsStub
    explain: scheduler_pb2_grpc.SchedulerStub


@pytest.fixture
async def live() -> AsyncIterator[Live]:
    store = MemoryStore()
    await put_node(store, make_node("n1", 8000, 8192 * MiB))
    sched = Scheduler(store)
    settings = ApiServerSettings(namespaces=("t", "system"))
    config = rpc.ServerConfig(port=0, grace=0.1)
    async with (
        running(sched),
        rpc.RpcServer(services(Api(store, settings)), config) as apiserver,
        rpc.RpcServer([service(sched)], config) as scheduler,
        rpc.channel(apiserver.address) as to_api,
        rpc.channel(scheduler.address) as to_sched,
    ):
        yield Live(
            store,
            sched,
            apiserver_pb2_grpc.InterferenceRuleSetsStub(to_api),
            scheduler_pb2_grpc.SchedulerStub(to_sched),
        )
    await store.close()


def one_web_a_node() -> interference_pb2.InterferenceRuleSet:
    out = interference_pb2.InterferenceRuleSet()
    out.meta.name = "one-web-a-node"
    out.spec.rules.add(app_a="t/web", app_b="t/web", k=0)
    return out


async def test_a_live_rule_holds_a_pod_pending_until_its_set_is_deleted(live: Live) -> None:
    created = await rpc.unary(
        live.rule_sets.Create,
        api.CreateInterferenceRuleSetRequest(namespace="system", rule_set=one_web_a_node()),
    )
    await eventually(lambda: len(live.sched.cache.rules) == 1, what="the rule reached the cache")
    await put_pod(live.store, make_pod("web-0", 100, 64 * MiB, app="web"))
    await wait_bound(live.store, 1)
    await put_pod(live.store, make_pod("web-1", 100, 64 * MiB, app="web"))
    await eventually(lambda: live.sched.stats.unschedulable >= 1, what="web-1 tried and refused")
    assert "web-1" not in await bound_now(live.store)

    reply = await rpc.unary(
        live.explain.Explain, scheduler_pb2.ExplainRequest(namespace="t", pod_key="t/web-1")
    )
    assert reply.chosen_node == ""
    (verdict,) = reply.nodes
    blocked = verdict.filters[-1]
    assert (blocked.plugin, blocked.ok) == ("Interference", False)
    assert blocked.reason == (
        "interference rule <t/web, t/web, 0> of InterferenceRuleSet one-web-a-node: the node "
        "would hold 2 of t/web and 2 of t/web (at most 1)"
    )
    assert "Interference: interference rule <t/web, t/web, 0>" in explanation(reply, "t/web-1")

    await rpc.unary(
        live.rule_sets.Delete,
        api.DeleteInterferenceRuleSetRequest(
            namespace="system",
            name="one-web-a-node",
            resource_version=created.meta.resource_version,
        ),
    )
    placed = await wait_bound(live.store, 2)
    assert placed == {"web-0": "n1", "web-1": "n1"}
    assert len(live.sched.cache.rules) == 0


async def test_an_update_that_loosens_the_rule_lets_the_pod_in(live: Live) -> None:
    created = await rpc.unary(
        live.rule_sets.Create,
        api.CreateInterferenceRuleSetRequest(namespace="system", rule_set=one_web_a_node()),
    )
    await eventually(lambda: len(live.sched.cache.rules) == 1, what="the rule reached the cache")
    for name in ("web-0", "web-1", "web-2"):
        await put_pod(live.store, make_pod(name, 100, 64 * MiB, app="web"))
    await wait_bound(live.store, 1)
    await eventually(lambda: live.sched.stats.unschedulable >= 1, what="the others refused")
    assert len(await bound_now(live.store)) == 1
    looser = one_web_a_node()
    looser.spec.rules[0].k = 1  # two web a node
    updated = await rpc.unary(
        live.rule_sets.Update,
        api.UpdateInterferenceRuleSetRequest(
            namespace="system", rule_set=looser, resource_version=created.meta.resource_version
        ),
    )
    assert updated.meta.generation == 2
    await wait_bound(live.store, 2)
    await eventually(lambda: live.sched.stats.unschedulable >= 2, what="the third refused again")
    assert len(await bound_now(live.store)) == 2
