"""Restart back-off: 1 s, doubling to a 5 min cap, reset by a run of 10 minutes or more."""

from __future__ import annotations

from sigma.slave.pods.backoff import Backoff

KEY = ("uid-1", "main")


def test_delays_double_from_one_second_up_to_the_cap() -> None:
    b = Backoff()
    t, delays = 0.0, []
    for attempt in range(12):
        due = b.due(KEY, attempt, started_at=t, finished_at=t + 1)  # one-second runs: crashing
        delays.append(due - (t + 1))
        t = due
    assert delays == [1, 2, 4, 8, 16, 32, 64, 128, 256, 300, 300, 300]


def test_asking_again_about_the_same_exit_gives_the_same_answer() -> None:
    b = Backoff()
    first = b.due(KEY, 0, 0.0, 1.0)
    assert b.due(KEY, 0, 0.0, 1.0) == first == 2.0  # reconcile asks on every pass
    assert b.due(KEY, 1, 2.0, 3.0) == 5.0  # the next exit doubles


def test_ten_minutes_of_running_resets_the_delay() -> None:
    b = Backoff()
    b.due(KEY, 0, 0.0, 1.0)
    b.due(KEY, 1, 2.0, 3.0)
    assert b.due(KEY, 2, 5.0, 5.0 + 599) - (5.0 + 599) == 4  # just short of healthy
    assert b.due(KEY, 3, 1000.0, 1600.0) - 1600.0 == 1


def test_containers_and_pods_back_off_apart_and_gone_pods_are_forgotten() -> None:
    b = Backoff()
    b.due(("uid-1", "main"), 0, 0.0, 1.0)
    b.due(("uid-1", "main"), 1, 2.0, 3.0)
    assert b.due(("uid-1", "side"), 0, 0.0, 1.0) == 2.0
    assert b.due(("uid-2", "main"), 0, 0.0, 1.0) == 2.0
    b.keep_only(["uid-2"])
    assert b.due(("uid-1", "main"), 2, 5.0, 6.0) == 7.0  # a new pod's first exit: 1 s again
