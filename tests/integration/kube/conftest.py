"""One ``sigma up`` (free ports, the demo applied) with its Kubernetes API on, for the kubectl
and Python-client tests, and a kubeconfig for it written by ``sigmactl config kubeconfig``."""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sigma.testing.wait import eventually_sync
from tests.integration.ctl._up import EXAMPLES, clean_env, ctl, sigma_up

KUBECTL = shutil.which("kubectl")


@dataclass(frozen=True, slots=True)
class Cluster:
    env: dict[str, str]
    kubeconfig: Path
    server: str  # http://host:port

    def kubectl(self, *args: str, code: int | None = 0) -> subprocess.CompletedProcess[str]:
        """The real kubectl with the kubeconfig sigmactl wrote; its exit must be ``code``."""
        assert KUBECTL is not None
        done = subprocess.run(
            [KUBECTL, "--kubeconfig", str(self.kubeconfig), *args],
            capture_output=True,
            text=True,
            timeout=90,
        )
        assert code is None or done.returncode == code, (args, done.stdout, done.stderr)
        return done

    def popen(self, *args: str) -> subprocess.Popen[str]:
        assert KUBECTL is not None
        return subprocess.Popen(
            [KUBECTL, "--kubeconfig", str(self.kubeconfig), *args],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )


def web_runs(cluster: Cluster) -> bool:
    listed = cluster.kubectl("get", "pods", "-l", "app=web", "-o", "json", code=None)
    if listed.returncode != 0:  # not yet: the demo is still being applied
        return False
    pods = json.loads(listed.stdout)["items"]
    return any(p["status"]["phase"] == "Running" for p in pods)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    if KUBECTL is None:
        pytest.skip("kubectl is not on PATH (make engines installs it)")
    home = tmp_path_factory.mktemp("kube")
    env = clean_env(home)
    env["SIGMA_KUBE_LISTEN"] = "127.0.0.1:0"  # on, on a free port
    with sigma_up(env, "--demo", str(EXAMPLES)):
        assert ":7080" not in env["SIGMA_KUBE"]
        kubeconfig = home / "kubeconfig"
        ctl(env, "config", "kubeconfig", "--out", str(kubeconfig))
        cluster = Cluster(env, kubeconfig, f"http://{env['SIGMA_KUBE']}")
        eventually_sync(lambda: web_runs(cluster), timeout=90, what="the demo's web pods run")
        yield cluster
