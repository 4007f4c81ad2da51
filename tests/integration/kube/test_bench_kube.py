"""``sigma bench kube`` at toy size: both doors list every pod, and every watcher reads every
change (a watch that dropped one would hang the run, not flatter it)."""

from __future__ import annotations

import json

import pytest

from sigma.cli import main as cli


def test_prints_list_get_and_watch_against_grpc(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["--pods", "120", "--gets", "10", "--watchers", "3", "--changes", "40", "--json"]
    assert cli(["bench", "kube", *argv]) == 0
    rows = {r["op"]: r for r in map(json.loads, capsys.readouterr().out.splitlines())}
    assert set(rows) == {"list", "get", "watch"}
    assert rows["list"]["n"] == 120 and rows["list"]["per_s_kube"] > 0
    assert rows["list"]["kube_x_grpc"] > 0 and rows["get"]["per_s_grpc"] > 0
    assert rows["watch"]["events_delivered_per_s"] >= rows["watch"]["changes_per_s"] * 3 - 3


def test_more_changes_than_pods_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        cli(["bench", "kube", "--pods", "5", "--changes", "6"])
    assert stopped.value.code == 2
    assert "--changes: 6 is more than --pods 5" in capsys.readouterr().err
