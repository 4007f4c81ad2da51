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


def test_without_measures_the_profile_with_and_without_plugins_in_one_run(
    capsys: pytest.CaptureFixture,
) -> None:
    argv = ["--workload", "basic", "--nodes", "200", "--pods", "100", "--json"]
    assert bench.main([*argv, "--without", "ConvexCost,Interference"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["profile"] for r in rows] == ["default", "default without ConvexCost,Interference"]
    assert all(r["placed"] == 100 for r in rows)
    with pytest.raises(SystemExit) as exit_:
        bench.main([*argv, "--without", "Nope"])
    assert exit_.value.code == 2
