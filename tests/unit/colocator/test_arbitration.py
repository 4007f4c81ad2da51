"""Victim choice and the need that triggers it, as tables: online is never a victim."""

from __future__ import annotations

import pytest

from sigma.colocator.arbitration.victims import BatchPod, choose_victims, overage, pending_need
from sigma.colocator.capacity.formula import Res, Sample, Thresholds

NOW = 10_000.0


def pod(key: str, prio: int, age: float, cpu: int, mem: int = 0, batch: bool = True) -> BatchPod:
    return BatchPod(key, prio, NOW - age if age else 0.0, Res(cpu, mem), batch)


PODS = [
    pod("b/old-low", 0, 3000, 1000),
    pod("b/new-low", 0, 60, 500),
    pod("b/new-low-big", 0, 60, 2000),
    pod("b/high", 5, 10, 4000),
    pod("o/web", -1, 10, 8000, batch=False),  # online, even with the lowest priority
]


@pytest.mark.parametrize(
    ("need", "want"),
    [
        (Res(0, 0), []),
        # same priority and age: the larger first (fewer evictions)
        (Res(1, 0), ["b/new-low-big"]),
        (Res(2500, 0), ["b/new-low-big", "b/new-low"]),
        # then the one that loses more work, then higher priority
        (Res(3000, 0), ["b/new-low-big", "b/new-low", "b/old-low"]),
        (Res(3600, 0), ["b/new-low-big", "b/new-low", "b/old-low", "b/high"]),
        # more than all batch together: all batch, never the online pod
        (Res(50_000, 0), ["b/new-low-big", "b/new-low", "b/old-low", "b/high"]),
    ],
)
def test_victim_order(need: Res, want: list[str]) -> None:
    assert [p.key for p in choose_victims(PODS, need, NOW)] == want


def test_only_pods_that_free_a_short_resource_are_taken() -> None:
    pods = [pod("b/cpu-only", 0, 10, 4000, 0), pod("b/mem", 1, 10, 0, 8 << 30)]
    assert [p.key for p in choose_victims(pods, Res(0, 1 << 30), NOW)] == ["b/mem"]


def test_unknown_start_counts_as_no_progress() -> None:
    pods = [pod("b/started", 0, 100, 1000), pod("b/unknown", 0, 0, 1000)]
    assert [p.key for p in choose_victims(pods, Res(1, 0), NOW)] == ["b/unknown"]


CAP = Res(10_000, 100)


@pytest.mark.parametrize(
    ("online", "batch", "system", "want"),
    [
        (Res(3000, 10), Res(2000, 10), Res(500, 5), Res(0, 0)),  # under 60% / 65%
        (Res(4000, 10), Res(2500, 10), Res(500, 5), Res(1000, 0)),  # 7000 > 6000
        (Res(1000, 50), Res(0, 20), Res(0, 0), Res(0, 5)),  # memory 70 > 65
    ],
)
def test_overage(online: Res, batch: Res, system: Res, want: Res) -> None:
    sample = Sample(0.0, CAP, online, batch, system)
    assert overage(sample, Thresholds(0.6, 0.65)) == want


@pytest.mark.parametrize(
    ("requests", "online_requested", "batch_used", "want"),
    [
        (Res(1000, 10), Res(5000, 50), Res(1000, 10), Res(0, 0)),  # fits in what is free
        (Res(4000, 10), Res(5000, 50), Res(2000, 10), Res(3000, 0)),  # 1000 free, batch holds 2000
        (Res(1000, 60), Res(5000, 50), Res(0, 10), Res(0, 20)),
    ],
)
def test_pending_need(requests: Res, online_requested: Res, batch_used: Res, want: Res) -> None:
    assert pending_need(requests, Res(8000, 100), online_requested, batch_used) == want
