"""sigma.v1.InterferenceRuleSets on real servers: create, read, update, watch and delete a set;
refusals name the field; only the system team writes; every change reaches its own topic."""

from __future__ import annotations

import asyncio

import grpc
import pytest

from sigma import rpc
from sigma.bus.memory import MemoryBus
from sigma.events import TOPICS, decode
from sigma.resources import INTERFERENCE_RULE_SET, Repository
from sigma.resources.interference import MAX_RULES
from sigma.store.memory import MemoryStore
from sigma.v1 import apiserver_pb2 as api
from sigma.v1 import apiserver_pb2_grpc, event_pb2, interference_pb2
from tests.integration.apiserver._api import Cluster, refused
from tests.integration.apiserver._changestream import (
    read_all,
    running,
    stream_of,
    until_checkpoint,
)

SYSTEM = "system"


def rule_set(
    name: str, ns: str, *rules: tuple[str, str, int]
) -> interference_pb2.InterferenceRuleSet:
    out = interference_pb2.InterferenceRuleSet()
    out.meta.name = name
    out.meta.labels["owner"] = "sre"
    out.spec.SetInParent()
    for a, b, k in rules or ((f"{ns}/web", f"{ns}/etl", 2),):
        out.spec.rules.add(app_a=a, app_b=b, k=k)
    return out


def stub(c: Cluster) -> apiserver_pb2_grpc.InterferenceRuleSetsStub:
    return apiserver_pb2_grpc.InterferenceRuleSetsStub(c.channel)


async def test_create_get_list_update_delete(memory_cluster: Cluster) -> None:
    c, s = memory_cluster, stub(memory_cluster)
    sent = rule_set("shop", c.ns)
    sent.meta.uid = "mine"  # server-owned: replaced
    made = await rpc.unary(
        s.Create, api.CreateInterferenceRuleSetRequest(namespace=SYSTEM, rule_set=sent)
    )
    assert made.meta.uid not in ("", "mine") and made.meta.namespace == ""
    assert made.meta.generation == 1 and made.meta.resource_version > 0
    code, details = await refused(
        s.Create(api.CreateInterferenceRuleSetRequest(namespace=SYSTEM, rule_set=sent))
    )
    assert code == grpc.StatusCode.ALREADY_EXISTS and "shop" in details
    # Any known team reads the cluster's rules.
    got = await rpc.unary(s.Get, api.GetInterferenceRuleSetRequest(namespace=c.ns, name="shop"))
    assert got == made
    listed = await rpc.unary(
        s.List, api.ListInterferenceRuleSetsRequest(namespace=c.ns, page_size=10)
    )
    assert [i.meta.name for i in listed.items] == ["shop"]

    same = await rpc.unary(
        s.Update, api.UpdateInterferenceRuleSetRequest(namespace=SYSTEM, rule_set=sent)
    )
    assert same.meta.resource_version == made.meta.resource_version  # nothing to write
    wanted = rule_set("shop", c.ns, (f"{c.ns}/web", f"{c.ns}/etl", 1))
    del wanted.meta.labels["owner"]
    wanted.meta.labels["tier"] = "one"
    changed = await rpc.unary(
        s.Update,
        api.UpdateInterferenceRuleSetRequest(
            namespace=SYSTEM, rule_set=wanted, resource_version=made.meta.resource_version
        ),
    )
    assert changed.meta.generation == 2 and changed.spec.rules[0].k == 1
    assert dict(changed.meta.labels) == {"tier": "one"}
    code, _ = await refused(
        s.Update(
            api.UpdateInterferenceRuleSetRequest(
                namespace=SYSTEM, rule_set=wanted, resource_version=made.meta.resource_version
            )
        )
    )
    assert code == grpc.StatusCode.ABORTED  # stale version: nothing written

    dry = await rpc.unary(
        s.Delete, api.DeleteInterferenceRuleSetRequest(namespace=SYSTEM, name="shop", dry_run=True)
    )
    assert dry.meta.name == "shop"
    await rpc.unary(s.Delete, api.DeleteInterferenceRuleSetRequest(namespace=SYSTEM, name="shop"))
    code, _ = await refused(s.Get(api.GetInterferenceRuleSetRequest(namespace=c.ns, name="shop")))
    assert code == grpc.StatusCode.NOT_FOUND


async def test_only_the_system_team_writes(memory_cluster: Cluster) -> None:
    c, s = memory_cluster, stub(memory_cluster)
    code, details = await refused(
        s.Create(api.CreateInterferenceRuleSetRequest(namespace=c.ns, rule_set=rule_set("x", c.ns)))
    )
    assert code == grpc.StatusCode.PERMISSION_DENIED and "system" in details
    code, _ = await refused(
        s.Delete(api.DeleteInterferenceRuleSetRequest(namespace=c.ns, name="x"))
    )
    assert code == grpc.StatusCode.PERMISSION_DENIED


@pytest.mark.parametrize(
    ("rules", "field", "reason"),
    [
        (
            (("{ns}/web", "{ns}/etl", 1), ("{ns}/web", "{ns}/db", -1)),
            "rule_set.spec.rules[1].k",
            "0 or more",
        ),
        ((("web", "{ns}/etl", 1),), "rule_set.spec.rules[0].app_a", "namespace/name"),
        ((("{ns}/web", "nobody/etl", 1),), "rule_set.spec.rules[0].app_b", "unknown namespace"),
        (
            (("{ns}/web", "{ns}/etl", 1), ("{ns}/web", "{ns}/etl", 3)),
            "rule_set.spec.rules[1]",
            "already limited by rule_set.spec.rules[0]",
        ),
    ],
)
async def test_bad_rules_are_refused_naming_the_field(
    memory_cluster: Cluster, rules: tuple, field: str, reason: str
) -> None:
    c, s = memory_cluster, stub(memory_cluster)
    filled = [(a.format(ns=c.ns), b.format(ns=c.ns), k) for a, b, k in rules]
    sent = rule_set("bad", c.ns, *filled)
    code, details = await refused(
        s.Create(api.CreateInterferenceRuleSetRequest(namespace=SYSTEM, rule_set=sent))
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert details.startswith(f"{field}: ") and reason in details
    assert not (await Repository(c.store, INTERFERENCE_RULE_SET).list("")).items  # nothing written


async def test_the_cap_is_refused_with_its_number(memory_cluster: Cluster) -> None:
    c, s = memory_cluster, stub(memory_cluster)
    rules = [(f"{c.ns}/a", f"{c.ns}/b{i}", 1) for i in range(MAX_RULES + 1)]
    code, details = await refused(
        s.Create(
            api.CreateInterferenceRuleSetRequest(
                namespace=SYSTEM, rule_set=rule_set("big", c.ns, *rules)
            )
        )
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT
    assert details.startswith("rule_set.spec.rules: ") and f"at most {MAX_RULES}" in details


async def test_watch_sees_the_changes_in_order(memory_cluster: Cluster) -> None:
    c, s = memory_cluster, stub(memory_cluster)
    events: list[event_pb2.Event] = []
    call = s.Watch(api.WatchInterferenceRuleSetsRequest(namespace=c.ns))

    async def follow() -> None:
        async for e in call:
            if e.type != event_pb2.EVENT_TYPE_BOOKMARK:
                events.append(e)
                if len(events) == 2:
                    return

    task = asyncio.ensure_future(follow())
    await asyncio.sleep(0.2)
    await rpc.unary(
        s.Create,
        api.CreateInterferenceRuleSetRequest(namespace=SYSTEM, rule_set=rule_set("w", c.ns)),
    )
    await rpc.unary(s.Delete, api.DeleteInterferenceRuleSetRequest(namespace=SYSTEM, name="w"))
    await asyncio.wait_for(task, 10)
    call.cancel()
    assert [(e.type, e.kind, e.key) for e in events] == [
        (event_pb2.EVENT_TYPE_ADDED, "InterferenceRuleSet", "w"),
        (event_pb2.EVENT_TYPE_DELETED, "InterferenceRuleSet", "w"),
    ]
    assert events[1].interference_rule_set.spec.rules[0].k == 2


async def test_changes_reach_their_own_topic() -> None:
    store, bus = MemoryStore(), MemoryBus(default_partitions=2)
    repo = Repository(store, INTERFERENCE_RULE_SET)
    stream = stream_of(store, bus)
    try:
        async with running(stream):
            await repo.create(rule_set("shop", "team"))
            await until_checkpoint(store, stream, await store.revision())
        got = await read_all(bus, [TOPICS["InterferenceRuleSet"]], until=lambda ms: len(ms) >= 1)
        assert TOPICS["InterferenceRuleSet"] == "sigma.events.interferenceruleset"
        (m,) = got
        assert m.key == "shop" and m.header("kind") == b"InterferenceRuleSet"
        assert decode(m).interference_rule_set.spec.rules[0].app_a == "team/web"
    finally:
        await bus.close()
        await store.close()


async def test_labels_change_through_update_metadata_and_a_sent_status_is_dropped(
    memory_cluster: Cluster,
) -> None:
    c, s = memory_cluster, stub(memory_cluster)
    sent = rule_set("tagged", c.ns)
    sent.status.pods_over = 7  # the status controller's: not the client's to set
    made = await rpc.unary(
        s.Create, api.CreateInterferenceRuleSetRequest(namespace=SYSTEM, rule_set=sent)
    )
    assert not made.HasField("status")
    change = api.MetadataChange(set_labels={"tier": "cache"}, remove_labels=["owner"])
    labelled = await rpc.unary(
        s.UpdateMetadata,
        api.UpdateInterferenceRuleSetMetadataRequest(
            namespace=SYSTEM, name="tagged", change=change
        ),
    )
    assert dict(labelled.meta.labels) == {"tier": "cache"}
    assert labelled.meta.generation == made.meta.generation  # metadata never moves generation
    assert labelled.spec == made.spec
    code, _ = await refused(
        s.UpdateMetadata(
            api.UpdateInterferenceRuleSetMetadataRequest(
                namespace=c.ns, name="tagged", change=change
            )
        )
    )
    assert code == grpc.StatusCode.PERMISSION_DENIED
