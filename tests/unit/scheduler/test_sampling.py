"""Node sampling: how many nodes an attempt looks for, the rotation, the fall back to the rest of
the cluster, hard constraints held, and repeatable choices under a seed."""

import dataclasses

import numpy as np
import pytest

from sigma.resources.interference import Rule, RuleIndex
from sigma.scheduler.framework import Code, CycleState, PodInfo, Spread
from sigma.scheduler.framework.sampling import nodes_to_find
from sigma.scheduler.framework.snapshot import ScalarColumn
from sigma.scheduler.framework.types import CORE_SWITCH, HOST
from sigma.scheduler.plugins.registry import build, default_profile
from tests.unit.scheduler._cluster import GiB, cache_of, node, pod


def nodes(count: int, **kw: object):  # type: ignore[no-untyped-def]
    return [
        node(f"n{i:04d}", topology=(f"n{i:04d}", f"c{i // 4}", f"s{i // 16}"), **kw)
        for i in range(count)
    ]


@pytest.mark.parametrize(
    ("n", "percentage", "minimum", "want"),
    [
        (50, 0, 100, 50),  # small clusters: every node
        (100, 0, 100, 100),
        (1000, 0, 100, 420),  # adaptive: 50% - 1000/125 = 42%
        (5000, 0, 100, 500),  # 50 - 40 = 10%
        (20000, 0, 100, 1000),  # floor 5%
        (20000, 100, 100, 20000),  # a full scan
        (1000, 10, 50, 100),
        (1000, 1, 50, 50),  # never fewer than the minimum
    ],
)
def test_how_many_feasible_nodes_an_attempt_looks_for(
    n: int, percentage: int, minimum: int, want: int
) -> None:
    assert nodes_to_find(n, percentage, minimum) == want


def test_attempts_rotate_so_every_node_gets_its_turn() -> None:
    cache = cache_of(*nodes(1000))
    fw = build(default_profile(percentage_of_nodes_to_score=10, min_nodes_to_score=50, seed=3))
    chosen = []
    for k in range(10):
        result = fw.schedule(pod(f"a/x{k}", cpu=10, mem=1), cache.snapshot())
        assert result.feasible == result.evaluated == result.examined == 100
        chosen.append(cache.snapshot().index[result.node])
    # attempt k scored rows 100k .. 100k + 99: ten attempts, the whole cluster
    assert [row // 100 for row in chosen] == list(range(10))
    eleventh = fw.schedule(pod("a/y", cpu=10, mem=1), cache.snapshot())
    assert cache.snapshot().index[eleventh.node] < 100  # round again


def test_a_share_without_a_feasible_node_goes_on_through_the_rest() -> None:
    rows = nodes(1000, cpu=1000)
    rows[-1] = node("big", cpu=8000)  # the last row, far outside the first share
    cache = cache_of(*rows)
    fw = build(default_profile(percentage_of_nodes_to_score=5, min_nodes_to_score=20, seed=0))
    result = fw.schedule(pod("a/x", cpu=4000), cache.snapshot())
    assert result.node == "big" and result.feasible == 1 and result.examined == 1000


def test_the_rest_goes_round_the_end_of_the_table() -> None:
    rows = nodes(1000, cpu=1000)
    rows[5] = node("big", cpu=8000)
    cache = cache_of(*rows)
    fw = build(default_profile(percentage_of_nodes_to_score=2, min_nodes_to_score=20, seed=0))
    for k in range(30):  # twenty nodes an attempt: the next starts at row 600
        assert fw.schedule(pod(f"a/s{k}", cpu=10, mem=1), cache.snapshot()).examined == 20
    result = fw.schedule(pod("a/x", cpu=4000), cache.snapshot())
    assert result.node == "big" and result.feasible == 1  # rows 600..999, then 0..599
    assert result.examined == 1000  # all of them: fewer than twenty fit
    after = fw.schedule(pod("a/y", cpu=10, mem=1), cache.snapshot())
    assert 600 <= cache.snapshot().index[after.node] < 620  # round to where it started


def test_extended_resources_found_past_the_share() -> None:
    cache = cache_of(*nodes(500))
    snap = cache.snapshot()
    offered = np.zeros(500)
    offered[[3, 480]] = [1, 10]  # row 3 too small, row 480 fits
    snap = dataclasses.replace(snap, scalars={"disk": ScalarColumn(offered, np.zeros(500))})
    fw = build(default_profile(percentage_of_nodes_to_score=5, min_nodes_to_score=20, seed=0))
    result = fw.schedule(pod("a/x", scalars=(("disk", 5),)), snap)
    assert result.node == "n0480"


def test_nothing_feasible_anywhere_gives_the_whole_clusters_reasons_and_preemption() -> None:
    cache = cache_of(*nodes(400, cpu=2000))
    for i in range(400):
        cache.assume(pod(f"b/low{i}", cpu=1500, mem=GiB, priority=0), f"n{i:04d}")
    sampled = build(default_profile(percentage_of_nodes_to_score=5, min_nodes_to_score=20))
    full = build(default_profile(percentage_of_nodes_to_score=100))
    big = pod("a/x", cpu=1000, priority=10)
    got, want = sampled.schedule(big, cache.snapshot()), full.schedule(big, cache.snapshot())
    assert got.status.code is Code.UNSCHEDULABLE and got.examined == 400
    assert got.status.reasons == want.status.reasons
    assert ("ResourceFit", got.status.reasons[0][1]) == got.status.reasons[0]
    assert got.status.reasons[0][1].startswith("400/400 nodes")
    assert got.preemption is not None and want.preemption is not None
    assert len(got.preemption.victims) == 1


def _stream() -> list[PodInfo]:
    """Pods of every kind of hard constraint: a hard core-switch spread, a per-host cap, an
    App under an interference rule, and plain pods filling nodes up."""
    pods = []
    for i in range(240):
        kind = i % 4
        if kind == 0:
            spread = (Spread(HOST, False), Spread(CORE_SWITCH, True, 1))
            pods.append(pod(f"s/r{i}", cpu=100, mem=1, app="s/spread", spread=spread))
        elif kind == 1:
            pods.append(pod(f"c/r{i}", cpu=100, mem=1, app="c/capped", max_per_host=1))
        elif kind == 2:
            pods.append(pod(f"b/r{i}", cpu=100, mem=1, app="b/noisy"))
        else:
            pods.append(pod(f"p/r{i}", cpu=3000, mem=GiB))
    return pods


def test_sampling_never_breaks_a_hard_constraint() -> None:
    cache = cache_of(*nodes(160))
    for i in range(0, 160, 2):  # A on every other node: at most 1 of B beside it
        cache.assume(pod(f"a/on{i}", cpu=100, mem=1, app="a/quiet"), f"n{i:04d}")
    cache.set_rules(RuleIndex([Rule("a/quiet", "b/noisy", 1)]))
    fw = build(default_profile(percentage_of_nodes_to_score=5, min_nodes_to_score=8, seed=2))
    judge = build(default_profile(percentage_of_nodes_to_score=100))
    placed = 0
    for p in _stream():
        snap = cache.snapshot()
        result = fw.schedule(p, snap)
        full, _ = judge.filter(CycleState(), p, snap)
        if not result.node:
            assert not full.any()  # unschedulable only when no node at all fits
            continue
        assert full[snap.index[result.node]], p.key
        assert result.examined < snap.n or result.feasible < 8
        cache.assume(p, result.node)
        placed += 1
    snap = cache.snapshot()
    assert placed > 200
    switches = np.bincount(snap.domain(CORE_SWITCH)[snap.app_nodes("s/spread")], minlength=10)
    assert switches.max() - switches.min() <= 1
    assert np.bincount(snap.app_nodes("c/capped")).max() == 1
    beside = np.bincount(snap.app_nodes("b/noisy"), minlength=160)[::2]
    assert beside.max() <= 1


def test_choices_repeat_under_a_seed() -> None:
    def run(seed: int) -> list[str]:
        cache = cache_of(*nodes(600))
        fw = build(default_profile(seed=seed))  # the adaptive share: 46% of 600 nodes
        out = []
        for p in _stream():
            result = fw.schedule(p, cache.snapshot())
            if result.node:
                cache.assume(p, result.node)
            out.append(result.node)
        return out

    assert run(7) == run(7)
    assert run(7) != run(8)


def test_the_tier_setting_is_checked_and_read_from_flags() -> None:
    from sigma import config
    from sigma.errors import Invalid
    from sigma.scheduler.settings import SchedulerSettings

    loaded = config.load(SchedulerSettings, {"percentage_of_nodes_to_score": "30"}, env={})
    assert loaded.percentage_of_nodes_to_score == 30
    with pytest.raises(Invalid, match=r"percentage_of_nodes_to_score: must be within 0\.\.100"):
        config.load(SchedulerSettings, {"percentage_of_nodes_to_score": "101"}, env={})
