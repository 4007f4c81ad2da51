"""The replay's interference model: the safe batch share from a benchmark run, and the online
work that ran past it."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from sigma.cli.sim.interference import MEASURED, Calibration, assess, load
from sigma.errors import Invalid


def bench(share: float, ratio: float) -> dict[str, object]:
    return {"qos": {"batch_cpu_share": share, "p99_ratio": ratio}, "no_isolation": {"p99_ratio": 6}}


def test_a_kept_target_makes_the_measured_share_safe() -> None:
    cal = Calibration.from_bench(bench(0.45, 1.1), "run")
    assert (cal.safe_batch_share, cal.unisolated_p99_ratio) == (0.45, 6)


def test_a_missed_target_is_interpolated_from_alone() -> None:
    # p99 1.5x at 40% batch: 1.2x is reached at 40% x 0.2 / 0.5 = 16%.
    assert Calibration.from_bench(bench(0.4, 1.5), "run").safe_batch_share == 0.16


def test_a_file_that_is_no_bench_result_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "cal.json"
    path.write_text(json.dumps({"bench": "cri-start"}))
    with pytest.raises(Invalid, match="not a `sigma bench interference` result"):
        load(path)
    path.write_text(json.dumps(bench(0.3, 1.0)))
    assert load(path).safe_batch_share == 0.3


def test_online_work_past_the_safe_share_is_degraded() -> None:
    cal = Calibration.from_bench(bench(0.5, 1.0), "run")
    caps = np.array([1000.0, 1000.0])
    rows = [  # online cpu, batch cpu, online mem, batch mem; per node
        np.array([[100.0, 300.0], [400.0, 600.0], [0, 0], [0, 0]]),  # node 1 past 50%
        np.array([[100.0, 0.0], [500.0, 900.0], [0, 0], [0, 0]]),  # node 0 at 50%: safe
    ]
    got = assess(rows, caps, cal)
    assert got["degraded_cpu_share"] == pytest.approx(300 / 500)
    assert got["degraded_node_sample_share"] == pytest.approx(1 / 3)
    assert assess([], caps, cal)["degraded_cpu_share"] is None


def test_the_shipped_calibration_is_a_measured_one() -> None:
    assert "sigma bench interference" in MEASURED.source
    assert 0 < MEASURED.safe_batch_share <= 1
    assert MEASURED.unisolated_p99_ratio is not None and MEASURED.unisolated_p99_ratio > 1
