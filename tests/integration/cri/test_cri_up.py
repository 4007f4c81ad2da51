"""``sigma up --runtime containerd --demo examples`` as a user runs it (as root, after ``make
engines``): its own registry and containerd, the demo's pods as containers, ``sigmactl logs``
of a web pod, a killed server restarted in place, and nothing left once Ctrl-C stopped it.

The demo's manifests name the registry at 127.0.0.1:5000 and serve on 8080 + the instance;
the test runs a copy of examples/ on free ports instead, and its tiers on a loopback address
of its own, so it runs beside a ``make up``.
"""

from __future__ import annotations

import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psutil
import pytest

from sigma.engines._process import free_port
from sigma.engines.containerd import why_unavailable

pytestmark = pytest.mark.containerd
EXAMPLES = Path(__file__).resolve().parents[3] / "examples"


@pytest.fixture
def demo(tmp_path: Path) -> tuple[Path, str, int]:
    """A copy of examples/ naming a free registry port and a free base port for the servers."""
    registry, base = f"127.0.0.1:{free_port()}", free_port()
    shutil.copytree(EXAMPLES, tmp_path / "examples")
    for path in (tmp_path / "examples" / "containerd").iterdir():
        text = path.read_text().replace("127.0.0.1:5000", registry).replace("8080", str(base))
        path.write_text(text)
    return tmp_path / "examples", registry, base


@pytest.fixture
def up(demo: tuple[Path, str, int], tmp_path: Path) -> Iterator[dict[str, Any]]:
    reason = why_unavailable()
    if reason:
        pytest.skip(reason)
    examples, registry, _ = demo
    host = f"127.0.{random.randint(1, 250)}.{random.randint(2, 250)}"
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGMA")}
    env |= {"XDG_CONFIG_HOME": str(tmp_path), "SIGMA_APISERVER": f"{host}:7070"}
    began = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "sigma.cli", "up", "--runtime", "containerd", "--demo",
         str(examples), "--registry", registry, "--host", host, "--metrics-port", "0"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
    )  # fmt: skip
    try:
        assert proc.stdout is not None
        seen = ""
        while "demo applied" not in seen:
            line = proc.stdout.readline()
            assert line, f"sigma up exited early: {seen}"
            seen += line
        socket = re.search(r"^containerd (\S+)", seen, re.M)
        assert socket, seen
        yield {"env": env, "socket": socket.group(1), "began": began, "proc": proc}
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def ctl(env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        [sys.executable, "-m", "sigma.ctl", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=30,
    )
    assert done.returncode == 0, done.stderr
    return done.stdout


def eventually(check: Callable[[], Any], what: str, timeout: float = 30.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (got := check()):
        assert time.monotonic() < deadline, f"{what}: not within {timeout} s"
        time.sleep(0.2)
    return got


def web(env: dict[str, str]) -> list[dict[str, Any]]:
    items = json.loads(ctl(env, "get", "pods", "-l", "sigma.io/app=web", "-o", "json"))["items"]
    return [p for p in items if p["status"].get("phase") == "POD_PHASE_RUNNING"]


def ready(pod: dict[str, Any]) -> bool:
    return any(
        c["type"] == "Ready" and c["status"].endswith("TRUE")
        for c in pod["status"].get("conditions", [])
    )


def test_the_demo_runs_as_containers(up: dict[str, Any], demo: tuple[Path, str, int]) -> None:
    env, base = up["env"], demo[2]
    pods = eventually(
        lambda: (p := web(env)) and len(p) >= 2 and all(map(ready, p)) and p, "web up"
    )
    assert time.monotonic() - up["began"] < 30  # the demo's containers up within 30 s
    listed = subprocess.run(
        ["ctr", "--address", up["socket"], "-n", "k8s.io", "containers", "ls"],
        capture_output=True, text=True, check=True, timeout=10,
    ).stdout  # fmt: skip
    assert listed.count("/sigma/httpd:1") >= len(pods)
    # The readiness probe fetches the page: busybox httpd logs each request.
    logs = eventually(lambda: "response:200" in (out := ctl(env, "logs", "web-0")) and out, "logs")
    assert re.search(r"127\.0\.0\.1:\d+: response:200", logs)

    server = eventually(lambda: _server(base), "web-0's httpd process")
    os.kill(server, signal.SIGKILL)

    def restarted() -> bool:
        pod = next((p for p in web(env) if p["meta"]["name"] == "web-0"), None)
        return bool(pod) and pod["status"].get("restartCount") == 1 and ready(pod)

    eventually(restarted, "web-0 restarted in place")
    assert _server(base) not in (0, server)
    assert "response:200" in ctl(env, "logs", "web-0", "--previous")

    proc = up["proc"]
    proc.send_signal(signal.SIGINT)
    assert proc.wait(30) == 0
    assert not Path(up["socket"]).exists()  # containerd and its folder are gone
    assert not _server(base)


def _server(base: int) -> int:
    """The pid of the httpd serving web-0 (on the base port), 0 if none."""
    for p in psutil.process_iter(["cmdline"]):
        if f"127.0.0.1:{base}" in " ".join(p.info["cmdline"] or []) and "httpd" in str(
            p.info["cmdline"]
        ):
            return p.pid
    return 0
