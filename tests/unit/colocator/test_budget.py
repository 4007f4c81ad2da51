"""The capacity formula, the online estimate, staleness and hysteresis, as tables."""

from __future__ import annotations

import pytest

from sigma.colocator.capacity.formula import (
    Policy,
    Res,
    Sample,
    Thresholds,
    compute,
    percentile,
    reason_for,
    settle,
    terms_for,
)

GiB = 1 << 30
CAP = Res(10_000, 100 * GiB)
TH = Thresholds(0.6, 0.65)
POLICY = Policy(TH, reserve=Res(500, 2 * GiB), percentile=0.95, window=300, stale_after=60)


@pytest.mark.parametrize(
    ("online", "system", "reserve", "want"),
    [
        # 10 cores x 0.6 = 6000; 100 GiB x 0.65 = 65 GiB
        (Res(0, 0), Res(0, 0), Res(0, 0), Res(6000, 65 * GiB)),
        (Res(2000, 20 * GiB), Res(500, 5 * GiB), Res(500, 2 * GiB), Res(3000, 38 * GiB)),
        # online alone above the threshold: floored at zero, per resource
        (Res(7000, 10 * GiB), Res(0, 0), Res(0, 0), Res(0, 55 * GiB)),
        (Res(1000, 70 * GiB), Res(0, 0), Res(0, 0), Res(5000, 0)),
        (Res(5000, 60 * GiB), Res(1000, 5 * GiB), Res(1, 1), Res(0, 0)),
    ],
)
def test_formula(online: Res, system: Res, reserve: Res, want: Res) -> None:
    terms = compute(CAP, TH, online, system, reserve)
    assert terms.result == want
    assert (terms.online, terms.system, terms.reserve, terms.capacity) == (
        online,
        system,
        reserve,
        CAP,
    )


@pytest.mark.parametrize(
    ("values", "q", "want"),
    [([], 0.95, 0), ([5], 0.95, 5), (list(range(1, 101)), 0.95, 95), ([1, 9, 2], 0.5, 2)],
)
def test_percentile_is_nearest_rank(values: list[int], q: float, want: int) -> None:
    assert percentile(values, q) == want


def _sample(at: float, online_cpu: int, system_cpu: int = 0) -> Sample:
    return Sample(at, CAP, Res(online_cpu, 10 * GiB), Res(), Res(system_cpu, GiB))


def test_estimate_is_a_high_percentile_of_the_window_not_the_last_sample() -> None:
    # a 20 s burst to 3000 among 1000s: the estimate keeps it while it is in the window
    samples = [_sample(t, 3000 if t in (100, 110) else 1000) for t in range(0, 450, 10)]
    terms, cause = terms_for(samples[:20], POLICY, now=195)
    assert cause == "" and terms.online.cpu == 3000
    assert terms.result.cpu == 6000 - 3000 - 0 - 500
    assert samples[19].online.cpu == 1000  # the last sample alone would have said 1000
    terms, _ = terms_for(samples, POLICY, now=445)  # the burst left the 300 s window
    assert terms.online.cpu == 1000
    assert terms.system == Res(0, GiB)  # system is the last sample's


@pytest.mark.parametrize(
    ("age", "cause", "cpu"),
    [(0, "", 4500), (60, "", 4500), (61, "UsageStale", 0), (3600, "UsageStale", 0)],
)
def test_stale_usage_degrades_capacity_to_zero(age: float, cause: str, cpu: int) -> None:
    terms, why = terms_for([_sample(1000, 1000)], POLICY, now=1000 + age)
    assert (why, terms.result.cpu) == (cause, cpu)
    if cause:
        assert terms.result == Res(0, 0)


def test_no_samples_means_no_capacity() -> None:
    terms, why = terms_for([], POLICY, now=5)
    assert (why, terms.result) == ("NoUsage", Res())


HP = Policy(TH, rise_margin=0.05, rise_hold=60)  # margin: 500 millicores, 5 GiB


@pytest.mark.parametrize(
    ("previous", "since", "proposed", "want", "case"),
    [
        (None, 0, Res(3000, 10 * GiB), Res(3000, 10 * GiB), "first figure is taken as is"),
        (Res(3000, 10 * GiB), 0, Res(2990, 10 * GiB), Res(2990, 10 * GiB), "drop: at once"),
        (Res(3000, 10 * GiB), 0, Res(0, 0), Res(0, 0), "drop to zero at once"),
        (Res(3000, 10 * GiB), 10, Res(4000, 10 * GiB), Res(3000, 10 * GiB), "rise: hold"),
        (Res(3000, 10 * GiB), 60, Res(3400, 10 * GiB), Res(3000, 10 * GiB), "rise < margin"),
        (Res(3000, 10 * GiB), 60, Res(3500, 10 * GiB), Res(3500, 10 * GiB), "rise = margin"),
        (Res(3000, 10 * GiB), 60, Res(3500, 12 * GiB), Res(3500, 10 * GiB), "per resource"),
        (Res(3000, 10 * GiB), 10, Res(2000, 20 * GiB), Res(2000, 10 * GiB), "mixed"),
    ],
)
def test_hysteresis(
    previous: Res | None, since: float, proposed: Res, want: Res, case: str
) -> None:
    assert settle(previous, 1000, proposed, CAP, HP, now=1000 + since) == want, case


def test_hysteresis_stops_flapping_on_an_oscillating_estimate() -> None:
    """Proposals alternating 3000/3300 every 10 s: one drop, then the figure stays put."""
    figure, changed_at, writes = Res(3300, 0), 0.0, 0
    for step in range(1, 60):
        proposed = Res(3000 if step % 2 else 3300, 0)
        new = settle(figure, changed_at, proposed, CAP, HP, now=step * 10.0)
        if new != figure:
            figure, changed_at, writes = new, step * 10.0, writes + 1
    assert writes == 1 and figure == Res(3000, 0)


@pytest.mark.parametrize(
    ("previous", "result", "cause", "want"),
    [
        (None, Res(1, 1), "", "NodeRegistered"),
        (Res(5, 5), Res(4, 5), "", "UsageRose"),
        (Res(5, 5), Res(6, 6), "", "UsageFell"),
        (Res(5, 5), Res(0, 0), "UsageStale", "UsageStale"),
    ],
)
def test_reason(previous: Res | None, result: Res, cause: str, want: str) -> None:
    assert reason_for(previous, result, cause) == want
