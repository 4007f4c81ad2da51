"""The benchmark at toy size: every workload places every pod and reports its figures."""

import json

import pytest

from sigma.cli.bench import scheduler as bench


def rows(capsys: pytest.CaptureFixture, *argv: str) -> list[dict]:
    """The bench's JSON rows for ``argv``."""
    assert bench.main([*argv, "--json"]) == 0
    return [json.loads(line) for line in capsys.readouterr().out.splitlines()]


@pytest.mark.parametrize("workload", ["basic", "spreading", "preemption", "rules"])
def test_workload_places_every_measured_pod(workload: str, capsys: pytest.CaptureFixture) -> None:
    assert bench.main(["--workload", workload, "--nodes", "300", "--pods", "400", "--json"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["workload"] == workload and out["placed"] == 400
    assert out["placements_per_s"] > 0 and 0 < out["p50_ms"] <= out["p99_ms"]
    if workload == "spreading":
        assert out["hard_skew_violations"] == 0
    if workload == "rules":
        assert out["rule_violations"] == 0
    if workload == "preemption":
        assert out["preemptions"] == 400 and out["victims"] >= 400


def test_the_rules_recount_sees_what_the_interference_filter_keeps_out(
    capsys: pytest.CaptureFixture,
) -> None:
    argv = ["--workload", "rules", "--nodes", "100", "--pods", "900"]
    kept, broken = rows(capsys, *argv, "--without", "Interference")
    assert kept["rule_violations"] == 0 and broken["rule_violations"] > 0


def test_without_measures_the_profile_with_and_without_plugins_in_one_run(
    capsys: pytest.CaptureFixture,
) -> None:
    argv = ["--workload", "basic", "--nodes", "200", "--pods", "100"]
    got = rows(capsys, *argv, "--without", "ConvexCost,Interference")
    assert [r["profile"] for r in got] == ["default", "default without ConvexCost,Interference"]
    assert all(r["placed"] == 100 for r in got)
    with pytest.raises(SystemExit) as exit_:
        bench.main([*argv, "--without", "Nope"])
    assert exit_.value.code == 2


def test_a_share_of_nodes_to_score_is_measured_against_a_baseline_in_one_run(
    capsys: pytest.CaptureFixture,
) -> None:
    argv = ["--workload", "basic", "--nodes", "400", "--pods", "600"]
    base, sampled = rows(capsys, *argv, "--percentage-of-nodes-to-score", "100")
    assert base["profile"] == "default at percentage_of_nodes_to_score 100"
    assert sampled["profile"] == "default" and base["placed"] == sampled["placed"] == 600
    assert 0 < sampled["score_vs_full_scan"] <= 1 and 0 <= sampled["best_node_share"] <= 1
    assert sampled["placements_ratio"] > 0 and sampled["p99_ratio"] > 0
    assert base["nodes_used"] > 0 and 0 < sampled["cpu_share_mean"] <= sampled["cpu_share_max"]
    for bad in ("0", "101"):
        with pytest.raises(SystemExit) as exit_:
            bench.main([*argv, "--percentage-of-nodes-to-score", bad])
        assert exit_.value.code == 2


def test_time_aware_runs_the_workload_with_and_without_curves_in_one_run(
    capsys: pytest.CaptureFixture,
) -> None:
    plain, timed = rows(capsys, "--workload", "rules", "--nodes", "200", "--pods", "600",
                        "--time-aware")  # fmt: skip
    assert plain["profile"] == "default" and "curve_overflows" not in plain
    assert timed["profile"] == bench.TIMED and timed["placed"] == 600
    assert timed["curve_overflows"] == 0 and timed["rule_violations"] == 0
    assert timed["placements_ratio"] > 0 and timed["p99_ratio"] > 0
