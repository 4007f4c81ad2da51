"""The cache's daily CPU columns: every online pod on a node by its curve or, without one, by
its request at every slot; assume, forget, remove and allocation records move them exactly,
and a curve lets LS pods share a node their requests summed would overflow."""

import random

import numpy as np
import pytest

from sigma.resources.curves import SLOTS, cpu_curve
from sigma.scheduler.allocation import admit
from sigma.scheduler.framework import Cache, PodInfo
from sigma.scheduler.framework.cache import counted_curve
from sigma.scheduler.framework.placements import CURVE
from sigma.scheduler.framework.types import Code, Usage
from sigma.scheduler.plugins.registry import build, default_profile
from sigma.v1 import meta_pb2, node_pb2
from tests.unit.scheduler._cluster import GiB, cache_of, node, pod


def peaking(hour: int, low: float = 0.25) -> np.ndarray:
    """A daily load of 1 in the quarter-hours of ``hour`` and ``low`` elsewhere."""
    load = np.full(SLOTS, low)
    load[4 * hour : 4 * hour + 4] = 1.0
    return load


def timed(key: str, cpu: int, hour: int, **kw: object) -> PodInfo:
    return pod(key, cpu=cpu, usage=Usage({"cpu": cpu_curve(peaking(hour), cpu)}), **kw)


def expected(cache: Cache, placed: dict[str, tuple[PodInfo, str]]) -> np.ndarray:
    """The curve columns by their definition, from what the test placed."""
    snap = cache.snapshot()
    want = np.zeros((snap.n, SLOTS))
    for p, where in placed.values():
        if not p.batch:
            want[snap.index[where]] += p.usage.curves["cpu"] if p.usage else p.cpu
    return want


def test_no_curve_no_columns_and_the_first_curve_counts_earlier_pods_by_request() -> None:
    cache = cache_of(node("n1"), node("n2"))
    cache.assume(pod("a/flat", cpu=1000), "n1")
    cache.assume(pod("a/be", cpu=500, qos=4), "n2")
    before = cache.snapshot()
    assert CURVE not in before.cols  # nothing kept: the online requests, broadcast
    assert before.curves["cpu"].used.shape == (2, SLOTS)
    assert before.curves["cpu"].used[:, 7].tolist() == [1000.0, 0.0]
    cache.assume(timed("a/t", 2000, hour=12), "n2")
    col = cache.snapshot().curves["cpu"]
    assert col.used[0].tolist() == [1000.0] * SLOTS  # the request at every slot, batch not
    assert col.used[1].max() == 2000 and col.used[1].min() == 500
    assert col.peak.tolist() == [1000.0, 2000.0]
    assert col.capacity.tolist() == [8000.0, 8000.0]


@pytest.mark.parametrize("seed", range(3))
def test_assume_forget_remove_and_records_restore_the_columns_exactly(seed: int) -> None:
    rng = random.Random(seed)
    cache = cache_of(*(node(f"n{i}") for i in range(4)))
    cache.assume(timed("t/first", 300, hour=0), "n0")
    start_used = cache.snapshot().curves["cpu"].used.copy()
    placed: dict[str, tuple[PodInfo, str]] = {"t/first": (timed("t/first", 300, 0), "n0")}
    for step in range(300):
        if len(placed) > 1 and rng.random() < 0.4:
            key = rng.choice(sorted(k for k in placed if k != "t/first"))
            if rng.random() < 0.5:
                cache.forget(key)  # every placement here is assumed
            else:
                cache.remove_pod(key)
            placed.pop(key)
        else:
            key = f"t/p{step}"
            cpu = rng.choice([100, 250, 333, 1000])
            p = rng.choice(
                [timed(key, cpu, rng.randrange(24)), pod(key, cpu=cpu), pod(key, cpu=cpu, qos=4)]
            )
            where = f"n{rng.randrange(4)}"
            cache.assume(p, where)
            placed[key] = (p, where)
        col = cache.snapshot().curves["cpu"]
        assert np.array_equal(col.used, expected(cache, placed)), step
        assert np.array_equal(col.peak, col.used.max(axis=1)), step
    for key in [k for k in placed if k != "t/first"]:
        cache.remove_pod(key)
    assert np.array_equal(cache.snapshot().curves["cpu"].used, start_used)


def test_a_confirmed_record_keeps_the_curve_and_a_released_pod_gives_it_back() -> None:
    cache = cache_of(node("n1"))
    t = timed("t/a", 2000, hour=3)
    cache.assume(t, "n1")
    held = cache.snapshot()
    assert cache.apply_allocation("n1", [pod("t/a", cpu=2000)]) is False  # confirmed
    assert cache.snapshot().curves["cpu"].peak.tolist() == [2000.0]
    assert counted_curve(cache, "t/a") is t.usage.curves["cpu"]
    assert cache.apply_allocation("n1", []) is True  # released
    assert cache.snapshot().curves["cpu"].used.tolist() == [[0.0] * SLOTS]
    assert held.curves["cpu"].peak.tolist() == [2000.0]  # a held snapshot did not move


def test_curves_share_a_node_their_requests_overflow_only_when_peaks_differ() -> None:
    cache = cache_of(node("n1", cpu=4000), node("n2", cpu=4000))
    cache.assume(timed("t/a-0", 3000, hour=12), "n1")
    cache.assume(timed("t/c-0", 3000, hour=0), "n2")
    fw = build(default_profile(seed=0))
    result = fw.schedule(timed("t/b-0", 3000, hour=12), cache.snapshot())
    assert result.status.ok and result.node == "n2"  # 3000 + 750 at every slot of n2
    both = fw.schedule(timed("t/b-1", 3000, hour=12), cache_of_peaks_at(12, 12).snapshot())
    assert both.status.code is Code.UNSCHEDULABLE
    assert "TimeAwareFit" in both.status.plugins
    flat = fw.schedule(pod("t/flat", cpu=3000), cache.snapshot())  # no curve: as before
    assert flat.status.code is Code.UNSCHEDULABLE and "ResourceFit" in flat.status.plugins


def cache_of_peaks_at(*hours: int) -> Cache:
    cache = cache_of(*(node(f"n{i}", cpu=4000) for i in range(len(hours))))
    for i, hour in enumerate(hours):
        cache.assume(timed(f"t/x-{i}", 3000, hour=hour), f"n{i}")
    return cache


def test_binding_admits_requests_over_allocatable_only_within_the_summed_curves() -> None:
    row = node("n1", cpu=4000)
    record = node_pb2.NodeAllocation(node_name="n1")
    record.pods.add(
        pod_key="t/a-0",
        qos_class=meta_pb2.QOS_CLASS_LS,
        requests=meta_pb2.ResourceList(cpu_millis=3000, memory_bytes=GiB),
    )
    curves = {"t/a-0": cpu_curve(peaking(12), 3000)}
    ok = admit(record, row, [timed("t/b-0", 3000, hour=0)], curve=curves.get)
    assert not isinstance(ok, str)
    clash = admit(record, row, [timed("t/b-1", 3000, hour=12)], curve=curves.get)
    assert isinstance(clash, str) and "daily peak" in clash
    unknown = admit(record, row, [timed("t/b-2", 3000, hour=0)])  # listed pod by its request
    assert isinstance(unknown, str)


def test_a_new_curve_for_a_placed_pod_counts_it_again_where_it_is() -> None:
    cache = cache_of(node("n1", cpu=4000))
    cache.assume(timed("t/a-0", 3000, hour=12, app="t/a"), "n1")
    assert cache.app_pods("t/a") == ["t/a-0"]
    cache.note_pod(timed("t/a-0", 3000, hour=0, app="t/a"))
    col = cache.snapshot().curves["cpu"]
    assert col.used[0, 0] == 3000 and col.used[0, 48] == 750
    assert cache.placed("t/a-0")[0] == "n1"
    cache.note_pod(pod("t/a-0", cpu=3000, app="t/a"))  # the profile gone: by its request
    assert cache.snapshot().curves["cpu"].used[0].tolist() == [3000.0] * SLOTS
    assert counted_curve(cache, "t/a-0") is None
