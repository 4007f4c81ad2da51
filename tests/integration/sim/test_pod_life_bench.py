"""``sigma bench pod-life`` at toy size: every write of every pod is made and seen."""

import asyncio
import json

import pytest

from sigma.cli import main as cli
from sigma.cli.bench import podlife as floor


def test_prints_one_line_per_informer_count_against_the_run_without(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli(["bench", "pod-life", "--pods", "30", "--json"]) == 0
    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["informers"] for r in lines] == [0, 1, 4]
    assert all(r["pods"] == 30 and r["us_per_pod"] > 0 and r["pods_per_s"] > 0 for r in lines)
    assert lines[0]["x_without_informers"] == 1.0


def test_a_change_that_writes_nothing_is_caught(monkeypatch: pytest.MonkeyPatch) -> None:
    """The writes are counted: a pod life that lost one (a status change refused because
    its uid did not match, say) fails the run instead of flattering it."""
    monkeypatch.setattr(floor.status, "finished", lambda uid, code, at: lambda pod: False)
    with pytest.raises(RuntimeError, match="writes for 3 pods"):
        asyncio.run(floor.pod_lives(3, 1))


def test_no_pods_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        floor.main(["--pods", "0"])
    assert exit_.value.code == 2
    assert "--pods: 0 is below 1" in capsys.readouterr().err
