"""The interference benchmark's setups and its one measurement (``sigma bench interference``).

``Plain`` is a node without QoS: the server and the burners as plain containers through the
containerd runtime, each weighing what its request says, the burners on every CPU; frozen
(their cgroup) while the server is measured alone. ``Qos`` is a node run by the slave agent on
the containerd runtime: the server an LSE pod, the burners BE pods, created for a round and
deleted after it. ``measure`` runs wrk against a server for one round and reads the batch
cgroups' CPU time over the same window.
"""

from __future__ import annotations

import asyncio
import collections
import json
import os
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import psutil

from sigma.bus.memory import MemoryBus
from sigma.clock import SystemClock
from sigma.cri import cgroups
from sigma.engines._process import free_port
from sigma.resources import POD
from sigma.resources.cpusets import format_cpuset
from sigma.resources.repository import Repository
from sigma.slave.agent import AgentConfig, SlaveAgent
from sigma.slave.control import StoreControlPlane
from sigma.slave.qos.model import QosPolicy
from sigma.slave.runtime._port import ContainerRun, PodRun
from sigma.slave.runtime.containerd import ContainerdRuntime
from sigma.store.memory import MemoryStore
from sigma.v1 import meta_pb2, pod_pb2

LSE, LS, BE = meta_pb2.QOS_CLASS_LSE, meta_pb2.QOS_CLASS_LS, meta_pb2.QOS_CLASS_BE
BURN = ("sh", "/bin/burn", "1")  # one CPU busy
LATENCY_LUA = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"p50_us": %d, "p99_us": %d, "p999_us": %d, "requests": %d, "errors": %d}\\n',
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9),
    summary.requests, e.connect + e.read + e.write + e.status + e.timeout))
end
"""


@dataclass(frozen=True, slots=True)
class Engines:
    """Where the run's containerd and images are, and its options."""

    socket: Path
    images: dict[str, str]
    root: str  # the cgroup tree of the run's pods
    work: Path
    seconds: float
    batch: int
    policy: QosPolicy

    @property
    def cpus(self) -> frozenset[int]:
        return frozenset(range(psutil.cpu_count() or 1))

    @property
    def online_cpus(self) -> frozenset[int]:
        """Where the agent puts a one-CPU LSE pod, the highest CPU: the server runs there in
        every setup, so that the ratios measure batch beside it, not its placement."""
        return frozenset({max(self.cpus)})


def server(port: int) -> tuple[str, ...]:
    return ("httpd", "-f", "-h", "/www", "-p", f"127.0.0.1:{port}")


async def measure(e: Engines, port: int, batch: list[str]) -> dict[str, Any]:
    """One round: wrk for ``e.seconds`` against the server on its CPUs; batch's CPU then."""
    h = cgroups.hierarchies()
    files = [cgroups.usage_files(h, path) for path in batch]
    before = [_cpu_ns(f) for f in files]
    load = os.getloadavg()[0]  # what else ran here: other work on the machine skews it all
    script = e.work / "latency.lua"
    script.write_text(LATENCY_LUA)
    began = time.monotonic()
    wrk = await asyncio.create_subprocess_exec(
        "taskset", "-c", format_cpuset(e.online_cpus),
        "wrk", "-t1", "-c1", f"-d{e.seconds:g}s", "--timeout", "2s",
        "-s", str(script), f"http://127.0.0.1:{port}/",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    out, err = await wrk.communicate()
    window = time.monotonic() - began
    lines = [line for line in out.decode().splitlines() if line.startswith("{")]
    if wrk.returncode or not lines:
        raise RuntimeError(f"wrk failed: {err.decode().strip() or out.decode()[-200:]}")
    got = json.loads(lines[-1])
    cpu = sum(_cpu_ns(f) - b for f, b in zip(files, before, strict=True)) / 1e9
    return got | {"batch_cpu_s": cpu, "window_s": window, "load1": load}


class Plain:
    """A node without QoS: plain containers, the burners frozen while the server is alone."""

    def __init__(self, e: Engines) -> None:
        self.e = e
        self.port = free_port()
        self.burners: list[str] = []
        self.rt: ContainerdRuntime | None = None

    async def open(self) -> None:
        e = self.e
        self.rt = rt = await ContainerdRuntime.open(
            "bench-plain", e.socket, e.work / "plain", cgroup_root=f"{e.root}/plain"
        )
        await rt.start(_run("online", server(self.port), e.images["httpd"], e.online_cpus))
        await answers(self.port)
        for i in range(e.batch):
            run = _run(f"batch-{i}", BURN, e.images["burner"], e.cpus)
            await rt.start(run)
            await rt.controls.freeze(run.key)
            self.burners.append(run.key)

    async def alone(self) -> dict[str, Any]:
        return await measure(self.e, self.port, [])

    async def beside_batch(self) -> dict[str, Any]:
        assert self.rt is not None
        for key in self.burners:
            await self.rt.controls.thaw(key)
        await asyncio.sleep(0.5)
        try:
            cgroups = [self.rt.controls.cgroup(k) or "" for k in self.burners]
            return await measure(self.e, self.port, cgroups)
        finally:
            for key in self.burners:
                await self.rt.controls.freeze(key)

    async def close(self) -> None:
        if self.rt is not None:
            for key in list(self.rt.pods()):
                await self.rt.stop(key, 1.0)
                self.rt.forget(key)
            await self.rt.close()


class Qos:
    """A node run by the slave agent over containerd: the server LSE, the burners BE."""

    def __init__(self, e: Engines) -> None:
        self.e = e
        self.port = free_port()
        self.node = "bench-qos"
        self.store = MemoryStore()
        self.pods = Repository(self.store, POD)
        self.agent: SlaveAgent | None = None
        self.rt: ContainerdRuntime | None = None
        self.running: asyncio.Future[None] | None = None

    async def open(self) -> None:
        e = self.e
        self.rt = rt = await ContainerdRuntime.open(
            self.node, e.socket, e.work / "qos", cgroup_root=f"{e.root}/qos"
        )
        config = AgentConfig(
            cpu_count=len(e.cpus),
            memory_bytes=psutil.virtual_memory().total,
            usage_interval=1.0,
            resync_interval=0.2,
            stop_pods_grace=1.0,
            policy=e.policy,
        )
        control = StoreControlPlane(self.store, MemoryBus(), self.node)
        self.agent = SlaveAgent(self.node, control, rt, SystemClock(), config)
        self.running = asyncio.ensure_future(self.agent.run())
        await self.pods.create(_pod(self.node, "online", LSE, server(self.port), e.images["httpd"]))
        await answers(self.port)

    async def round(self) -> dict[str, Any]:
        assert self.agent is not None and self.rt is not None
        rt = self.rt
        names = [f"batch-{uuid.uuid4().hex[:6]}" for _ in range(self.e.batch)]
        for name in names:
            await self.pods.create(_pod(self.node, name, BE, BURN, self.e.images["burner"]))
        keys = [f"bench/{name}" for name in names]
        await until(lambda: all(k in rt.pods() for k in keys), "batch running")
        await asyncio.sleep(1.0)  # the QoS loop settles
        began = time.time()
        got = await measure(self.e, self.port, [rt.controls.cgroup(k) or "" for k in keys])
        done = [r.action.kind.value for r in self.agent.executor.journal if r.at >= began]
        got["qos_actions"] = collections.Counter(done)
        got["cpus"] = (rt.pods()["bench/online"].cpus, self.agent.cpus.batch_cpus)
        for name in names:
            await self.pods.delete("bench", name)
        await until(lambda: not any(k in rt.pods() for k in keys), "batch gone")
        return got

    async def close(self) -> None:
        if self.running is not None:
            self.running.cancel()
            await asyncio.gather(self.running, return_exceptions=True)


def _run(name: str, argv: tuple[str, ...], image: str, cpus: frozenset[int]) -> PodRun:
    """A plain pod: the weight of its request (one CPU), nothing else."""
    run = PodRun(f"bench/{name}", uuid.uuid4().hex, LS, (), cpus, cpu_request_millis=1000)
    return replace(run, containers=(ContainerRun("main", argv, image=image),))


def _pod(node: str, name: str, qos: int, argv: tuple[str, ...], image: str) -> pod_pb2.Pod:
    pod = pod_pb2.Pod()
    pod.meta.namespace, pod.meta.name, pod.meta.uid = "bench", name, uuid.uuid4().hex
    pod.spec.node_name, pod.spec.qos_class = node, qos  # type: ignore[assignment]
    c = pod.spec.template.containers.add(name="main", command=list(argv), image=image)
    c.resources.requests.cpu_millis = 1000
    pod.status.phase = pod_pb2.POD_PHASE_SCHEDULED
    return pod


def _cpu_ns(files: cgroups.UsageFiles) -> int:
    usage = cgroups.read_usage(files)
    return usage.cpu_ns if usage is not None else 0


async def answers(port: int) -> None:
    async def up() -> bool:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            return False
        writer.close()
        return True

    await until(up, f"the server on port {port}")


async def until(
    check: Callable[[], bool | Awaitable[bool]], what: str, timeout: float = 30.0
) -> None:
    deadline = time.monotonic() + timeout
    while True:
        done = check()
        if not isinstance(done, bool):
            done = await done
        if done:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not within {timeout:g} s")
        await asyncio.sleep(0.05)
