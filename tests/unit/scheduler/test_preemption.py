import numpy as np

from sigma.resources.curves import SLOTS
from sigma.scheduler.framework.types import Usage
from sigma.scheduler.plugins.registry import build, default_profile
from tests.unit.scheduler._cluster import GiB, cache_of, node, pod


def _full_cluster():  # type: ignore[no-untyped-def]
    cache = cache_of(node("n1", mem=8 * GiB), node("n2", mem=8 * GiB), node("n3", mem=8 * GiB))
    # n1: online low priority fills cpu; n2: batch fills memory with small pods; n3: one big batch.
    cache.assume(pod("a/lo1", cpu=4000, mem=GiB, priority=1), "n1")
    cache.assume(pod("a/lo2", cpu=4000, mem=GiB, priority=2), "n1")
    for i in range(6):
        cache.assume(pod(f"b/s{i}", cpu=500, mem=GiB, qos=4), "n2")
    cache.assume(pod("a/on2", cpu=6000, mem=2 * GiB, priority=1), "n2")
    cache.assume(pod("b/big", cpu=1000, mem=6 * GiB, qos=4), "n3")
    cache.assume(pod("a/on3", cpu=6000, mem=GiB, priority=9), "n3")
    return cache


def test_batch_evicted_on_the_node_with_fewest_victims() -> None:
    cache = _full_cluster()
    result = build(default_profile(seed=0)).schedule(
        pod("a/hi", cpu=1000, mem=3 * GiB, priority=5), cache.snapshot()
    )
    assert result.node == "" and result.preemption is not None
    plan = result.preemption
    assert plan.node == "n3"
    assert [v.pod_key for v in plan.victims] == ["b/big"]
    assert all(v.batch for v in plan.victims)


def test_lower_priority_online_evicted_only_when_batch_cannot_help() -> None:
    cache = _full_cluster()
    result = build(default_profile(seed=0)).schedule(
        pod("a/hi", cpu=3000, mem=GiB, priority=5), cache.snapshot()
    )
    plan = result.preemption
    assert plan is not None and plan.node == "n1"
    assert [v.pod_key for v in plan.victims] == ["a/lo1"]  # lowest priority, and enough


def test_no_preemption_for_batch_or_equal_priority() -> None:
    cache = _full_cluster()
    fw = build(default_profile(seed=0))
    assert fw.schedule(pod("b/x", cpu=100, mem=4 * GiB, qos=4), cache.snapshot()).preemption is None
    result = fw.schedule(pod("a/x", cpu=3000, mem=GiB, priority=1), cache.snapshot())
    assert result.preemption is None


def test_preemption_skips_a_node_where_the_apps_per_host_cap_is_reached() -> None:
    cache = cache_of(node("n1", mem=8 * GiB), node("n2", mem=8 * GiB))
    # Both full of batch memory; n1's one big batch pod would be the fewest victims, but n1
    # already holds the one replica of the App a node may have.
    cache.assume(pod("b/big1", cpu=1000, mem=7 * GiB, qos=4), "n1")
    cache.assume(pod("a/web-0", cpu=100, mem=GiB // 2, app="a/web", max_per_host=1), "n1")
    for i in range(7):
        cache.assume(pod(f"b/s{i}", cpu=100, mem=GiB, qos=4), "n2")
    incoming = pod("a/web-1", cpu=100, mem=2 * GiB, priority=5, app="a/web", max_per_host=1)
    result = build(default_profile(seed=0)).schedule(incoming, cache.snapshot())
    assert result.node == "" and result.preemption is not None
    assert result.preemption.node == "n2"
    # Without the cap, n1 (one victim) would have been chosen.
    free = pod("a/web-1", cpu=100, mem=2 * GiB, priority=5, app="a/web")
    assert build(default_profile(seed=0)).schedule(free, cache.snapshot()).preemption.node == "n1"  # type: ignore[union-attr]


def test_a_curve_pod_whose_curve_fits_evicts_batch_for_its_memory_only() -> None:
    # n1's online requests fill its CPU, but their curves peak at noon and midnight: a curve
    # pod peaking at 06:00 fits at every slot and lacks only memory, which batch holds.
    def peaking(at: int, top: int) -> Usage:
        curve = np.full(SLOTS, top / 4)
        curve[at] = top
        return Usage({"cpu": curve})

    cache = cache_of(node("n1", mem=8 * GiB))
    cache.assume(pod("a/noon", cpu=4000, mem=GiB // 2, usage=peaking(48, 4000)), "n1")
    cache.assume(pod("a/night", cpu=4000, mem=GiB // 2, usage=peaking(0, 4000)), "n1")
    cache.assume(pod("b/big", cpu=1000, mem=6 * GiB, qos=4), "n1")
    incoming = pod("a/dawn", cpu=2000, mem=3 * GiB, priority=5, usage=peaking(24, 2000))
    result = build(default_profile(seed=0)).schedule(incoming, cache.snapshot())
    assert result.node == "" and result.preemption is not None
    assert [v.pod_key for v in result.preemption.victims] == ["b/big"]  # no online pod
