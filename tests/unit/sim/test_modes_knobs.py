"""The replay's modes and the knobs of memory realism: pure functions, no replay run."""

from __future__ import annotations

import numpy as np
import pytest

from sigma.cli.sim.load import UsageCurve
from sigma.cli.sim.replay import MODES, Switches, switches
from sigma.cli.sim.run import attribution
from sigma.cli.sim.workload import Knobs, flatten
from sigma.errors import Invalid


def test_each_mode_turns_on_its_own_switches() -> None:
    assert MODES == ("pools", "static", "reclaim", "timesharing")
    assert switches("pools") == Switches(pools=True, reclaim=False, shrink=False)
    assert switches("static") == Switches(pools=False, reclaim=False, shrink=False)
    # The fourth mode: usage-based reclaim on, the time-sharing shrink off.
    assert switches("reclaim") == Switches(pools=False, reclaim=True, shrink=False)
    assert switches("timesharing") == Switches(pools=False, reclaim=True, shrink=True)
    with pytest.raises(Invalid):
        switches("shrink")


def test_flatten_lifts_the_trough_to_its_share_of_the_peak() -> None:
    curve = UsageCurve(300, (0.2, 0.5, 0.8), (0.9, 0.9, 0.9))
    flat = flatten(curve, 0.85)
    assert flat.cpu == pytest.approx((0.68, 0.74, 0.8))  # 0.85 x 0.8 = 0.68; linear between
    assert flat.memory == curve.memory
    assert flatten(curve, None) is curve
    assert flatten(flat, 0.5) is flat  # already flatter than asked
    assert np.argmax(flat.cpu) == np.argmax(curve.cpu)


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("batch_model", "threads"),
        ("online_memory_share", 1.5),
        ("online_memory_share", 0.0),
        ("trough", -0.1),
        ("idle_share", 2.0),
    ],
)
def test_knobs_out_of_range_are_invalid_naming_the_field(field: str, value: object) -> None:
    with pytest.raises(Invalid) as caught:
        Knobs(**{field: value})  # type: ignore[arg-type]
    assert field in str(caught.value)


def _result(**core_hours: float) -> dict[str, object]:
    return {mode: {"batch": {"cpu_core_hours": h}} for mode, h in core_hours.items()}


def test_the_gain_over_static_splits_into_reclaim_and_shrink() -> None:
    split = attribution(_result(static=100.0, reclaim=160.0, timesharing=200.0))
    assert split == {
        "batch_core_hours_gain": 100.0,
        "reclaim_core_hours": 60.0,
        "shrink_core_hours": 40.0,
        "shrink_share_of_gain": 0.4,
    }
    # A mode missing (--mode static, say): no split rather than a wrong one.
    assert attribution(_result(static=100.0, timesharing=200.0)) == {}
    assert (
        attribution(_result(static=100.0, reclaim=100.0, timesharing=100.0))["shrink_share_of_gain"]
        is None
    )
