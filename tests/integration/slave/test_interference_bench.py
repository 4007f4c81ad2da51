"""``sigma bench interference`` at toy size: it brings its own engines, runs the three setups
(the server alone, beside batch without isolation, under the agent's QoS) and reports them.
Its figures are a benchmark's, not a test's: here only their shape and what must hold
whatever the machine's load (the QoS setup keeps batch off the server's CPUs)."""

from __future__ import annotations

import json

import pytest

from sigma.cli import main as cli
from sigma.cli.bench.interference import summary
from sigma.engines.containerd import why_unavailable
from sigma.resources.cpusets import parse_cpuset


@pytest.mark.containerd
def test_three_setups_in_one_run(capsys: pytest.CaptureFixture[str]) -> None:
    reason = why_unavailable()
    if reason:
        pytest.skip(reason)
    args = ["--rounds", "1", "--seconds", "1", "--batch", "1", "--json"]
    assert cli(["bench", "interference", *args]) == 0
    result = json.loads(capsys.readouterr().out)
    for setup in ("alone", "no_isolation", "qos"):
        got = result[setup]
        assert got["requests"] > 0 and got["errors"] == 0, setup
        assert 0 < got["p50_ms"] <= got["p99_ms"] <= got["p999_ms"], setup
    assert result["alone"]["batch_cpu_seconds"] == 0
    assert result["no_isolation"]["batch_cpu_seconds"] > 0
    qos = result["qos"]
    assert parse_cpuset(qos["online_cpus"]).isdisjoint(parse_cpuset(qos["batch_cpus"]))
    assert set(result["target"]) == {"p99_ratio_max", "batch_share_min", "met"}


def test_ratios_are_to_the_server_alone() -> None:
    def setup(p50: float, p99: float, share: float) -> dict[str, float]:
        return {"p50_ms": p50, "p99_ms": p99, "p999_ms": p99 * 2, "batch_cpu_share": share}

    got = summary(
        {
            "alone": setup(0.1, 0.5, 0.0),
            "no_isolation": setup(0.2, 3.0, 0.5),
            "qos": setup(0.1, 0.55, 0.5),
        }
    )
    assert (got["no_isolation"]["p99_ratio"], got["qos"]["p99_ratio"]) == (6.0, 1.1)
    assert got["target"]["met"]
    got = summary(
        {"alone": setup(0.1, 0.5, 0), "no_isolation": setup(1, 1, 1), "qos": setup(0.1, 0.5, 0.4)}
    )
    assert not got["target"]["met"]  # batch got less than half the node
