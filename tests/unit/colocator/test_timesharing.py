"""Time-sharing over a synthetic daily curve: down in the trough, up a lead time before the
peak, never below the floor; and profiles learned from observed load."""

from __future__ import annotations

import math

import pytest

from sigma.colocator.timesharing.plan import DAY, Profile, decision_kind, learn, plan, profile_of

HOUR = 3600
# hourly slots: night trough 0.2 (01:00-06:00), ramp 0.5 at 06:00, peak 1.0 09:00-21:00
CURVE = tuple(
    0.2 if 1 <= h < 6 else 0.5 if h in (0, 6, 7, 8, 21, 22, 23) else 1.0 for h in range(24)
)
PROFILE = Profile(HOUR, CURVE)


def test_a_day_scales_down_in_the_trough_up_before_the_ramp_never_below_the_floor() -> None:
    replicas, floor, headroom, lead = 10, 3, 0.2, 30 * 60
    asks = {
        t: plan(PROFILE, t, replicas, floor, headroom, lead).replicas for t in range(0, DAY, 600)
    }
    assert min(asks.values()) == 3  # 0.2 x 10 x 1.2 = 2.4 -> 3, and the floor is 3 anyway
    assert all(floor <= r <= replicas for r in asks.values())
    assert asks[3 * HOUR] == 3  # deep in the trough
    assert asks[12 * HOUR] == 10  # at peak, spec.replicas
    # back up a lead time before the 06:00 ramp: at 05:30 the window reaches the ramp
    assert asks[5 * HOUR + 1200] == 3 and asks[5 * HOUR + 1800] == 6
    # and before the 09:00 peak
    assert asks[8 * HOUR + 1800] == 10 and asks[8 * HOUR + 1200] == 6
    # down only once the trough covers the whole lead window (the 00:00 slot is 0.5)
    assert asks[HOUR] == 3 and asks[23 * HOUR + 1800] == 6


@pytest.mark.parametrize(
    ("floor", "headroom", "want"),
    [(0, 0.2, 10), (1, 0.0, 2), (1, 0.2, 3), (5, 0.0, 5), (20, 0.0, 10)],
)
def test_floor_and_headroom(floor: int, headroom: float, want: int) -> None:
    # floor 0 means spec.replicas: time-sharing cannot shrink the app
    assert plan(PROFILE, 3 * HOUR, 10, floor, headroom, 0).replicas == want


@pytest.mark.parametrize(
    ("current", "wanted", "want"),
    [(10, 10, None), (10, 3, ("down", "Trough")), (3, 6, ("up", "PeakAhead"))],
)
def test_decision_kind(current: int, wanted: int, want: tuple[str, str] | None) -> None:
    assert decision_kind(current, wanted) == want


def test_learned_profile_follows_observed_load_relative_to_the_peak() -> None:
    day0 = 20 * DAY
    obs = [
        (day0 + d * DAY + t, 8.0 * CURVE[t // HOUR] + (0.1 if t % 1200 else 0.0))
        for d in range(3)
        for t in range(0, DAY, 300)
    ]
    learned = learn(obs, HOUR, q=0.9)
    assert len(learned.load) == 24
    for got, want in zip(learned.load, CURVE, strict=True):
        assert math.isclose(got, want, rel_tol=0.06), (got, want)


def test_unobserved_slots_are_assumed_peak() -> None:
    learned = learn([(2 * HOUR + 5, 1.0), (3 * HOUR, 4.0)], HOUR)
    assert learned.load[2] == 0.25 and learned.load[3] == 1.0 and learned.load[10] == 1.0
    assert learn([], HOUR).load == tuple(1.0 for _ in range(24))


@pytest.mark.parametrize(
    ("slot", "load", "usable"),
    [(HOUR, CURVE, True), (0, CURVE, False), (HOUR, (), False), (HOUR, CURVE[:-1], False)],
)
def test_profile_of(slot: int, load: tuple[float, ...], usable: bool) -> None:
    assert (profile_of(slot, load) is not None) == usable
