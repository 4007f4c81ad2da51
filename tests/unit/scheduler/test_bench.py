"""The benchmark at toy size: every workload places every pod and reports its figures."""

import json

import pytest

from sigma.cli.bench import scheduler as bench


@pytest.mark.parametrize("workload", ["basic", "spreading", "preemption"])
def test_workload_places_every_measured_pod(workload: str, capsys: pytest.CaptureFixture) -> None:
    assert bench.main(["--workload", workload, "--nodes", "300", "--pods", "400", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["workload"] == workload and out["placed"] == 400
    assert out["placements_per_s"] > 0 and 0 < out["p50_ms"] <= out["p99_ms"]
    if workload == "spreading":
        assert out["hard_skew_violations"] == 0
    if workload == "preemption":
        assert out["preemptions"] == 400 and out["victims"] >= 400
