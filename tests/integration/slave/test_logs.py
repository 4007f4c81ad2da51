"""``sigmactl logs`` end to end: the apiserver says where the pod runs, the Node where its slave
listens, and the slave streams the container's log (the process runtime's here; containerd's
in tests/integration/slave/test_containerd_agent.py)."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import psutil
import pytest

from sigma.cli.tiers import run
from sigma.slave.settings import SlaveSettings
from sigma.testing.wait import eventually

APP = """
apiVersion: sigma.io/v1
kind: App
metadata: {name: printer}
spec:
  replicas: 1
  qosClass: LS
  template:
    terminationGracePeriod: 1s
    containers:
      - name: main
        command: ["sh", "-c", 'echo "run $SIGMA_POD"; echo two; echo three; exec sleep 3600']
        resources: {requests: {cpuMillis: 100, memoryBytes: 16777216}}
"""


@dataclass
class Up:
    addresses: dict[str, str]
    node: str
    env: dict[str, str]

    async def ctl(self, *args: str) -> tuple[int, str, str]:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "sigma.ctl", "--apiserver", self.addresses["apiserver"], *args,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=self.env,
        )  # fmt: skip
        out, err = await asyncio.wait_for(proc.communicate(), 30)
        return proc.returncode or 0, out.decode(), err.decode()


@pytest.fixture
async def up(tmp_path: Path) -> AsyncIterator[Up]:
    node = f"logs-{uuid.uuid4().hex[:6]}"
    names = ["apiserver", "scheduler", "slave"]
    stop, addresses = asyncio.Event(), {}
    settings = {"slave": SlaveSettings(node=node, state_dir=str(tmp_path / "state"))}
    task = asyncio.ensure_future(
        run(
            names,
            store_url="memory://",
            bus_url="memory://",
            listen={n: ("127.0.0.1", 0) for n in names},
            stop=stop,
            settings=settings,
            on_ready=addresses.update,
        )
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("SIGMA")}
    env["XDG_CONFIG_HOME"] = str(tmp_path)
    try:
        await eventually(lambda: addresses or task.done(), timeout=20, what="the tiers serve")
        yield Up(addresses, node, env)
    finally:
        stop.set()
        await asyncio.wait_for(task, 30)


async def _running(up: Up, restarts: int = 0) -> int:
    """The printer pod's process, once it runs with ``restarts`` restarts."""

    async def pid() -> int:
        code, out, _ = await up.ctl("get", "pods", "printer-0", "-o", "json")
        if code or (f'"restartCount": {restarts}' not in out and restarts):
            return 0
        for p in psutil.process_iter(["cmdline"]):
            if p.info["cmdline"] == ["sleep", "3600"] and _in_state(p.pid, up):
                return p.pid
        return 0

    return await eventually(pid, timeout=20, what=f"printer-0 running ({restarts} restarts)")


def _in_state(pid: int, up: Up) -> bool:
    """The process belongs to this test's slave (its parent is the pod's wrapper shell)."""
    try:
        return f"SIGMA_NODE={up.node}" in Path(f"/proc/{pid}/environ").read_text().replace(
            "\0", " "
        )
    except OSError:
        return False


async def test_sigmactl_logs_reads_a_container_through_its_node(up: Up, tmp_path: Path) -> None:
    manifest = tmp_path / "app.yaml"
    manifest.write_text(APP)
    assert (await up.ctl("apply", "-f", str(manifest)))[0] == 0
    first = await _running(up)
    code, out, _ = await up.ctl("get", "nodes", up.node, "-o", "json")
    assert code == 0 and f'"agentAddress": "{up.addresses["slave"]}"' in out

    async def logged() -> str:
        return (await up.ctl("logs", "printer-0"))[1]

    assert await eventually(logged, timeout=10) == "run default/printer-0\ntwo\nthree\n"
    assert (await up.ctl("logs", "printer-0", "--tail", "2"))[1] == "two\nthree\n"
    code, _, err = await up.ctl("logs", "printer-0", "--previous")
    assert code == 2 and "has not restarted" in err and err.count("\n") == 1

    follow = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "sigma.ctl", "--apiserver", up.addresses["apiserver"],
        "logs", "printer-0", "-f", "--tail", "1",
        stdout=subprocess.PIPE, env=up.env,
    )  # fmt: skip
    assert follow.stdout is not None
    assert await asyncio.wait_for(follow.stdout.readline(), 20) == b"three\n"
    os.kill(first, signal.SIGKILL)  # the run ends: a followed log ends with it
    assert await asyncio.wait_for(follow.wait(), 20) == 0

    await _running(up, restarts=1)
    previous = (await up.ctl("logs", "printer-0", "-p"))[1]
    assert previous.startswith("run default/printer-0\ntwo\nthree\n")
    code, _, err = await up.ctl("logs", "nope")
    assert code == 2 and "nope" in err and err.count("\n") == 1
    code, _, err = await up.ctl("logs", "printer-0", "-c", "other")
    assert code == 2 and "no container 'other'" in err
