"""An App's daily load and its pods' CPU curves (``sigma.resources.curves``)."""

import numpy as np
import pytest

from sigma.resources.curves import SLOTS, app_load, carries_curve, cpu_curve, daily_load
from sigma.resources.qos import BE, LS, LSE
from sigma.v1 import app_pb2


def test_an_hourly_profile_repeats_over_its_quarters_and_peaks_at_one() -> None:
    load = daily_load(3600, [0.25] * 12 + [0.5] + [0.25] * 11)
    assert load is not None and load.shape == (SLOTS,)
    assert load[48:52].tolist() == [1.0] * 4  # 12:00 to 13:00, the peak
    assert load[:48].tolist() == [0.5] * 48 and load[52:].tolist() == [0.5] * 44


def test_a_finer_profile_takes_the_highest_load_of_each_slot() -> None:
    five_minutes = [0.1] * 288
    five_minutes[100] = 0.4  # 08:20 to 08:25, inside our slot 33 (08:15 to 08:30)
    load = daily_load(300, five_minutes)
    assert load is not None
    assert load[33] == 1.0 and np.count_nonzero(load == 1.0) == 1
    assert load[32] == pytest.approx(0.25) and load[34] == pytest.approx(0.25)


@pytest.mark.parametrize(
    ("slot_seconds", "values"),
    [(3600, []), (3600, [1.0] * 23), (0, [1.0]), (3600, [0.0] * 24), (3600, [-1.0] * 24)],
)
def test_an_unusable_profile_gives_no_load(slot_seconds: int, values: list[float]) -> None:
    assert daily_load(slot_seconds, values) is None


def test_the_given_profile_wins_over_the_learned_one_and_either_will_do() -> None:
    app = app_pb2.App()
    assert app_load(app) is None
    app.status.learned_profile.slot_seconds = 43200
    app.status.learned_profile.load.extend([1.0, 0.5])
    learned = app_load(app)
    assert learned is not None and learned[0] == 1.0 and learned[-1] == 0.5
    app.spec.time_sharing.profile.slot_seconds = 43200
    app.spec.time_sharing.profile.load.extend([0.2, 0.8])
    given = app_load(app)
    assert given is not None and given[0] == 0.25 and given[-1] == 1.0


def test_a_pod_curve_is_its_request_at_the_peak_in_whole_millicores() -> None:
    load = daily_load(43200, [1.0, 0.3333])
    assert load is not None
    curve = cpu_curve(load, 1500)
    assert curve.max() == 1500 and curve[-1] == 500  # 1500 x 0.3333 rounded
    assert np.array_equal(curve, np.rint(curve))


def test_only_shared_pool_pods_asking_for_cpu_carry_a_curve() -> None:
    assert carries_curve(LS, 100)
    assert not carries_curve(LS, 0) and not carries_curve(LSE, 2000) and not carries_curve(BE, 1)
