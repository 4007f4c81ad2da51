"""The live rescheduler's pure decision on hand-built clusters: repairs of broken rules within
each App's allowance, cost moves from the shared search, and every plan replayed move by move
by the independent judge; the judge itself against hand-made bad moves."""

from __future__ import annotations

import math

import numpy as np

from sigma.placement.judge import cost, judge
from sigma.placement.live import LiveBoard, LiveNode, LivePod, over_by_rule
from sigma.placement.reschedule import COST, REPAIR, Plan, decide
from sigma.resources.interference import Rule, RuleIndex

GiB = float(1 << 30)


def nodes(*cpus: float, mem: float = 8 * GiB) -> list[LiveNode]:
    return [LiveNode(f"n{j + 1}", cpu, mem) for j, cpu in enumerate(cpus)]


def pod(name: str, app: str, node: str, cpu: float = 100.0, mem: float = GiB) -> LivePod:
    return LivePod(f"t/{name}", f"t/{app}" if app else "", node, cpu, mem)


def replay(ns: list[LiveNode], ps: list[LivePod], rules: list[Rule], plan: Plan) -> dict[str, str]:
    """Have the independent judge replay ``plan``; each pod's node after it."""
    moves = [(m.pod, m.source, m.target) for m in plan.moves]
    assert judge(ns, ps, rules, moves) == []
    where = {p.key: p.node for p in ps}
    where.update({m.pod: m.target for m in plan.moves})
    return where


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


def test_the_judge_names_each_unsound_move() -> None:
    ns = [
        LiveNode("n1", 1000, 8 * GiB),
        LiveNode("n2", 1000, 8 * GiB),
        LiveNode("n3", 1000, 8 * GiB, open=False),
    ]
    ps = [
        pod("web-0", "web", "n1", 600),
        pod("web-1", "web", "n2", 600),
        pod("db-0", "db", "n1", 100),
    ]
    rules = [Rule("t/db", "t/web", 0)]
    assert judge(ns, ps, rules, [("t/db-0", "n1", "n2")]) == [
        "move 0 (t/db-0 n1 -> n2): n2 would break <t/db, t/web, 0>"
    ]
    assert judge(ns, ps, [], [("t/web-0", "n1", "n2")]) == [
        f"move 0 (t/web-0 n1 -> n2): n2 would hold 1200 CPU, {2 * GiB:g} memory"
    ]
    assert judge(ns, ps, [], [("t/web-0", "n2", "n1")]) == [
        "move 0 (t/web-0 n2 -> n1): the pod is on n1"
    ]
    assert judge(ns, ps, [], [("t/db-0", "n1", "n3")]) == [
        "move 0 (t/db-0 n1 -> n3): n3 takes no pods"
    ]
    capped = judge(ns, ps, [], [("t/web-1", "n2", "n1")], caps={"t/web": 1})
    assert capped[-1] == "move 0 (t/web-1 n2 -> n1): n1 would hold 2 of t/web"
    # In order: once db-0 has left n1, web-1 may join web-0 there under a cap of 2.
    moves = [("t/db-0", "n1", "n2"), ("t/web-1", "n2", "n1")]
    assert judge(ns, [*ps[:1], pod("web-1", "web", "n2", 300), ps[2]], [], moves) == []


def test_the_judge_prices_a_placement_by_hand() -> None:
    ns = nodes(1000, 1000)
    ps = [pod("a", "a", "n1", 800), pod("b", "b", "n2", 100)]
    where = {"t/a": "n1", "t/b": "n2"}
    assert math.isclose(cost(ns, ps, where), 1 + 10 * (math.exp(0.3) - 1) + 1)
    packed = cost(ns, ps, {"t/a": "n1", "t/b": "n1"})  # one node at 0.9: dearer than two
    assert math.isclose(packed, 1 + 10 * (math.exp(0.4) - 1))


def peaking(slot: int, cpu: float, slots: int = 96) -> np.ndarray:
    """A daily curve of ``cpu`` at one slot and a quarter of it at every other."""
    curve = np.full(slots, cpu / 4)
    curve[slot] = cpu
    return curve


def timed(name: str, app: str, node: str, slot: int) -> LivePod:
    return LivePod(f"t/{name}", f"t/{app}", node, 3000, GiB, peaking(slot, 3000))


def test_curves_let_a_node_be_emptied_onto_the_complementary_peak_only() -> None:
    ns = nodes(4000, 4000, 4000)
    ps = [timed("a-0", "a", "n1", 48), timed("c-0", "c", "n2", 0), timed("b-0", "b", "n3", 48)]
    board = LiveBoard(ns, ps, RuleIndex(), allowance={"t/a": 1, "t/b": 1, "t/c": 1})
    start = {p.key: p.node for p in ps}
    assert math.isclose(board.cost(), cost(ns, ps, start))
    board.remove(2)
    # n1 overflows at slot 48 alone (3000 + 3000 over 4000; 1500 elsewhere): refused
    assert board.where(2).tolist() == [False, True, True]
    board.place(2, 2)
    plan = decide(board)
    (move,) = plan.moves
    assert move.why == COST and move.target == "n2" and move.app in ("t/a", "t/b")
    where = replay(ns, ps, [], plan)
    assert math.isclose(plan.cost_after, cost(ns, ps, where)) and plan.cost_after < 3.0


def test_the_judge_replays_curves_slot_by_slot() -> None:
    ns = nodes(4000, 4000, 4000)
    ps = [timed("a-0", "a", "n1", 48), timed("c-0", "c", "n2", 0), timed("b-0", "b", "n3", 48)]
    assert judge(ns, ps, [], [("t/b-0", "n3", "n2")]) == []  # 6000m requested, 3750m at most
    (bad,) = judge(ns, ps, [], [("t/b-0", "n3", "n1")])
    assert bad.startswith("move 0 (t/b-0 n3 -> n1): n1 would hold 6000 CPU")
