"""``sigma bench cri-start`` at toy size: it brings its own engines, starts pods, and reports."""

from __future__ import annotations

import json

import pytest

from sigma.cli import main as cli
from sigma.engines.containerd import why_unavailable

pytestmark = pytest.mark.containerd


def test_reports_container_and_pod_start_percentiles(capsys: pytest.CaptureFixture[str]) -> None:
    reason = why_unavailable()
    if reason:
        pytest.skip(reason)
    assert cli(["bench", "cri-start", "--starts", "3", "--json"]) == 0
    (line,) = capsys.readouterr().out.splitlines()
    result = json.loads(line)
    assert result["starts"] == 3 and result["runtime"].startswith("containerd ")
    assert 0 < result["container_p50_ms"] <= result["container_max_ms"]
    assert result["container_p50_ms"] < result["pod_p50_ms"]


def test_no_starts_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli(["bench", "cri-start", "--starts", "0"])
    assert exited.value.code == 2
    assert "--starts must be at least 1" in capsys.readouterr().err
