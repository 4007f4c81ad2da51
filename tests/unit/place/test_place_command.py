"""``sigma place`` and ``sigma bench place`` end to end, through ``sigma.cli.main``."""

import json
from pathlib import Path

import pytest

from sigma.cli import main
from sigma.cli.place import synth
from tests.unit.place import _cases as cases


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("set")
    synth.write(synth.generate(synth.Shape(seed=1).scaled(0.005)), out)
    return out


def test_place_writes_a_valid_placement_and_the_judge_agrees(
    folder: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out, moves = tmp_path / "p.csv", tmp_path / "moves.csv"
    flags = ["--problem", str(folder), "--out", str(out), "--seconds", "5"]
    assert main(["place", *flags, "--from-current", str(moves)]) == 0
    said = capsys.readouterr().out
    assert "violations=0" in said and "machines_used=" in said and "moves_stuck=0" in said
    rows = out.read_text().splitlines()
    assert len(rows) == len((folder / "instances.csv").read_text().splitlines())
    # The moves, applied in order to the current machines, end at the placement written.
    at = dict(line.split(",")[::2] for line in (folder / "instances.csv").read_text().split())
    for line in moves.read_text().splitlines():
        instance, source, to = line.split(",")
        assert at[instance] == source
        at[instance] = to
    assert at == dict(row.split(",") for row in rows)
    assert main(["place", "--problem", str(folder), "--check", str(out), "--json"]) == 0
    judged = json.loads(capsys.readouterr().out)
    assert judged["violations"] == 0 and judged["cost"] > 0
    assert f"cost={judged['cost']}" in said


def test_a_placement_breaking_a_rule_is_judged_invalid(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    machines = {"m1": (10, 10, 100, 1, 1, 1)}
    apps = {"a": ([1.0] * 98, 1, 1, 0, 0, 0), "b": ([1.0] * 98, 1, 1, 0, 0, 0)}
    paths = cases.write_problem(tmp_path, machines, apps, ["a", "b"], [("a", "b", 0)])
    (tmp_path / "p.csv").write_text("i0,m1\ni1,m1\n")
    names = ("machines", "apps", "instances", "rules")
    flags = [f"--{n}={p}" for n, p in zip(names, paths, strict=True)]
    assert main(["place", *flags, "--check", str(tmp_path / "p.csv")]) == 1
    assert "violation: machine m1: rule <a, b, 0> holds 1 of b" in capsys.readouterr().out
    # Planned, the two cannot share the only machine: no valid placement, nothing written.
    assert main(["place", *flags, "--out", str(tmp_path / "q.csv")]) == 1
    assert "violation: instance i1 is on no machine" in capsys.readouterr().out
    assert not (tmp_path / "q.csv").exists()


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--problem", "{missing}", "--out", "{out}"], "sigma place: machines.csv:0: file:"),
        (["--problem", "{folder}"], "sigma place: --out: required"),
        (["--out", "{out}", "--seconds", "abc"], "sigma place: error: argument --seconds"),
        (["--problem", "{folder}", "--out", "{out}", "--beta", "0"], "sigma place: --beta:"),
        (["--problem", "{folder}", "--check", "{bad}"], "sigma place: bad.csv:1: machine_id:"),
    ],
)
def test_bad_input_is_one_line_exit_2_and_nothing_written(
    folder: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    flags: list[str],
    message: str,
) -> None:
    (tmp_path / "bad.csv").write_text("inst_1,nowhere\n")
    names = {"missing": tmp_path / "none", "folder": folder, "out": tmp_path / "p.csv"}
    names["bad"] = tmp_path / "bad.csv"
    assert main(["place", *(f.format(**names) for f in flags)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(message) and err.count("\n") == 1
    assert not (tmp_path / "p.csv").exists()


def test_bench_place_measures_the_baselines_in_the_same_run(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["bench", "place", "--scale", "0.005", "--seconds", "2", "--json"]) == 0
    rows = {r["placement"]: r for r in map(json.loads, capsys.readouterr().out.splitlines())}
    assert set(rows) == {"default", "first-fit", "planner-first", "planner"}
    for name in ("first-fit", "planner-first", "planner"):
        assert rows[name]["violations"] == 0
    assert rows["planner"]["cost"] <= rows["planner-first"]["cost"]
