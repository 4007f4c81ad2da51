"""The scheduler's rule feed, without a store: rule sets become one index (``convert``), the
cache carries it into every later snapshot, and the Interference filter reads it from there."""

from __future__ import annotations

from sigma.resources.interference import rule_index
from sigma.scheduler.framework import CycleState
from sigma.scheduler.framework.snapshot import NO_RULES
from sigma.scheduler.plugins import interference
from sigma.v1 import interference_pb2
from tests.unit.scheduler._cluster import cache_of, node, pod


def rule_set(name: str, *rules: tuple[str, str, int]) -> interference_pb2.InterferenceRuleSet:
    out = interference_pb2.InterferenceRuleSet()
    out.meta.name = name
    for a, b, k in rules:
        out.spec.rules.add(app_a=a, app_b=b, k=k)
    return out


def test_the_index_is_the_union_of_every_set_each_rule_knowing_its_set() -> None:
    index = rule_index(
        [
            rule_set("b-set", ("ns/web", "ns/batch", 2)),
            rule_set("a-set", ("ns/web", "ns/web", 0), ("ns/db", "ns/batch", 1)),
        ]
    )
    assert [(r.a, r.b, r.k, r.origin) for r in index.rules] == [
        ("ns/web", "ns/web", 0, "a-set"),
        ("ns/db", "ns/batch", 1, "a-set"),
        ("ns/web", "ns/batch", 2, "b-set"),
    ]
    assert index.own["ns/web"].limit == 1
    assert {r.a for r in index.crowded["ns/batch"]} == {"ns/web", "ns/db"}
    assert len(rule_index([])) == 0


def test_the_stricter_of_two_sets_holds_for_an_app_with_itself() -> None:
    index = rule_index(
        [rule_set("loose", ("ns/web", "ns/web", 3)), rule_set("tight", ("ns/web", "ns/web", 1))]
    )
    assert index.own["ns/web"].k == 1
    assert index.own["ns/web"].origin == "tight"


def test_the_cache_hands_its_rules_to_new_snapshots_only() -> None:
    cache = cache_of(node("n1"), node("n2"))
    cache.assume(pod("ns/web-0", app="ns/web"), "n1")
    before = cache.snapshot()
    assert before.rules is NO_RULES
    cache.set_rules(rule_index([rule_set("solo", ("ns/web", "ns/web", 0))]))
    after = cache.snapshot()
    assert after is not before and before.rules is NO_RULES
    plugin = interference.new()
    web = pod("ns/web-1", app="ns/web")
    assert plugin.filter(CycleState(), web, before).tolist() == [True, True]
    assert plugin.filter(CycleState(), web, after).tolist() == [False, True]
    assert plugin.explain(CycleState(), web, after, 0) == (
        "interference rule <ns/web, ns/web, 0> of InterferenceRuleSet solo: the node would "
        "hold 2 of ns/web and 2 of ns/web (at most 1)"
    )
    cache.set_rules(rule_index([]))
    assert plugin.filter(CycleState(), web, cache.snapshot()).tolist() == [True, True]


def test_explain_of_a_spread_pod_no_node_takes_names_the_rule_and_scores_nothing() -> None:
    from sigma.scheduler.explain import explain
    from sigma.scheduler.framework.types import DEFAULT_SPREAD
    from sigma.scheduler.plugins.registry import build

    cache = cache_of(node("n1"))
    cache.assume(pod("ns/web-0", app="ns/web", spread=DEFAULT_SPREAD), "n1")
    cache.set_rules(rule_index([rule_set("solo", ("ns/web", "ns/web", 0))]))
    web = pod("ns/web-1", app="ns/web", spread=DEFAULT_SPREAD)
    reply = explain(build(None), web, cache.snapshot())
    assert reply.chosen_node == "" and not reply.nodes[0].scores
    last = reply.nodes[0].filters[-1]
    assert last.plugin == "Interference" and "InterferenceRuleSet solo" in last.reason
