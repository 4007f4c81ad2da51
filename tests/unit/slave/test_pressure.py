"""CPU pressure as the emergency path reads it: PSI's cumulative stall over a short window."""

from __future__ import annotations

import pytest

from sigma.slave.runtime.cgroups import parse_pressure, parse_pressure_total
from sigma.slave.runtime.sampling import StallRate

PSI = """some avg10=2.54 avg60=8.98 avg300=6.66 total=344002605
full avg10=0.00 avg60=0.00 avg300=0.00 total=0
"""


def test_psi_fields() -> None:
    assert parse_pressure(PSI) == 2.54
    assert parse_pressure_total(PSI) == 344002605
    assert parse_pressure_total("") is None
    assert parse_pressure("some avg10=x total=1") is None


def test_stall_rate_is_the_share_of_the_window_spent_waiting() -> None:
    rate = StallRate(window=0.2)
    assert rate.update(0.0, 1_000) is None  # one reading: no rate yet
    assert rate.update(0.1, 1_000 + 50_000) == pytest.approx(50.0)  # 50 ms stalled of 100
    assert rate.update(0.2, 1_000 + 150_000) == pytest.approx(75.0)  # 150 of 200
    # The window slides: readings older than 200 ms drop out, so a calm 200 ms reads calm.
    rate.update(0.3, 151_000)
    rate.update(0.4, 151_000)
    assert rate.update(0.5, 151_000) == pytest.approx(0.0)


def test_stall_rate_reacts_within_a_window_not_ten_seconds() -> None:
    rate = StallRate(window=0.2)
    total, t = 0, 0.0
    for _ in range(40):  # one calm second in 25 ms ticks
        t += 0.025
        rate.update(t, total)
    readings = []
    for _ in range(4):  # full starvation starts: 25 ms stalled per 25 ms tick
        t += 0.025
        total += 25_000
        readings.append(rate.update(t, total))
    assert readings[-1] is not None and readings[-1] >= 40.0  # past the threshold in 100 ms


def test_stall_rate_clamps_and_forgets_a_vanished_counter() -> None:
    rate = StallRate(window=0.2)
    rate.update(0.0, 0)
    assert rate.update(0.1, 10**9) == 100.0  # more stall than wall time (several CPUs): capped
    assert rate.update(0.2, None) is None  # the cgroup went away
    assert rate.update(0.3, 5) is None  # starts afresh
