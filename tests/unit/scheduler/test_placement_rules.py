"""Sigma's placement rules as plugins: extended resources, time-aware fit, the convex cost
score, and App interference rules with the per-host cap, on small hand-made clusters."""

import dataclasses
import itertools
import random

import numpy as np
import pytest

from sigma.resources.interference import Rule, RuleIndex, breaks
from sigma.scheduler.framework import CycleState, PodInfo, Snapshot
from sigma.scheduler.framework.snapshot import CurveColumn, ScalarColumn
from sigma.scheduler.framework.types import Usage
from sigma.scheduler.plugins import convex_cost, interference, scalar_fit, time_fit
from sigma.scheduler.plugins.registry import build, default_profile
from tests.unit.scheduler._cluster import cache_of, node, pod


def snap_of(count: int, **extra: object) -> Snapshot:
    cache = cache_of(*(node(f"n{i}") for i in range(count)))
    return dataclasses.replace(cache.snapshot(), **extra)  # type: ignore[arg-type]


def curves(**rows: list[list[float]]) -> dict[str, CurveColumn]:
    """Curve columns from per-node used curves, every node of capacity 10."""
    out = {}
    for name, used in rows.items():
        u = np.array(used, dtype=np.float64)
        out[name] = CurveColumn(np.full(len(u), 10.0), u, u.max(axis=1))
    return out


def usage_pod(key: str, **curve: list[float]) -> PodInfo:
    return pod(key, usage=Usage({k: np.array(v, dtype=np.float64) for k, v in curve.items()}))


def test_scalar_fit_counts_every_named_resource() -> None:
    disk = ScalarColumn(np.array([100.0, 50.0, 100.0]), np.array([60.0, 0.0, 0.0]))
    slots = ScalarColumn(np.array([1.0, 1.0, 1.0]), np.array([0.0, 0.0, 1.0]))
    snap = snap_of(3, scalars={"disk": disk, "P": slots})
    plugin = scalar_fit.new()
    fits = plugin.filter(CycleState(), pod("a/x", scalars=(("disk", 45), ("P", 1))), snap)
    assert fits.tolist() == [False, True, False]
    assert (
        plugin.filter(CycleState(), pod("a/x", scalars=(("gpu", 1),)), snap).tolist() == [False] * 3
    )
    plain = plugin.filter(CycleState(), pod("a/x"), snap)
    assert plain.tolist() == [True] * 3 and not plain.flags.writeable
    why = plugin.explain(CycleState(), pod("a/x", scalars=(("disk", 45), ("P", 1))), snap, 2)
    assert why == "Insufficient P: requested 1, free 0"


def test_time_aware_fit_lets_peaks_at_different_hours_share_a_node() -> None:
    # n0 peaks at slot 0, n1 is flat at 5; the pod peaks at slot 1. Summed peaks overflow
    # both (8 + 7, 5 + 7 > 10), but on n0 the peaks never meet: 9, 9, 3, 3.
    snap = snap_of(2, curves=curves(cpu=[[8, 2, 2, 2], [5, 5, 5, 5]]))
    p = usage_pod("a/x", cpu=[1, 7, 1, 1])
    plugin = time_fit.new()
    assert plugin.filter(CycleState(), p, snap).tolist() == [True, False]
    why = plugin.explain(CycleState(), p, snap, 1)
    assert why == "cpu over capacity at slot 1: 5 used + 7 > 10"
    assert plugin.filter(CycleState(), pod("a/y"), snap).tolist() == [True, True]


def test_time_aware_fit_checks_every_curve_the_pod_carries() -> None:
    snap = snap_of(2, curves=curves(cpu=[[0, 0], [0, 0]], mem=[[9, 9], [0, 0]]))
    p = usage_pod("a/x", cpu=[1, 1], mem=[2, 2])
    assert time_fit.new().filter(CycleState(), p, snap).tolist() == [False, True]


def test_convex_cost_scores_the_marginal_cost_by_hand() -> None:
    # Capacity 10. n0 empty: opening costs 1. n1 at 3, pod 1: u = 0.4, under beta: free.
    # n2 at 5, pod 2: u = 0.7: 10 (e^0.2 - 1) = 2.2140275816. n3 at 6: 10 (e^0.3 - e^0.1).
    snap = snap_of(4, curves=curves(cpu=[[0, 0], [3, 3], [5, 5], [6, 6]]))
    plugin = convex_cost.new()
    rows = np.arange(4)
    marginal = plugin.marginal(usage_pod("a/x", cpu=[2, 2]), snap, rows)
    assert marginal[0] == pytest.approx(1.0)
    assert marginal[2] == pytest.approx(2.2140275816016985)
    assert marginal[3] == pytest.approx(10 * (np.exp(0.3) - np.exp(0.1)))
    assert plugin.marginal(usage_pod("a/x", cpu=[1, 1]), snap, rows)[1] == 0.0
    scores = plugin.score(CycleState(), usage_pod("a/x", cpu=[1, 1]), snap, rows)
    assert int(np.argmax(scores)) == 1  # free, and fuller than n0
    assert plugin.uniform(pod("a/y"), snap)  # no curve: every node alike


def test_convex_cost_pairs_complementary_peaks() -> None:
    # Both nodes hold 5 at their peak, n0 at slot 0 and n1 at slot 1; the pod peaks at
    # slot 0, so it costs less beside n1.
    snap = snap_of(2, curves=curves(cpu=[[5, 1], [1, 5]]))
    scores = convex_cost.new({"alpha": 10, "beta": 0.5}).score(
        CycleState(), usage_pod("a/x", cpu=[4, 1]), snap, np.arange(2)
    )
    assert scores[1] > scores[0]


def interference_snap(placed: dict[str, list[str]], rules: list[Rule]) -> Snapshot:
    """Nodes n0.. holding pods of the named apps (``{"n0": ["a", "b"]}``)."""
    cache = cache_of(*(node(name) for name in placed))
    for name, apps in placed.items():
        for j, app in enumerate(apps):
            cache.assume(pod(f"ns/{name}-{j}", cpu=1, mem=1, app=app), name)
    return dataclasses.replace(cache.snapshot(), rules=RuleIndex(rules))


def test_interference_binds_both_ways_and_an_app_with_itself_gets_k_plus_one() -> None:
    snap = interference_snap({"n0": ["a"], "n1": ["b"], "n2": ["a", "b"], "n3": ["b", "b"]}, [])
    plugin = interference.new()

    def mask(app: str, rules: list[Rule], cap: int = 0) -> list[bool]:
        s = dataclasses.replace(snap, rules=RuleIndex(rules))
        return plugin.filter(CycleState(), pod("ns/x", app=app, max_per_host=cap), s).tolist()

    rule = Rule("a", "b", 1)
    assert mask("b", [rule]) == [True, True, False, True]  # a b beside a: one already on n2
    assert mask("a", [rule]) == [True, True, True, False]  # a would join two b on n3
    assert mask("b", [Rule("b", "b", 0)]) == [True, False, False, False]  # at most 1 b
    assert mask("b", [Rule("b", "b", 1)]) == [True, True, True, False]  # at most 2 b
    assert mask("b", [], cap=2) == [True, True, True, False]  # the per-host cap
    assert mask("c", [rule]) == [True] * 4  # rules that do not name the app
    why = plugin.explain(
        CycleState(), pod("ns/x", app="b"), dataclasses.replace(snap, rules=RuleIndex([rule])), 2
    )
    assert why == "interference rule <a, b, 1>: the node would hold 1 of a and 2 of b (at most 1)"


@pytest.mark.parametrize("seed", range(5))
def test_interference_mask_matches_the_rules_stated_one_node_at_a_time(seed: int) -> None:
    rng = random.Random(seed)
    apps = ["a", "b", "c", "d"]
    placed = {f"n{i}": [rng.choice(apps) for _ in range(rng.randrange(4))] for i in range(12)}
    pairs = rng.sample(list(itertools.product(apps, apps)), 6)
    rules = [Rule(a, b, rng.randrange(3)) for a, b in pairs]
    snap = interference_snap(placed, rules)
    for app in apps:
        got = interference.new().filter(CycleState(), pod("ns/x", app=app), snap).tolist()
        named = [r for r in rules if app in (r.a, r.b)]
        want = []
        for name in placed:
            count = {x: placed[name].count(x) for x in apps}
            want.append(not any(breaks(r, app, count) for r in named))
        assert got == want, (app, placed, rules)


def test_the_default_profile_runs_the_new_plugins_and_leaves_plain_pods_as_they_were() -> None:
    names = build(default_profile()).profile.plugins
    for name in ("ScalarFit", "Interference", "TimeAwareFit", "ConvexCost"):
        assert name in names
    cache = cache_of(node("n0"), node("n1"))
    result = build(default_profile(seed=1)).schedule(pod("a/x"), cache.snapshot())
    assert result.node in ("n0", "n1")


def test_an_apps_per_host_cap_holds_through_the_default_profile() -> None:
    from sigma.scheduler.convert import pod_info
    from sigma.v1 import app_pb2, pod_pb2

    def replica(n: int) -> PodInfo:
        pod = pod_pb2.Pod()
        pod.meta.namespace, pod.meta.name = "shop", f"web-{n}"
        pod.spec.owner_kind = pod_pb2.POD_OWNER_KIND_APP
        pod.spec.owner_name = "web"
        pod.spec.template.containers.add().resources.requests.cpu_millis = 100
        return pod_info(pod, app_pb2.SpreadPolicy(max_per_host=2))

    assert replica(0).max_per_host == 2 and replica(0).app == "shop/web"
    cache = cache_of(node("n0"), node("n1"))
    fw = build(default_profile(seed=0))
    for n in range(4):
        result = fw.schedule(replica(n), cache.snapshot())
        cache.assume(replica(n), result.node)
    assert sorted(np.bincount(cache.snapshot().app_nodes("shop/web")).tolist()) == [2, 2]
    result = fw.schedule(replica(4), cache.snapshot())
    assert result.node == ""
    assert ("Interference", "2/2 nodes, e.g. per-host cap 2 of shop/web reached (2 here)") in (
        result.status.reasons
    )


def test_counts_kept_between_attempts_follow_every_move() -> None:
    rng = random.Random(1)
    cache = cache_of(*(node(f"n{i}") for i in range(6)))
    cache.set_rules(RuleIndex([Rule("a", "b", 1), Rule("b", "b", 0), Rule("c", "a", 2)]))
    kept = interference.new()  # one plugin for the whole run, as in a scheduler
    for _ in range(300):
        key = f"ns/p{rng.randrange(15)}"
        if rng.random() < 0.3:
            cache.remove_pod(key)
        else:
            placed = pod(key, cpu=1, mem=1, app=rng.choice("abc"))
            cache.assume(placed, f"n{rng.randrange(6)}")
        snap = cache.snapshot()
        for app in "abcd":
            p = pod("ns/x", app=app)
            fresh = interference.new().filter(CycleState(), p, snap)
            assert kept.filter(CycleState(), p, snap).tolist() == fresh.tolist()
