"""The live rescheduler's pure decision on hand-built clusters: repairs of broken rules within
each App's allowance, cost moves from the shared search, and every plan replayed move by move
against an independent reading of capacity and rules (``interference.breaks``)."""

from __future__ import annotations

import math

from sigma.placement.live import LiveBoard, LiveNode, LivePod, over_by_rule
from sigma.placement.reschedule import COST, REPAIR, Plan, decide
from sigma.resources.interference import Rule, RuleIndex, breaks

GiB = float(1 << 30)


def nodes(*cpus: float, mem: float = 8 * GiB) -> list[LiveNode]:
    return [LiveNode(f"n{j + 1}", cpu, mem) for j, cpu in enumerate(cpus)]


def pod(name: str, app: str, node: str, cpu: float = 100.0, mem: float = GiB) -> LivePod:
    return LivePod(f"t/{name}", f"t/{app}" if app else "", node, cpu, mem)


def replay(ns: list[LiveNode], ps: list[LivePod], rules: list[Rule], plan: Plan) -> dict[str, str]:
    """Apply ``plan`` in order; assert each move lands where capacity and rules hold."""
    where = {p.key: p.node for p in ps}
    by_key = {p.key: p for p in ps}
    caps = {n.name: n for n in ns}
    for move in plan.moves:
        assert where[move.pod] == move.source, move
        where[move.pod] = move.target
        here = [by_key[k] for k, n in where.items() if n == move.target]
        assert sum(p.cpu for p in here) <= caps[move.target].cpu, move
        assert sum(p.mem for p in here) <= caps[move.target].mem, move
        count: dict[str, int] = {}
        for p in here:
            if p.key != move.pod and p.app:
                count[p.app] = count.get(p.app, 0) + 1
        for rule in rules:
            assert not breaks(rule, by_key[move.pod].app, count), (move, rule)
    return where


def cost(ns: list[LiveNode], ps: list[LivePod], where: dict[str, str]) -> float:
    """The contest's cost on one slot, computed here from scratch."""
    total = 0.0
    for n in ns:
        used = [p.cpu for p in ps if where[p.key] == n.name]
        if used:
            total += 1 + 10 * (math.exp(max(0.0, sum(used) / n.cpu - 0.5)) - 1)
    return total


ONE_WEB = [Rule("t/web", "t/web", 0, origin="one-web")]


def test_a_pod_over_a_rule_moves_to_a_node_where_it_breaks_nothing() -> None:
    ns = nodes(8000, 8000)
    ps = [pod("web-0", "web", "n1"), pod("web-1", "web", "n1")]
    board = LiveBoard(ns, ps, RuleIndex(ONE_WEB), allowance={"t/web": 1})
    assert over_by_rule(board) == {ONE_WEB[0]: 1}
    plan = decide(board)
    assert [(m.source, m.target, m.why) for m in plan.moves] == [("n1", "n2", REPAIR)]
    assert "repairs interference rule <t/web, t/web, 0> of InterferenceRuleSet one-web" in (
        plan.moves[0].text()
    )
    assert (plan.breaches_before, plan.breaches_after) == (1, 0)
    replay(ns, ps, ONE_WEB, plan)
    assert over_by_rule(board) == {}


def test_no_app_loses_more_than_its_allowance() -> None:
    ns = nodes(8000, 8000, 8000)
    ps = [pod(f"web-{j}", "web", "n1") for j in range(3)]
    held = decide(LiveBoard(ns, ps, RuleIndex(ONE_WEB), allowance={"t/web": 0}))
    assert held.moves == () and held.breaches_after == 2
    one = decide(LiveBoard(ns, ps, RuleIndex(ONE_WEB), allowance={"t/web": 1}))
    assert len(one.moves) == 1 and one.breaches_after == 1
    both = decide(LiveBoard(ns, ps, RuleIndex(ONE_WEB), allowance={"t/web": 5}))
    where = replay(ns, ps, ONE_WEB, both)
    assert sorted(where.values()) == ["n1", "n2", "n3"] and both.breaches_after == 0


def test_a_crowding_rule_moves_the_limited_app_and_never_a_bare_pod() -> None:
    rules = [Rule("t/db", "t/etl", 1)]
    ns = nodes(8000, 8000)
    ps = [
        pod("db-0", "db", "n1"),
        pod("etl-0", "etl", "n1"),
        pod("etl-1", "etl", "n1"),
        pod("bare", "", "n1"),
    ]
    allowance = {"t/db": 1, "t/etl": 1}
    plan = decide(LiveBoard(ns, ps, RuleIndex(rules), allowance=allowance), max_moves=1)
    (move,) = plan.moves
    assert move.app == "t/etl" and move.target == "n2"
    replay(ns, ps, rules, plan)


def test_a_node_without_room_or_closed_is_no_target() -> None:
    ns = [
        LiveNode("n1", 8000, 8 * GiB),
        LiveNode("n2", 8000, 0.5 * GiB),
        LiveNode("n3", 8000, 8 * GiB, open=False),
    ]
    ps = [pod("web-0", "web", "n1"), pod("web-1", "web", "n1")]
    plan = decide(LiveBoard(ns, ps, RuleIndex(ONE_WEB), allowance={"t/web": 2}))
    assert plan.moves == () and plan.breaches_after == 1


def test_cost_moves_cool_a_hot_node_and_each_lowers_the_cost() -> None:
    ns = nodes(1000, 1000, 1000)
    ps = [pod("a-0", "a", "n1", 400), pod("b-0", "b", "n1", 400), pod("c-0", "c", "n2", 100)]
    board = LiveBoard(ns, ps, RuleIndex(), allowance={"t/a": 1, "t/b": 1, "t/c": 1})
    start = {p.key: p.node for p in ps}
    assert board.cost() == cost(ns, ps, start)
    plan = decide(board)
    assert plan.moves and all(m.why == COST for m in plan.moves)
    where, seen = dict(start), cost(ns, ps, start)
    for move in plan.moves:  # each move, applied in turn, lowers the cost
        where[move.pod] = move.target
        now = cost(ns, ps, where)
        assert now < seen, move
        seen = now
    replay(ns, ps, [], plan)
    assert math.isclose(plan.cost_after, seen) and plan.cost_after < plan.cost_before
    assert seen == 2.0  # both hot pods at 0.4 or 0.5 of a node: two nodes, under beta


def test_emptying_a_node_needs_the_budget_of_every_pod_on_it() -> None:
    ns = nodes(1000, 1000)
    ps = [pod("a-0", "a", "n1", 100), pod("a-1", "a", "n1", 100), pod("b-0", "b", "n2", 100)]
    short = decide(LiveBoard(ns, ps, RuleIndex(), allowance={"t/a": 1, "t/b": 0}))
    assert short.moves == ()
    plan = decide(LiveBoard(ns, ps, RuleIndex(), allowance={"t/a": 2, "t/b": 0}))
    assert sorted(m.pod for m in plan.moves) == ["t/a-0", "t/a-1"]
    assert {m.target for m in plan.moves} == {"n2"}
    assert (plan.cost_before, plan.cost_after) == (2.0, 1.0)


def test_at_most_max_moves_and_each_pod_once() -> None:
    ns = nodes(*([8000] * 6))
    ps = [pod(f"web-{j}", "web", "n1") for j in range(6)]
    plan = decide(LiveBoard(ns, ps, RuleIndex(ONE_WEB), allowance={"t/web": 6}), max_moves=3)
    assert len(plan.moves) == 3 and len({m.pod for m in plan.moves}) == 3
    replay(ns, ps, ONE_WEB, plan)


def test_a_per_host_cap_is_repaired_like_a_rule() -> None:
    ns = nodes(8000, 8000)
    ps = [pod(f"web-{j}", "web", "n1") for j in range(3)]
    board = LiveBoard(ns, ps, RuleIndex(), caps={"t/web": 2}, allowance={"t/web": 1})
    plan = decide(board)
    assert [(m.target, m.why) for m in plan.moves] == [("n2", REPAIR)]
    assert plan.moves[0].detail == "repairs the per-host cap of t/web (at most 2 a node)"
    assert plan.breaches_after == 0
