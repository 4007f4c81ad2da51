"""The compose cluster, run: a project-local dockerd, the images built from Debian packages and
PyPI (cached between runs), `docker compose up` with two schedulers and three slaves on the host
network, the demo applied with sigmactl from the host and seen through the Kubernetes API, a
tier's container crashed and restarted by compose, the engines' data kept on their volumes
across `down` and `up`, and `down -v` leaving nothing behind.

Skipped, with the one-line reason, only where the engine cannot run (not root, `make engines`
not run). A first run builds the base images (minutes); later runs reuse them.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import subprocess
import sys
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer

from sigma.engines._process import free_port
from sigma.events import topic_for
from sigma.testing.wait import eventually_sync

ROOT = Path(__file__).resolve().parents[2]
IMAGES = ROOT / "compose" / "images"
DOCKER = [str(IMAGES / "docker.sh"), "docker"]
PLUGIN = ROOT / ".engines" / "docker" / "config" / "cli-plugins" / "docker-compose"
SCALE = {"scheduler": 2, "slave": 3}
PORTS = ("ETCD", "ETCD_PEER", "KAFKA", "KAFKA_CONTROLLER", "APISERVER", "KUBE")

pytestmark = pytest.mark.timeout(900)


def why_unavailable() -> str | None:
    """The one-line reason the compose cluster cannot run here, or None."""
    if os.geteuid() != 0:
        return "dockerd needs root"
    for tool in ("dockerd", "docker", "mmdebstrap"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed; run `make engines`"
    if not PLUGIN.exists():
        return "the docker compose plugin is not built; run `make engines`"
    return None


def run(*args: str, timeout: float = 120, env: dict[str, str] | None = None) -> str:
    done = subprocess.run(args, capture_output=True, text=True, timeout=timeout, env=env, cwd=ROOT)
    assert done.returncode == 0, f"{' '.join(args)} failed:\n{done.stdout}{done.stderr}"
    return done.stdout


@pytest.fixture(scope="module")
def dockerd() -> Iterator[None]:
    reason = why_unavailable()
    if reason:
        pytest.skip(reason)
    started = "started" in run(str(IMAGES / "docker.sh"), "start")
    try:
        run("bash", str(IMAGES / "build.sh"), timeout=900)
        yield
    finally:
        if started:
            run(str(IMAGES / "docker.sh"), "stop")


class Compose:
    """`docker compose` on one project of the local images and the host-network override."""

    def __init__(self) -> None:
        self.project = f"sigma-test-{uuid.uuid4().hex[:8]}"
        self.env = {**os.environ, **{f"SIGMA_{p}_PORT": str(free_port()) for p in PORTS}}
        self.apiserver = f"127.0.0.1:{self.env['SIGMA_APISERVER_PORT']}"
        self.kafka = f"127.0.0.1:{self.env['SIGMA_KAFKA_PORT']}"

    def __call__(self, *args: str, timeout: float = 120) -> str:
        files = ["-f", "compose/docker-compose.yml", "-f", "compose/docker-compose.host.yml"]
        env_file = ["--env-file", "compose/images/local.env"]
        base = [*DOCKER, "compose", "-p", self.project, *env_file, *files]
        return run(*base, *args, timeout=timeout, env=self.env)

    def up(self) -> None:
        scale = [f"--scale={name}={count}" for name, count in SCALE.items()]
        self("up", "--detach", "--wait", *scale, timeout=300)

    def containers(self) -> list[dict[str, str]]:
        lines = self("ps", "--all", "--format", "json").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def ctl(self, *args: str) -> str:
        return run(sys.executable, "-m", "sigma.ctl", "--apiserver", self.apiserver, *args)

    @contextlib.contextmanager
    def explained(self, lines: int = 25) -> Iterator[None]:
        """On a failed check, add each tier's last log lines (JSON lines only) and restart
        count to the assertion: all a CI report keeps of a cluster that is gone by then."""
        try:
            yield
        except AssertionError as exc:
            tails = []
            for service in ("apiserver", "scheduler", "colocator", "slave"):
                logs = self("logs", "--no-log-prefix", "--tail", str(lines * 4), service)
                json_lines = [line for line in logs.splitlines() if line.startswith("{")]
                tails.append(f"--- {service}\n" + "\n".join(json_lines[-lines:]))
            restarts = self("ps", "--all", "--format", "{{.Name}} {{.Status}}")
            raise AssertionError(f"{exc}\n{restarts}\n" + "\n".join(tails)) from exc


@pytest.fixture(scope="module")
def compose(dockerd: None) -> Iterator[Compose]:
    cluster = Compose()
    try:
        cluster.up()
        yield cluster
    finally:
        down = [*DOCKER, "compose", "-p", cluster.project, "down", "-v"]
        subprocess.run(down, capture_output=True, timeout=120)  # after a failure: leave nothing


def _nodes(compose: Compose) -> set[str]:
    return {
        n["meta"]["name"] for n in json.loads(compose.ctl("get", "nodes", "-o", "json"))["items"]
    }


def _app_uid(compose: Compose) -> str:
    return str(json.loads(compose.ctl("get", "apps", "web", "-o", "json"))["meta"]["uid"])


def _web_running(compose: Compose) -> list[str]:
    """The web pods Running, once as many run as the App targets (time-sharing may shrink it)."""
    target = json.loads(compose.ctl("get", "apps", "web", "-o", "json"))["status"]
    pods = json.loads(compose.ctl("get", "pods", "-o", "json"))["items"]
    running = [
        p["meta"]["name"]
        for p in pods
        if p["meta"]["labels"].get("app") == "web" and p["status"]["phase"] == "POD_PHASE_RUNNING"
    ]
    return running if len(running) == target.get("targetReplicas", -1) > 0 else []


Change = tuple[int, int, str, bytes]  # partition, offset, key, value


async def _pod_changes(
    bootstrap: str, enough: Callable[[set[Change]], bool], timeout: float = 30
) -> set[Change]:
    """The records on the Pod topic, read from its start until ``enough`` holds for them."""
    consumer = AIOKafkaConsumer(
        topic_for("Pod"), bootstrap_servers=bootstrap, auto_offset_reset="earliest"
    )
    await consumer.start()
    changes: set[Change] = set()
    try:
        async with asyncio.timeout(timeout):
            while not enough(changes):
                for records in (await consumer.getmany(timeout_ms=1000)).values():
                    changes |= {(m.partition, m.offset, m.key.decode(), m.value) for m in records}
    except TimeoutError:
        pass  # the caller's assertion says what was read
    finally:
        await consumer.stop()
    return changes


def _web_changes(changes: set[Change]) -> bool:
    return any(key.startswith("default/web-") for _, _, key, _ in changes)


def test_the_scaled_cluster_runs_the_demo_survives_a_crash_and_goes_down_clean(
    compose: Compose,
) -> None:
    with compose.explained():
        _run_the_demo_crash_a_tier_and_go_down(compose)


def _run_the_demo_crash_a_tier_and_go_down(compose: Compose) -> None:
    containers = compose.containers()
    by_service = {s: [c for c in containers if c["Service"] == s] for s in SCALE}
    assert {s: len(c) for s, c in by_service.items()} == SCALE
    assert {c["Health"] for c in containers} == {"healthy"}, containers

    eventually_sync(lambda: len(_nodes(compose)) == SCALE["slave"], timeout=30, what="3 nodes")
    assert all(name.startswith("slave-") for name in _nodes(compose))

    compose.ctl("apply", "-f", "examples/web-app.yaml")
    running = eventually_sync(lambda: _web_running(compose), timeout=90, what="web pods Running")
    kube = f"http://127.0.0.1:{compose.env['SIGMA_KUBE_PORT']}/api/v1/namespaces/default/pods"
    with urllib.request.urlopen(kube, timeout=10) as reply:  # kubectl's door, from the host
        assert set(running) <= {p["metadata"]["name"] for p in json.load(reply)["items"]}
    changes = asyncio.run(_pod_changes(compose.kafka, _web_changes))
    assert _web_changes(changes), changes

    apiserver = next(c for c in containers if c["Service"] == "apiserver")
    pid = run(*DOCKER, "inspect", "-f", "{{.State.Pid}}", apiserver["ID"]).strip()
    os.kill(int(pid), 9)  # a crash, from outside: compose's restart policy brings it back
    restarted = "{{.RestartCount}} {{.State.Health.Status}}"
    eventually_sync(
        lambda: (
            run(*DOCKER, "inspect", "-f", restarted, apiserver["ID"]).split() == ["1", "healthy"]
        ),
        timeout=60,
        what="the apiserver restarted and healthy",
    )
    # The restarted apiserver serves the App again, at its target (the colocator's time-sharing
    # may have moved the target meanwhile, so the pods are not compared one by one).
    eventually_sync(lambda: _web_running(compose), timeout=90, what="web Running after the crash")

    # New containers on the same volumes: etcd still holds the App, Kafka the changes so far.
    # (The slaves come back as new nodes, new containers being new machines to the cluster.)
    app = _app_uid(compose)
    compose("down")
    compose.up()
    assert _app_uid(compose) == app
    kept = asyncio.run(_pod_changes(compose.kafka, lambda now: changes <= now))
    assert changes <= kept, "the Pod topic lost records across down and up"

    compose("down", "-v")
    label = f"label=com.docker.compose.project={compose.project}"
    assert run(*DOCKER, "ps", "-aq", "--filter", label) == ""
    assert run(*DOCKER, "volume", "ls", "-q", "--filter", label) == ""
