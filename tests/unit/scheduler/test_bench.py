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


def test_a_share_of_nodes_to_score_is_measured_against_a_baseline_in_one_run(
    capsys: pytest.CaptureFixture,
) -> None:
    argv = ["--workload", "basic", "--nodes", "400", "--pods", "600", "--json"]
    assert bench.main([*argv, "--percentage-of-nodes-to-score", "100"]) == 0
    base, sampled = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert base["profile"] == "default at percentage_of_nodes_to_score 100"
    assert sampled["profile"] == "default" and base["placed"] == sampled["placed"] == 600
    assert 0 < sampled["score_vs_full_scan"] <= 1 and 0 <= sampled["best_node_share"] <= 1
    assert sampled["placements_ratio"] > 0 and sampled["p99_ratio"] > 0
    assert base["nodes_used"] > 0 and 0 < sampled["cpu_share_mean"] <= sampled["cpu_share_max"]
    for bad in ("0", "101"):
        with pytest.raises(SystemExit) as exit_:
            bench.main([*argv, "--percentage-of-nodes-to-score", bad])
        assert exit_.value.code == 2
