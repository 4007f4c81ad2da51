"""Each filter's mask and its explanation, table-driven over small clusters."""

import pytest

from sigma.scheduler.framework import Code, CycleState, PodInfo, Spread, Toleration
from sigma.scheduler.plugins import (
    node_ready,
    node_selector,
    qos,
    resource_fit,
    taint_toleration,
    topology_spread,
)
from tests.unit.scheduler._cluster import GiB, cache_of, node, pod


def _mask(plugin: object, p: PodInfo, cache) -> list[bool]:  # type: ignore[no-untyped-def]
    return plugin.filter(CycleState(), p, cache.snapshot()).tolist()  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("incoming", "expected"),
    [
        (pod("a/x", cpu=4000, mem=4 * GiB), [True, False]),  # n2 has 3000m online room
        (pod("a/x", cpu=1000, mem=10 * GiB), [True, False]),  # n2: batch memory counts
        (pod("a/x", cpu=2000, mem=GiB, qos=4), [True, False]),  # n2 batch room 1000m
        (pod("a/x", cpu=9000, mem=GiB), [False, False]),
    ],
)
def test_resource_fit(incoming: PodInfo, expected: list[bool]) -> None:
    cache = cache_of(node("n1"), node("n2"))
    cache.assume(pod("a/on", cpu=5000, mem=2 * GiB), "n2")
    cache.assume(pod("a/be", cpu=3000, mem=5 * GiB, qos=4), "n2")
    assert _mask(resource_fit.new(), incoming, cache) == expected


def test_resource_fit_explains_with_numbers() -> None:
    cache = cache_of(node("n1", cpu=1000))
    p = pod("a/x", cpu=2000)
    why = resource_fit.new().explain(CycleState(), p, cache.snapshot(), 0)
    assert why == "Insufficient cpu (allocatable): requested 2000m, free 1000m"


def test_qos_exclusive_and_shared_cores() -> None:
    cache = cache_of(node("n1", cpu=4000), node("n2", cpu=4000))
    cache.assume(pod("a/lse", cpu=2000, qos=1), "n1")
    cache.assume(pod("a/ls", cpu=1500, qos=3), "n1")
    plugin = qos.new()
    # n1: 2 cores left, 1500m of them promised to the shared pool → 0 whole cores free.
    assert _mask(plugin, pod("a/x", cpu=1000, qos=1), cache) == [False, True]
    assert _mask(plugin, pod("a/x", cpu=500, qos=3), cache) == [True, True]
    assert _mask(plugin, pod("a/x", cpu=1000, qos=3), cache) == [False, True]
    assert _mask(plugin, pod("a/x", cpu=1500, qos=2), cache) == [False, True]  # LSR: 2 cores
    status = plugin.pre_filter(CycleState(), pod("a/x", cpu=1500, qos=1), cache.snapshot())
    assert status.code is Code.UNRESOLVABLE


def test_node_selector_and_readiness() -> None:
    cache = cache_of(
        node("n1", labels=(("disk", "ssd"), ("zone", "a"))),
        node("n2", labels=(("disk", "ssd"),), ready=False),
        node("n3", labels=(("zone", "a"),), cordoned=True),
    )
    sel = node_selector.new()
    assert _mask(sel, pod("a/x", selector=(("disk", "ssd"),)), cache) == [True, True, False]
    assert _mask(sel, pod("a/x", selector=(("disk", "hdd"),)), cache) == [False] * 3
    assert _mask(sel, pod("a/x"), cache) == [True] * 3
    assert _mask(node_ready.new(), pod("a/x"), cache) == [True, False, False]
    why = sel.explain(CycleState(), pod("a/x", selector=(("zone", "a"),)), cache.snapshot(), 1)
    assert why.endswith("missing zone=a")


def test_taints_and_tolerations() -> None:
    cache = cache_of(
        node("n1"),
        node("n2", taints=(("dedicated", "db", 1),)),
        node("n3", taints=(("maint", "", 3), ("spot", "", 2))),
    )
    plugin = taint_toleration.new()
    assert _mask(plugin, pod("a/x"), cache) == [True, False, False]
    db = pod("a/x", tolerations=(Toleration("dedicated", "db"),))
    assert _mask(plugin, db, cache) == [True, True, False]
    wrong = pod("a/x", tolerations=(Toleration("dedicated", "web"),))
    assert _mask(plugin, wrong, cache) == [True, False, False]
    everything = pod("a/x", tolerations=(Toleration("", exists=True),))
    assert _mask(plugin, everything, cache) == [True, True, True]
    maint = pod("a/x", tolerations=(Toleration("maint", exists=True, effect=3),))
    state = CycleState()
    snap = cache.snapshot()
    assert plugin.filter(state, maint, snap).tolist() == [True, False, True]
    raw = plugin.score(state, maint, snap, __import__("numpy").array([0, 2]))
    assert plugin.normalize(raw).tolist() == [100.0, 0.0]  # the spot taint repels
    assert "dedicated=db:NoSchedule" in plugin.explain(CycleState(), pod("a/x"), snap, 1)


def _spread_cluster():  # type: ignore[no-untyped-def]
    # Two core switches, each with one chassis of two hosts.
    return cache_of(
        node("h1", topology=("h1", "c1", "s1")),
        node("h2", topology=("h2", "c1", "s1")),
        node("h3", topology=("h3", "c2", "s2")),
        node("h4", topology=("h4", "c2", "s2")),
    )


def test_hard_spread_keeps_skew_within_max() -> None:
    cache = _spread_cluster()
    cache.assume(PodInfo("a/r0", app="a/web"), "h1")
    hard = PodInfo("a/r1", app="a/web", spread=(Spread(2, True, 1),))
    plugin = topology_spread.new()
    assert _mask(plugin, hard, cache) == [False, False, True, True]
    loose = PodInfo("a/r1", app="a/web", spread=(Spread(2, True, 2),))
    assert _mask(plugin, loose, cache) == [True] * 4
    why = plugin.explain(CycleState(), hard, cache.snapshot(), 0)
    assert why == "core_switch skew would be 2 > max_skew 1"


def test_soft_spread_prefers_an_empty_host_in_the_emptiest_switch() -> None:
    import numpy as np

    cache = _spread_cluster()
    cache.assume(PodInfo("a/r0", app="a/web"), "h1")
    soft = PodInfo(
        "a/r1", app="a/web", spread=(Spread(0, False), Spread(1, False), Spread(2, False))
    )
    plugin = topology_spread.new()
    snap = cache.snapshot()
    assert _mask(plugin, soft, cache) == [True] * 4  # soft never filters
    scores = plugin.score(CycleState(), soft, snap, np.arange(4)).tolist()
    assert scores[2] == scores[3] == 100.0
    assert scores[1] < 100.0 and scores[0] < scores[1]
