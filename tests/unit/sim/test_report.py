"""The report's arithmetic against a case small enough to compute by hand."""

import json

import pytest

from sigma.cli.sim import (
    Eviction,
    JobRecord,
    NodeSample,
    PodSample,
    Samples,
    build_report,
    percentile,
)
from sigma.errors import Invalid

GIB = 2**30


def _node(t: float, name: str, online: tuple[int, int], batch: tuple[int, int]) -> NodeSample:
    return NodeSample(t, name, 4000, 8 * GIB, online[0], batch[0], online[1] * GIB, batch[1] * GIB)


def _samples() -> Samples:
    # Two nodes of 4 cores / 8 GiB, sampled at t=0 and t=300 over [0, 600).
    return Samples(
        start=0,
        end=600,
        interval_s=300,
        nodes=[
            _node(0, "a", online=(1000, 2), batch=(1000, 2)),
            _node(0, "b", online=(1000, 4), batch=(0, 0)),
            _node(300, "a", online=(2000, 4), batch=(2000, 4)),
            _node(300, "b", online=(1000, 4), batch=(1000, 0)),
        ],
        pods=[
            PodSample(0, "p1", 500, 500),
            PodSample(0, "p2", 1000, 800),  # short by 200: one unmet sample
            PodSample(300, "p1", 1500, 1500),
            PodSample(300, "p2", 1000, 1200),  # granted more than asked: met
        ],
        jobs=[
            JobRecord("j1", 0, 120),
            JobRecord("j2", 60, 600),
            JobRecord("j3", 300, None),  # still running
            JobRecord("j4", 100, 700),  # finished after the window
        ],
        latencies_s=[3, 1, 10, 2, 4],
        evictions=[Eviction(10, "x", "cpu"), Eviction(20, "y", "memory"), Eviction(30, "z", "cpu")],
    )


def test_report_matches_the_hand_computed_case() -> None:
    report = build_report(_samples())
    # CPU used / capacity: t=0 3000/8000 = 0.375, t=300 6000/8000 = 0.75.
    assert report["cpu"] == {
        "average": 0.5625,
        "p95": 0.75,  # nearest rank: ceil(0.95 * 2) = 2nd of [0.375, 0.75]
        "online_average": 0.3125,  # (2000/8000 + 3000/8000) / 2
        "batch_average": 0.25,  # (1000/8000 + 3000/8000) / 2
        "series": [[0, 0.375], [300, 0.75]],
    }
    # Memory: t=0 8/16 GiB, t=300 12/16 GiB.
    assert report["memory"] == {
        "average": 0.625,
        "p95": 0.75,
        "online_average": 0.4375,  # (6/16 + 8/16) / 2
        "batch_average": 0.1875,  # (2/16 + 4/16) / 2
        "series": [[0, 0.5], [300, 0.75]],
    }
    # Four pod samples of 300 s = 5 pod-minutes each; one short by 200 of 4000 demanded.
    assert report["online"] == {
        "pod_minutes": 20.0,
        "unmet_pod_minutes": 5.0,
        "unmet_share": 0.25,
        "unmet_cpu_share": 0.05,
    }
    # j1 (120 s) and j2 (540 s) finish inside the 600 s window: 2 jobs per 1/6 h.
    assert report["batch"] == {
        "submitted": 4,
        "finished": 2,
        "throughput_per_hour": 12.0,
        "completion_s": {"count": 2, "mean": 330.0, "p50": 120, "p95": 540, "max": 540},
        "cpu_core_hours": pytest.approx(1 / 3),  # (1000 + 3000) millicores x 300 s = 1200 core-s
    }
    # Latencies sorted [1, 2, 3, 4, 10]: p50 = 3rd, p95 = p99 = 5th.
    assert report["scheduling_latency_s"] == {
        "count": 5,
        "mean": 4.0,
        "p50": 3,
        "p95": 10,
        "p99": 10,
        "max": 10,
    }
    assert report["evictions"] == {
        "count": 3,
        "per_hour": 18.0,
        "by_reason": {"cpu": 2, "memory": 1},
    }
    assert report["window"] == {"start": 0, "end": 600, "interval_s": 300}


def test_report_is_json_serialisable_and_round_trips() -> None:
    report = build_report(_samples())
    assert json.loads(json.dumps(report, allow_nan=False)) == report


def test_empty_samples_give_nulls_not_errors() -> None:
    report = build_report(Samples(start=0, end=3600, interval_s=60))
    assert report["cpu"]["average"] is None
    assert report["online"]["unmet_share"] is None
    assert report["batch"]["throughput_per_hour"] == 0.0
    assert report["scheduling_latency_s"]["p99"] is None


@pytest.mark.parametrize(
    ("values", "p", "expected"),
    [
        ([5], 95, 5),
        ([1, 2, 3, 4], 50, 2),
        ([1, 2, 3, 4], 75, 3),
        ([4, 3, 2, 1], 100, 4),
        ([1, 2], 0, 1),
    ],
)
def test_percentile_is_nearest_rank(values: list[int], p: float, expected: int) -> None:
    assert percentile(values, p) == expected


def test_samples_reject_an_empty_window() -> None:
    with pytest.raises(Invalid, match="end"):
        Samples(start=10, end=10, interval_s=1)
    with pytest.raises(Invalid, match="interval_s"):
        Samples(start=0, end=10, interval_s=0)
