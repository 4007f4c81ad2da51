"""Merge patches racing on one object through the Kubernetes door over etcd: each patch that names
no ``resourceVersion`` is applied again to a fresh read when another write got in between (as the
Kubernetes API server's update loop does), so none is refused with a 409 and none is lost. One
that names a stale version is refused."""

from __future__ import annotations

import concurrent.futures
import json
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from sigma.engines.etcd import EtcdEngine
from tests.integration.ctl._up import clean_env, sigma_up

pytestmark = [pytest.mark.etcd]

RACERS = 8
SET = "/apis/sigma.io/v1/interferencerulesets/raced"
BODY = {
    "apiVersion": "sigma.io/v1",
    "kind": "InterferenceRuleSet",
    "metadata": {"name": "raced"},
    "spec": {"rules": [{"appA": "default/web", "appB": "default/etl", "k": 3}]},
}


def _call(url: str, method: str, body: object, kind: str = "application/json") -> int:
    request = urllib.request.Request(url, json.dumps(body).encode(), method=method)
    request.add_header("Content-Type", kind)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code


def test_racing_merge_patches_are_all_applied(etcd_engine: EtcdEngine, tmp_path: Path) -> None:
    env = clean_env(tmp_path)
    env["SIGMA_KUBE_LISTEN"] = "127.0.0.1:0"
    with sigma_up(env, "--store", etcd_engine.url, "--bus", "memory://"):
        server = f"http://{env['SIGMA_KUBE']}"
        created = _call(f"{server}/apis/sigma.io/v1/interferencerulesets", "POST", BODY)
        assert created == 201

        def label(i: int) -> int:
            patch = {"metadata": {"labels": {f"racer-{i}": "yes"}}}
            return _call(server + SET, "PATCH", patch, "application/merge-patch+json")

        with concurrent.futures.ThreadPoolExecutor(RACERS) as pool:
            codes = list(pool.map(label, range(RACERS)))
        assert codes == [200] * RACERS
        with urllib.request.urlopen(server + SET, timeout=30) as response:
            stored = json.load(response)
        assert {f"racer-{i}" for i in range(RACERS)} <= set(stored["metadata"]["labels"])

        stale = {"metadata": {"resourceVersion": "1", "labels": {"late": "yes"}}}
        assert _call(server + SET, "PATCH", stale, "application/merge-patch+json") == 409
