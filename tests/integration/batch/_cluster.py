"""A cluster for jobs on workers: tiers served in this process (``sigma.cli.tiers.run``, one
store client per group of tiers, as separate processes would have), scheduler replicas as
``sigma scheduler`` subprocesses that a test can SIGKILL, and ``sigmactl``.

Worker jobs here run real instances on the process runtime: each instance appends
``<task> <index>`` to a file, so a test sees every execution, re-runs included.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from google.protobuf import json_format

from sigma.apiserver.settings import ApiServerSettings
from sigma.auth import Security
from sigma.cli.tiers import run
from sigma.colocator.settings import ColocatorSettings
from sigma.ctl._client import Client
from sigma.ctl._config import CtlConfig
from sigma.slave.settings import SlaveSettings
from sigma.testing.wait import eventually
from sigma.v1 import apiserver_pb2 as api
from sigma.v1 import pod_pb2


def worker_job(
    name: str, instances: int, *, out: Path, seconds: float, slots: int = 4, most: int = 0
) -> str:
    """A two-task job on workers (``most`` of ``slots`` slots; 0: as many as fit):
    ``instances`` maps of ``seconds`` each, then one reduce."""
    command = f'sleep {seconds}; echo "$SIGMA_TASK $SIGMA_INSTANCE" >> {out}'
    return f"""
apiVersion: sigma.io/v1
kind: BatchJob
metadata: {{name: {name}}}
spec:
  qosClass: BE
  maxRetries: 1
  workers: {{slots: {slots}, maxWorkers: {most}}}
  tasks:
    - name: map
      instances: {instances}
      template:
        containers:
          - name: main
            command: ["sh", "-c", {json.dumps(command)}]
            resources: {{requests: {{cpuMillis: 20, memoryBytes: 8388608}}}}
    - name: reduce
      instances: 1
      dependsOn: [map]
      template:
        containers:
          - name: main
            command: ["sh", "-c", {json.dumps(command)}]
            resources: {{requests: {{cpuMillis: 20, memoryBytes: 8388608}}}}
"""


def executions(out: Path) -> list[tuple[str, int]]:
    if not out.exists():
        return []
    rows = [line.split() for line in out.read_text().splitlines() if line.strip()]
    return [(task, int(index)) for task, index in rows]


@dataclass
class Cluster:
    tmp: Path
    store_url: str
    bus_url: str = "memory://"  # shared by groups of tiers only on a real bus (Kafka)
    addresses: dict[str, str] = field(default_factory=dict)
    groups: list[tuple[asyncio.Event, asyncio.Task[None]]] = field(default_factory=list)
    schedulers: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    # Tokens and TLS of every tier served here, the token they call each other with, and
    # sigmactl's (its token and client certificate, as SIGMA_* variables).
    security: Security | None = None
    token: str = ""
    ctl_env: dict[str, str] = field(default_factory=dict)
    _client: Client | None = None

    @property
    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SIGMA")}
        env["XDG_CONFIG_HOME"] = str(self.tmp)
        return env | self.ctl_env

    async def serve(self, names: Sequence[str], settings: dict[str, Any]) -> dict[str, str]:
        """Serve ``names`` in this process until ``close``; their addresses."""
        stop, addresses = asyncio.Event(), {}
        task = asyncio.ensure_future(
            run(
                names,
                store_url=self.store_url,
                bus_url=self.bus_url,
                listen={n: ("127.0.0.1", 0) for n in names},
                stop=stop,
                settings=settings,
                on_ready=addresses.update,
                apiserver=self.addresses.get("apiserver", ""),
                security=self.security,
                token=self.token,
            )
        )
        self.groups.append((stop, task))
        await eventually(lambda: addresses or task.done(), timeout=30, what=f"{names} serve")
        if task.done():
            task.result()
        self.addresses.update(addresses)
        return addresses

    async def control_plane(
        self, node: str = "n1", *, scheduler: bool = False, reserved_cpu_millis: int = 0
    ) -> None:
        """The apiserver, the colocator and one slave (process runtime) on ``node``; with
        ``scheduler``, a scheduler here too."""
        settings = {
            "apiserver": ApiServerSettings(node_lease_ttl=3, node_grace=2.0, kube_listen=""),
            # Every node here is this one shared machine, whose other work the colocator counts
            # as system use: batch may fill it all, or it would often get no room at all.
            "colocator": ColocatorSettings(
                tick_interval=1.0, rise_hold=1.0, cpu_threshold=1.0, reserve_cpu_millis=0
            ),
            "slave": slave_settings(self.tmp, node, reserved_cpu_millis),
        }
        tiers = ["apiserver", *(["scheduler"] if scheduler else []), "colocator", "slave"]
        await self.serve(tiers, settings)

    def start_scheduler(self, identity: str, *, ttl: int = 3) -> None:
        args = [
            sys.executable, "-m", "sigma.cli", "scheduler", "--store", self.store_url,
            "--bus", self.bus_url, "--listen", "127.0.0.1:0", "--log-level", "warning",
            "--identity", identity, "--batch-lease-ttl", str(ttl),
        ]  # fmt: skip
        log = open(self.tmp / f"{identity}.log", "wb")  # noqa: SIM115 - the process keeps it
        self.schedulers[identity] = subprocess.Popen(
            args, stdout=log, stderr=subprocess.STDOUT, env=self.env
        )

    def kill_scheduler(self, identity: str) -> None:
        proc = self.schedulers[identity]
        proc.send_signal(signal.SIGKILL)
        proc.wait(10)

    async def ctl(self, *args: str) -> tuple[int, str, str]:
        proc = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "sigma.ctl", "--apiserver", self.addresses["apiserver"], *args,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=self.env,
        )  # fmt: skip
        out, err = await asyncio.wait_for(proc.communicate(), 60)
        return proc.returncode or 0, out.decode(), err.decode()

    def client(self) -> Client:
        """sigmactl's client, in this process: a poll through the ``sigmactl`` command would
        start a Python process each time, CPU the colocator counts against batch room on this
        one shared machine."""
        if self._client is None:
            env = self.ctl_env
            self._client = Client(
                CtlConfig(
                    apiserver=self.addresses["apiserver"],
                    token=env.get("SIGMA_TOKEN", ""),
                    tls_ca=env.get("SIGMA_TLS_CA", ""),
                    tls_cert=env.get("SIGMA_TLS_CERT", ""),
                    tls_key=env.get("SIGMA_TLS_KEY", ""),
                )
            )
        return self._client

    async def job(self, name: str) -> dict[str, Any]:
        """The job as ``sigmactl get batchjobs NAME -o json`` prints it."""
        request = api.GetBatchJobRequest(namespace="default", name=name)
        return json_format.MessageToDict(await self.client().api("BatchJobs", "Get", request))

    async def pods(self) -> list[pod_pb2.Pod]:
        request = api.ListPodsRequest(namespace="default")
        return list((await self.client().api("Pods", "List", request)).items)

    async def events(self, kind: str, name: str) -> list[str]:
        """``reason: message`` of the events about one object, as ``describe`` lists them."""
        request = api.ListEventsRequest(
            namespace="default", regarding_kind=kind, regarding_name=name
        )
        items = (await self.client().api("Events", "List", request)).items
        return [f"{e.reason}: {e.message}" for e in items]

    async def close(self) -> None:
        if self._client is not None:
            await self._client.close()
        for proc in self.schedulers.values():
            if proc.poll() is None:
                proc.terminate()
                try:
                    proc.wait(20)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(10)
        for stop, task in reversed(self.groups):
            stop.set()
            await asyncio.wait_for(task, 60)


def slave_settings(tmp: Path, node: str, reserved_cpu_millis: int = 0) -> SlaveSettings:
    return SlaveSettings(
        node=node,
        reserved_cpu_millis=reserved_cpu_millis,
        state_dir=str(tmp / f"state-{node}"),
        stop_pods_on_exit="true",
        heartbeat_ttl=3,
        heartbeat_interval=0.5,
        fence_after=4.0,
        node_grace=2.0,
        usage_interval=1.0,
    )


def task_status(job: dict[str, Any], name: str) -> dict[str, Any]:
    return next(t for t in job.get("status", {}).get("tasks", []) if t["name"] == name)
