"""The whole chain on small clusters: choice, reasons, sampling, weights."""

import numpy as np
import pytest

from sigma.scheduler.framework import Code, CycleState, PodInfo
from sigma.scheduler.plugins.registry import build, default_profile
from tests.unit.scheduler._cluster import GiB, cache_of, node, pod


def test_online_goes_to_least_allocated_and_batch_packs() -> None:
    cache = cache_of(node("n1"), node("n2"))
    cache.assume(pod("a/on", cpu=4000, mem=4 * GiB), "n1")
    cache.assume(pod("a/be", cpu=1000, mem=GiB, qos=4), "n1")
    fw = build(default_profile(seed=1))
    snap = cache.snapshot()
    assert fw.schedule(pod("a/x"), snap).node == "n2"
    assert fw.schedule(pod("a/y", qos=4), snap).node == "n1"


def test_load_aware_breaks_ties_on_measured_usage() -> None:
    cache = cache_of(node("n1", usage_cpu=7000, usage_mem=8 * GiB), node("n2", usage_cpu=1000))
    result = build(default_profile(seed=1)).schedule(pod("a/x"), cache.snapshot())
    assert result.node == "n2" and result.feasible == 2


def test_unschedulable_is_a_value_with_reasons_per_plugin() -> None:
    cache = cache_of(node("n1", cpu=1000), node("n2", ready=False), node("n3", cpu=500))
    result = build().schedule(pod("a/x", cpu=2000, mem=GiB), cache.snapshot())
    assert result.status.code is Code.UNSCHEDULABLE and result.node == ""
    reasons = dict(result.status.reasons)
    assert reasons["NodeReady"] == "1/3 nodes, e.g. node is not ready"
    assert reasons["ResourceFit"].startswith("2/3 nodes, e.g. Insufficient cpu")
    assert result.preemption is None


def test_unresolvable_stops_before_filters() -> None:
    result = build().schedule(pod("a/x", cpu=1500, qos=1), cache_of(node("n1")).snapshot())
    assert result.status.code is Code.UNRESOLVABLE


def test_sampling_scores_a_rotating_share_of_feasible_nodes() -> None:
    cache = cache_of(*(node(f"n{i}") for i in range(1000)))
    fw = build(default_profile(percentage_of_nodes_to_score=10, min_nodes_to_score=50, seed=3))
    first = fw.schedule(pod("a/x"), cache.snapshot())
    assert first.feasible == first.evaluated == first.examined == 100
    seen = {fw.schedule(pod("a/x"), cache.snapshot()).node for _ in range(20)}
    assert len(seen) > 10  # the window rotates over the whole cluster


def test_zero_weight_disables_a_score() -> None:
    cache = cache_of(node("n1", usage_cpu=7900), node("n2"))
    cache.assume(pod("a/on", cpu=4000, mem=4 * GiB), "n2")
    weights = {"LoadAware": 0.0, "LeastAllocated": 1.0}
    fw = build(default_profile(weights=weights, seed=0))
    assert fw.schedule(pod("a/x"), cache.snapshot()).node == "n1"
    fw = build(default_profile(weights={"LoadAware": 5.0, "LeastAllocated": 1.0}, seed=0))
    assert fw.schedule(pod("a/x"), cache.snapshot()).node == "n2"


def test_unknown_plugin_rejected() -> None:
    with pytest.raises(ValueError, match="Nope"):
        build(default_profile(plugins=("Nope",)))


@pytest.mark.parametrize("replicas", [4, 9])
def test_soft_spread_uses_every_host_before_doubling_up(replicas: int) -> None:
    rows = [node(f"h{i}", topology=(f"h{i}", f"c{i // 2}", f"s{i // 4}")) for i in range(8)]
    cache = cache_of(*rows)
    fw = build(default_profile(seed=5))
    for r in range(replicas):
        app_pod = PodInfo(f"a/r{r}", cpu=100, mem=1, app="a/web", spread=build_default_spread())
        result = fw.schedule(app_pod, cache.snapshot())
        cache.assume(app_pod, result.node)
    hosts = np.bincount(cache.snapshot().app_nodes("a/web"), minlength=8)
    assert hosts.max() - hosts.min() <= 1
    switches = np.bincount(cache.snapshot().domain(2)[cache.snapshot().app_nodes("a/web")])
    assert switches.max() - switches.min() <= 1


def build_default_spread():  # type: ignore[no-untyped-def]
    from sigma.scheduler.framework import DEFAULT_SPREAD

    return DEFAULT_SPREAD


@pytest.mark.parametrize("qos", [3, 4])
def test_placement_skips_scores_that_are_alike_everywhere_and_picks_the_same(qos: int) -> None:
    cache = cache_of(*(node(f"n{i}", usage_cpu=i * 300) for i in range(8)))
    for i in range(8):
        cache.assume(pod(f"a/fill{i}", cpu=(i * 700) % 5000, mem=GiB, qos=qos), f"n{i}")
    fw = build(default_profile(seed=3))
    snap, p = cache.snapshot(), pod("a/x", qos=qos)
    rows = np.arange(snap.n)
    full, every = fw.score(CycleState(), p, snap, rows)
    fast, some = fw.score(CycleState(), p, snap, rows, every=False)
    skipped = set(every) - set(some)
    packing = "MostAllocated" if qos == 3 else "LeastAllocated"
    # No taints, no App, no usage curves.
    assert skipped == {"TaintToleration", "TopologySpread", "ConvexCost", packing}
    # Each skipped plugin added one constant to every node: the order of nodes is unchanged.
    assert np.allclose(full - fast, (full - fast)[0])
    assert int(np.argmax(full)) == int(np.argmax(fast))
