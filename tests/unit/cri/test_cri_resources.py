"""Requests and limits to CRI resources and cgroup files: the kubelet's numbers, v1 and v2."""

from __future__ import annotations

import pytest

from sigma.cri.resources import (
    MAX_SHARES,
    Resources,
    cgroup_knobs,
    cpu_quota,
    cpu_shares,
    cpu_weight,
    linux_resources,
)


@pytest.mark.parametrize(
    ("millis", "shares"),
    [(0, 2), (1, 2), (2, 2), (100, 102), (500, 512), (1000, 1024), (10**6, MAX_SHARES)],
)
def test_shares_follow_the_kubelet(millis: int, shares: int) -> None:
    assert cpu_shares(millis) == shares


def test_best_effort_gets_the_floor_whatever_it_asks() -> None:
    assert cpu_shares(4000, best_effort=True) == 2


@pytest.mark.parametrize(("millis", "quota"), [(0, 0), (1, 1000), (250, 25_000), (2000, 200_000)])
def test_quota_per_100ms_period_with_a_1ms_floor(millis: int, quota: int) -> None:
    assert cpu_quota(millis) == quota


@pytest.mark.parametrize(("shares", "weight"), [(2, 1), (1024, 39), (MAX_SHARES, 10_000), (0, 1)])
def test_weight_is_runcs_conversion(shares: int, weight: int) -> None:
    assert cpu_weight(shares) == weight


def test_linux_resources_sets_a_period_only_with_a_quota() -> None:
    capped = linux_resources(Resources(500, 1000, 64 << 20, "0-1"))
    assert (capped.cpu_shares, capped.cpu_quota, capped.cpu_period) == (512, 100_000, 100_000)
    assert (capped.memory_limit_in_bytes, capped.cpuset_cpus) == (64 << 20, "0-1")
    free = linux_resources(Resources(cpu_request_millis=100))
    assert (free.cpu_quota, free.cpu_period, free.memory_limit_in_bytes) == (0, 0, 0)


def test_cgroup_knobs_v1_and_v2_say_the_same() -> None:
    res = Resources(500, 1000, 64 << 20, "1")
    assert cgroup_knobs(res, v2=False) == {
        "cpu.shares": "512",
        "cpu.cfs_period_us": "100000",
        "cpu.cfs_quota_us": "100000",
        "memory.limit_in_bytes": str(64 << 20),
        "cpuset.cpus": "1",
    }
    assert cgroup_knobs(res, v2=True) == {
        "cpu.weight": "20",
        "cpu.max": "100000 100000",
        "memory.max": str(64 << 20),
        "cpuset.cpus": "1",
    }


def test_cgroup_knobs_lift_limits_that_are_not_set() -> None:
    res = Resources(best_effort=True)
    assert cgroup_knobs(res, v2=False) == {
        "cpu.shares": "2",
        "cpu.cfs_period_us": "100000",
        "cpu.cfs_quota_us": "-1",
        "memory.limit_in_bytes": "-1",
    }
    assert cgroup_knobs(res, v2=True) == {
        "cpu.weight": "1",
        "cpu.max": "max 100000",
        "memory.max": "max",
    }
