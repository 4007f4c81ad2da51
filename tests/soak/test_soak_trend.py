"""The soak's verdict on synthetic series: flat ones with noise pass, slow leaks fail."""

from __future__ import annotations

import random

import pytest

from tests.soak._trend import LIMITS, Limit, trend

MIB = 1 << 20


def series(
    base: float, per_minute: float, noise: float, *, minutes: int = 30, seed: int = 7
) -> list[tuple[float, float]]:
    """A sample every 30 s: ``base`` plus a steady rise and uniform noise."""
    rng = random.Random(seed)
    return [
        (t, base + per_minute * t / 60 + rng.uniform(-noise, noise))
        for t in range(0, minutes * 60 + 1, 30)
    ]


@pytest.mark.parametrize("seed", range(20))
def test_flat_rss_with_noise_passes(seed: int) -> None:
    verdict = trend(series(120 * MIB, 0, 4 * MIB, seed=seed), 300, LIMITS["rss"])
    assert not verdict.growing
    assert abs(verdict.growth) < 0.05


def test_a_slow_rss_leak_fails() -> None:
    # 0.5 MiB a minute: 12.5 MiB (about 10 %) over the 25 minutes after warm-up, under noise
    # of 4 MiB either way, which hides it from any two neighbouring samples.
    verdict = trend(series(120 * MIB, 0.5 * MIB, 4 * MIB), 300, LIMITS["rss"])
    assert verdict.growing
    assert 0.07 < verdict.growth < 0.13


def test_a_warm_up_rise_is_not_a_leak() -> None:
    # 40 MiB in the first five minutes (imports, pools), flat afterwards.
    points = [
        (t, v + (40 * MIB if t >= 300 else 40 * MIB * t / 300))
        for t, v in series(80 * MIB, 0, 2 * MIB)
    ]
    assert trend(points, 0, LIMITS["rss"]).growing
    assert not trend(points, 300, LIMITS["rss"]).growing


def test_task_counts_in_flight_are_not_a_leak_but_a_task_a_minute_is() -> None:
    rng = random.Random(3)
    flat = [(t, 40 + rng.choice((0, 0, 0, 1, 2, 3))) for t in range(0, 1801, 30)]
    assert not trend(flat, 300, LIMITS["tasks"]).growing
    leaking = [(t, v + t // 60) for t, v in flat]
    verdict = trend(leaking, 300, LIMITS["tasks"])
    assert verdict.growing and verdict.fitted_rise == pytest.approx(25, abs=2)


def test_one_spike_and_a_rise_that_comes_back_are_not_growth() -> None:
    points = series(100, 0, 1)
    spiked = [(t, v * (3 if i == len(points) - 2 else 1)) for i, (t, v) in enumerate(points)]
    assert not trend(spiked, 300, Limit(0.05)).growing
    hill = [(t, v + (20 if 600 <= t <= 1200 else 0)) for t, v in points]
    assert not trend(hill, 300, Limit(0.05)).growing


def test_too_few_samples_after_the_warm_up_give_no_verdict() -> None:
    with pytest.raises(ValueError, match="at least 4"):
        trend([(0, 1.0), (30, 1.0), (60, 1.0), (90, 1.0)], 31, LIMITS["fds"])
    with pytest.raises(ValueError, match="no samples"):
        trend([], 0, LIMITS["fds"])
