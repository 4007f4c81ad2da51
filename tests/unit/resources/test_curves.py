"""An App's daily load and its pods' CPU curves (``sigma.resources.curves``)."""

import numpy as np
import pytest

from sigma.resources.curves import (
    SLOTS,
    app_load,
    carries_curve,
    cpu_curve,
    daily_load,
    pod_load,
)
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


def hourly_app(replicas: int, floor: int, headroom: float, shared: bool) -> app_pb2.App:
    app = app_pb2.App()
    app.spec.replicas, app.spec.min_replicas = replicas, floor
    app.spec.time_sharing.enabled = shared
    app.spec.time_sharing.headroom = headroom
    app.spec.time_sharing.profile.slot_seconds = 3600
    app.spec.time_sharing.profile.load.extend([0.1] * 6 + [0.5] * 6 + [1.0] * 6 + [0.8] * 6)
    return app


def test_without_time_sharing_each_pod_follows_the_app_load() -> None:
    load = pod_load(hourly_app(10, 2, 0.2, shared=False))
    assert load is not None and load[0] == pytest.approx(0.1) and load[-1] == pytest.approx(0.8)


def test_a_time_shared_pod_carries_the_load_of_the_replicas_kept_for_it() -> None:
    load = pod_load(hourly_app(10, 2, 0.2, shared=True))
    assert load is not None
    # 1.0: 12 wanted, 10 kept, each at 1.0; 0.8: 10 kept (9.6 rounded up), each 0.8;
    # 0.5: 6 kept, each 5/6; 0.1: the floor of 2 kept, each 0.5
    assert load[48] == pytest.approx(1.0) and load[-1] == pytest.approx(0.8)
    assert load[24] == pytest.approx(5 / 6) and load[0] == pytest.approx(0.5)
    no_floor = pod_load(hourly_app(10, 0, 0.2, shared=True))  # 0: spec.replicas, no shrink
    assert no_floor is not None and no_floor[0] == pytest.approx(0.1)
