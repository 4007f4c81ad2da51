"""sigmactl against `sigma up`, both as a user runs them: separate processes, the printed ports
(free ones: `sigma up --ports-from 0`).

Applies the examples, waits for the App's pods to run and for batch to land beside them, checks
get / describe / scale / explain / budget output, then stops `sigma up` with Ctrl-C.
"""

from __future__ import annotations

import json
import signal
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from sigma.testing.procs import outlived
from sigma.testing.wait import eventually_sync
from tests.integration.ctl._up import EXAMPLES, clean_env, ctl, sigma_up


@pytest.fixture
def env(tmp_path: Path) -> dict[str, str]:
    return clean_env(tmp_path)


@pytest.fixture
def up(env: dict[str, str]) -> Iterator[subprocess.Popen[str]]:
    with sigma_up(env) as proc:
        yield proc


def pods(env: dict[str, str], *selector: str) -> list[dict[str, Any]]:
    out = ctl(env, "get", "pods", *selector, "-o", "json").stdout
    return list(json.loads(out)["items"]) if out.strip() else []


def _running_web(env: dict[str, str]) -> list[dict[str, Any]]:
    web = [p for p in pods(env, "-l", "app=web") if "deletionTimestamp" not in p["meta"]]
    running = all(p["status"].get("phase") == "POD_PHASE_RUNNING" for p in web)
    return web if web and running else []


def test_apply_get_describe_scale_and_stop(env: dict[str, str], up: subprocess.Popen[str]) -> None:
    _apply_the_examples(env)
    web = _wait_for_web_and_batch_beside_it(env)
    _check_the_tables(env)
    _check_describe_and_explain(env, web[0])
    _check_budget(env, web[0]["spec"]["nodeName"])
    _check_scale(env)
    _stop_with_ctrl_c(up)


def _apply_the_examples(env: dict[str, str]) -> None:
    applied = ctl(env, "apply", "-f", str(EXAMPLES)).stdout.splitlines()
    assert sorted(applied) == [
        "app/web created",
        "batchjob/etl created",
        "interferenceruleset/demo-rules created",
        "node/rack1-host7 created",
    ]
    again = ctl(env, "apply", "-f", str(EXAMPLES / "etl-job.yaml")).stdout
    assert again == "batchjob/etl unchanged\n"


def _wait_for_web_and_batch_beside_it(env: dict[str, str]) -> list[dict[str, Any]]:
    """The App's pods, once all run and a batch pod (BE) runs on a node beside one of them."""
    web = eventually_sync(
        lambda: _running_web(env), timeout=60, what="the App's pods to run", interval=1.0
    )
    web_nodes = {p["spec"]["nodeName"] for p in web}

    def batch_beside_online() -> list[dict[str, Any]]:
        placed = [p for p in pods(env) if p["spec"].get("ownerName") == "etl"]
        return [p for p in placed if p["spec"].get("nodeName") in web_nodes]

    batch = eventually_sync(
        batch_beside_online,
        timeout=60,
        what="a batch pod on a node running online pods",
        interval=1.0,
    )
    assert all(p["spec"]["qosClass"] == "QOS_CLASS_BE" for p in batch)
    return web


def _check_the_tables(env: dict[str, str]) -> None:
    table = ctl(env, "get", "apps").stdout.splitlines()
    assert table[0].split() == [
        "NAME",
        "DESIRED",
        "TARGET",
        "CURRENT",
        "READY",
        "AVAILABLE",
        "UP-TO-DATE",
        "QOS",
        "TIME-SHARING",
        "AGE",
    ]
    assert table[1].split()[:2] == ["web", "3"] and table[1].split()[7:9] == ["LS", "1..3"]
    nodes = ctl(env, "get", "nodes").stdout
    assert "rack1-host7" in nodes and "Cordoned" in nodes


def _check_describe_and_explain(env: dict[str, str], web_pod: dict[str, Any]) -> None:
    name, node = web_pod["meta"]["name"], web_pod["spec"]["nodeName"]
    described = ctl(env, "describe", "app", "web").stdout
    for expected in ("Name:        web", "Namespace:   default", "Pods:", "Events:"):
        assert expected in described
    assert "PublishSucceeded" in described and name in described

    recorded = ctl(env, "explain", "pod", name).stdout
    assert f"Decided when placed: placed on {node}: score " in recorded
    assert "feasible nodes" in recorded and "Chosen:" not in recorded  # not re-run now
    explained = ctl(env, "explain", "pod", name, "--now").stdout
    assert f"Chosen: {node}" in explained
    assert "rack1-host7   no" in explained and "cordoned" in explained


def _check_budget(env: dict[str, str], node: str) -> None:
    budget = ctl(env, "budget", node, code=None)
    if budget.returncode == 0:
        assert "batch-capacity changes (newest first)" in budget.stdout
    else:  # a cluster whose colocator serves health only
        assert budget.returncode == 2
        colocator = env["SIGMA_COLOCATOR"]
        assert budget.stderr == (
            f"sigmactl: the colocator at {colocator} does not serve sigma.v1.Colocator\n"
        )


def _check_scale(env: dict[str, str]) -> None:
    scaled = ctl(env, "scale", "app", "web", "--replicas", "1").stdout
    assert scaled.startswith("app/web scaled to 1 (task app.web.scale.")
    eventually_sync(
        lambda: len(_running_web(env)) == 1,
        timeout=60,
        what="the App to scale down to one pod",
        interval=1.0,
    )

    refused = ctl(env, "scale", "app", "web", "--replicas", "100000", code=None)
    assert refused.returncode == 2 and refused.stderr.count("\n") == 1
    assert refused.stderr.startswith("sigmactl: replicas: ")


def _stop_with_ctrl_c(up: subprocess.Popen[str]) -> None:
    children = psutil.Process(up.pid).children(recursive=True)
    up.send_signal(signal.SIGINT)
    assert up.wait(timeout=30) == 0
    # with the embedded store nothing could adopt a pod process left behind
    assert not (left := outlived(children)), f"pod processes outlived sigma up: {left}"
