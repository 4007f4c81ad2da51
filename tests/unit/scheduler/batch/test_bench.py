"""The benchmark at toy size: the job completes, every instance once, and the figures add up."""

from __future__ import annotations

import json

import pytest

from sigma.cli.bench import batch as bench


def test_a_run_completes_the_job_and_reports_its_figures(capsys: pytest.CaptureFixture) -> None:
    argv = ["--instances", "600", "--workers", "5", "--slots", "3", "--runs", "2", "--json"]
    assert bench.main([*argv, "--fail-rate", "0.05", "--interval", "0"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["run"] for r in rows] == [0, 1, "median"]
    for r in rows[:2]:
        assert r["phase"] == "succeeded" and r["instances"] == 600
        assert r["dispatched"] == 600 + r["retries"] and r["retries"] > 0
        assert r["instances_per_s"] > 0 and r["master_us_per_instance"] > 0
        # --interval 0 writes every changed task each round; still per task, not per instance
        assert 4 <= r["store_writes"] < 600
    assert rows[2]["store"] == "memory" and isinstance(rows[2]["meets_targets"], bool)


def test_the_job_shape_is_maps_then_one_reduce() -> None:
    spec = bench.job(1000, 4, "j")
    assert [(t.name, t.instances, t.depends_on) for t in spec.tasks] == [
        ("map-0", 300, ()),
        ("map-1", 300, ()),
        ("map-2", 300, ()),
        ("reduce", 100, (0, 1, 2)),
    ]
    assert bench.job(7, 1, "j").instances == 7


@pytest.mark.parametrize(
    "argv", [["--workers", "0"], ["--fail-rate", "0.7"], ["--store", "nope://x", "--runs", "1"]]
)
def test_bad_flags_exit_2(argv: list[str], capsys: pytest.CaptureFixture) -> None:
    with pytest.raises(SystemExit) as exit_:
        bench.main([*argv, "--instances", "10"])
    assert exit_.value.code == 2
    assert capsys.readouterr().err.count("\n") == 1  # one line on stderr
