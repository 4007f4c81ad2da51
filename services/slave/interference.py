"""``sigma bench interference``: does co-located batch hurt a real online server on this node?

One run starts its own registry and containerd (root needed), then measures a real online
server, busybox httpd in a container on the host network, under Debian's wrk (one thread, one
connection, closed loop: each request waits for the last answer, so latency is what a caller
sees) in three setups, one after the other:

- ``alone``: the server and nothing else;
- ``no_isolation``: the same server with ``--batch`` burner containers beside it, each keeping
  one CPU busy, as plain containers (each weighs what its request says, on every CPU): what a
  node without QoS does;
- ``qos``: the same pods run by the real slave agent on the containerd runtime: the server as
  an LSE pod (whole CPUs of its own), the burners as BE pods (the lowest weight, the idle
  class on their pod cgroups, the CPUs left), and the agent's QoS loop squeezing, freezing
  and evicting batch as its strategies decide.

The server and wrk run on one CPU, the one the agent gives a one-CPU LSE pod (the highest),
in every setup: the ratios then measure batch beside the server, not where the server runs
(on this kind of VM, a server and its caller on two CPUs wait on cross-CPU wake-ups, which
alone puts p99 at several times one CPU's). wrk stands for the callers; on a real node they
would be elsewhere. The agent's QoS thresholds are flags: by default batch may fill every idle
CPU and is evicted only after a minute at its floor, so that the run measures batch running
beside the server rather than batch being evicted. Printed per setup: online p50/p99/p999 latency
(ms), requests and errors, batch CPU-seconds over the window and batch's share of the node's
CPU, and the latencies as ratios of ``alone``'s. The target: with QoS, p99 at most 1.2x alone
while batch gets at least half of the node's CPU.

    sigma bench interference [--seconds 10] [--batch 2] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import json
import os
import sys
import tempfile
import time
import uuid
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import psutil

from sigma.bench import emit
from sigma.bus.memory import MemoryBus
from sigma.clock import SystemClock
from sigma.cri import cgroups
from sigma.resources import POD
from sigma.resources.repository import Repository
from sigma.slave.agent import AgentConfig, SlaveAgent
from sigma.slave.control import StoreControlPlane
from sigma.slave.cpuset import format_cpuset
from sigma.slave.qos.model import QosPolicy
from sigma.slave.runtime._port import ContainerRun, PodRun
from sigma.slave.runtime.containerd import ContainerdRuntime
from sigma.store.memory import MemoryStore
from sigma.testing._process import free_port
from sigma.v1 import meta_pb2, pod_pb2

LSE, LS, BE = meta_pb2.QOS_CLASS_LSE, meta_pb2.QOS_CLASS_LS, meta_pb2.QOS_CLASS_BE
TARGET_P99_RATIO = 1.2
TARGET_BATCH_SHARE = 0.5
LATENCY_LUA = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '{"p50_us": %d, "p99_us": %d, "p999_us": %d, "requests": %d, "errors": %d}\\n',
    latency:percentile(50), latency:percentile(99), latency:percentile(99.9),
    summary.requests, e.connect + e.read + e.write + e.status + e.timeout))
end
"""


class Bench:
    """The engines' addresses and the options of one run."""

    def __init__(self, socket: Path, refs: dict[str, str], root: str, work: Path, **kw: Any):
        self.socket, self.refs, self.root, self.work = socket, refs, root, work
        self.seconds: float = kw["seconds"]
        self.batch: int = kw["batch"]
        self.policy: QosPolicy = kw["policy"]
        self.cpus = frozenset(range(psutil.cpu_count() or 1))
        # Where the agent puts a one-CPU LSE pod (the highest CPU): the server runs there in
        # every setup, so that the ratios measure batch beside it, not its placement.
        self.online_cpus = frozenset({max(self.cpus)})
        self.script = work / "latency.lua"
        self.script.write_text(LATENCY_LUA)

    def server(self, port: int) -> tuple[str, ...]:
        return ("httpd", "-f", "-h", "/www", "-p", f"127.0.0.1:{port}")

    async def measure(
        self, port: int, wrk_cpus: frozenset[int], batch: list[str]
    ) -> dict[str, Any]:
        """wrk for ``seconds`` against the server; the batch cgroups' CPU over the same time."""
        h = cgroups.hierarchies()
        files = [cgroups.usage_files(h, path) for path in batch]
        before = [_cpu_ns(f) for f in files]
        load = os.getloadavg()[0]  # what else ran here: other work on the machine skews it all
        began = time.monotonic()
        wrk = await asyncio.create_subprocess_exec(
            "taskset", "-c", format_cpuset(wrk_cpus),
            "wrk", "-t1", "-c1", f"-d{self.seconds:g}s", "--timeout", "2s",
            "-s", str(self.script), f"http://127.0.0.1:{port}/",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await wrk.communicate()
        window = time.monotonic() - began
        lines = [line for line in out.decode().splitlines() if line.startswith("{")]
        if wrk.returncode or not lines:
            raise RuntimeError(f"wrk failed: {err.decode().strip() or out.decode()[-200:]}")
        got = json.loads(lines[-1])
        cpu = sum(_cpu_ns(f) - b for f, b in zip(files, before, strict=True)) / 1e9
        return {
            "p50_ms": got["p50_us"] / 1000,
            "p99_ms": got["p99_us"] / 1000,
            "p999_ms": got["p999_us"] / 1000,
            "requests": got["requests"],
            "errors": got["errors"],
            "batch_cpu_seconds": round(cpu, 2),
            "batch_cpu_share": round(cpu / (window * len(self.cpus)), 3),
            "load1_before": round(load, 2),
        }

    def pod_run(self, name: str, argv: tuple[str, ...], image: str, cpus: frozenset[int]) -> PodRun:
        """A plain pod: the weight of its request (one CPU), nothing else."""
        run = PodRun(f"bench/{name}", uuid.uuid4().hex, LS, (), cpus, cpu_request_millis=1000)
        return replace(run, containers=(ContainerRun("main", argv, image=image),))

    async def plain(self) -> dict[str, dict[str, Any]]:
        """``alone``, then ``no_isolation``: containers through the runtime, no agent."""
        rt = await ContainerdRuntime.open(
            "bench-plain", self.socket, self.work / "plain", cgroup_root=f"{self.root}/plain"
        )
        try:
            port = free_port()
            online = self.online_cpus
            await rt.start(self.pod_run("online", self.server(port), self.refs["httpd"], online))
            await _answers(port)
            out = {"alone": await self.measure(port, online, [])}
            burn = ("sh", "/bin/burn", "1")
            burners = [
                self.pod_run(f"batch-{i}", burn, self.refs["burner"], self.cpus)
                for i in range(self.batch)
            ]
            for run in burners:
                await rt.start(run)
            await asyncio.sleep(1.0)
            batch = [rt.cgroup(run.key) or "" for run in burners]
            out["no_isolation"] = await self.measure(port, online, batch)
            return out
        finally:
            for key in list(rt.pods()):
                await rt.stop(key, 1.0)
                rt.forget(key)
            await rt.close()

    async def qos(self) -> dict[str, Any]:
        """The same pods placed on a node run by the slave agent over containerd."""
        node = "bench-qos"
        store = MemoryStore()
        rt = await ContainerdRuntime.open(
            node, self.socket, self.work / "qos", cgroup_root=f"{self.root}/qos"
        )
        config = AgentConfig(
            cpu_count=len(self.cpus),
            memory_bytes=psutil.virtual_memory().total,
            usage_interval=1.0,
            resync_interval=0.2,
            stop_pods_grace=1.0,
            policy=self.policy,
        )
        agent = SlaveAgent(
            node, StoreControlPlane(store, MemoryBus(), node), rt, SystemClock(), config
        )
        running = asyncio.ensure_future(agent.run())
        try:
            port = free_port()
            pods = Repository(store, POD)
            await pods.create(_pod(node, "online", LSE, self.server(port), self.refs["httpd"]))
            await _answers(port)
            for i in range(self.batch):
                burn = ("sh", "/bin/burn", "1")
                await pods.create(_pod(node, f"batch-{i}", BE, burn, self.refs["burner"]))
            keys = [f"bench/batch-{i}" for i in range(self.batch)]
            await _until(lambda: all(k in rt.pods() for k in keys), "batch running")
            await asyncio.sleep(1.0)  # the QoS loop settles
            online = rt.pods()["bench/online"].cpus
            began = time.time()
            result = await self.measure(port, online, [rt.cgroup(k) or "" for k in keys])
            result["online_cpus"] = format_cpuset(online)
            result["batch_cpus"] = format_cpuset(agent.cpus.batch_cpus)
            done = [r.action.kind.value for r in agent.executor.journal if r.at >= began]
            result["qos_actions"] = dict(collections.Counter(done))
            return result
        finally:
            running.cancel()
            await asyncio.gather(running, return_exceptions=True)


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


async def _answers(port: int, timeout: float = 20.0) -> None:
    async def up() -> bool:
        try:
            _, writer = await asyncio.open_connection("127.0.0.1", port)
        except OSError:
            return False
        writer.close()
        return True

    await _until(up, f"the server on port {port}", timeout)


async def _until(check: Any, what: str, timeout: float = 20.0) -> None:
    deadline = time.monotonic() + timeout
    while True:
        done = check()
        if asyncio.iscoroutine(done):
            done = await done
        if done:
            return
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what}: not within {timeout:g} s")
        await asyncio.sleep(0.05)


def summary(setups: dict[str, dict[str, Any]]) -> dict[str, Any]:
    """The setups with their latencies as ratios of ``alone``'s, and the target's verdict."""
    alone = setups["alone"]
    out: dict[str, Any] = {"bench": "interference", "cpus": os.cpu_count()}
    for name, got in setups.items():
        ratios = {f"{p}_ratio": round(got[f"{p}_ms"] / alone[f"{p}_ms"], 2) for p in _PCT}
        out[name] = got | ratios
    qos = out["qos"]
    out["target"] = {
        "p99_ratio_max": TARGET_P99_RATIO,
        "batch_share_min": TARGET_BATCH_SHARE,
        "met": qos["p99_ratio"] <= TARGET_P99_RATIO
        and qos["batch_cpu_share"] >= TARGET_BATCH_SHARE,
    }
    return out


_PCT = ("p50", "p99", "p999")


async def run(options: argparse.Namespace, socket: Path, refs: dict[str, str], root: str) -> Any:
    with tempfile.TemporaryDirectory(prefix="sigma-bench-") as work:
        policy = QosPolicy(
            suppress_threshold=options.suppress_threshold, cpu_evict_after=options.evict_after
        )
        bench = Bench(
            socket,
            refs,
            root,
            Path(work),
            seconds=options.seconds,
            batch=options.batch,
            policy=policy,
        )
        setups = await bench.plain()
        setups["qos"] = await bench.qos()
    return summary(setups)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="sigma bench interference", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--seconds", type=float, default=10.0, help="wrk's time per setup")
    parser.add_argument("--batch", type=int, default=2, help="burner containers (1 CPU each)")
    parser.add_argument(
        "--suppress-threshold",
        type=float,
        default=1.0,
        help="the agent's: share of the node's CPU batch may fill (default 1.0: all that is idle)",
    )
    parser.add_argument(
        "--evict-after",
        type=float,
        default=60.0,
        help="the agent's: seconds batch may sit at its floor before eviction (default 60)",
    )
    parser.add_argument("--json", action="store_true", help="one JSON object")
    options = parser.parse_args(argv)
    if options.seconds <= 0 or options.batch < 1:
        parser.error("--seconds must be positive and --batch at least 1")
    from sigma.cri.local import engines
    from sigma.errors import SigmaError

    try:
        with engines(f"127.0.0.1:{free_port()}") as local:
            root = f"/sigma-bench-{uuid.uuid4().hex[:6]}"
            result = asyncio.run(run(options, local.socket, local.images, root))
    except (SigmaError, RuntimeError) as exc:
        print(f"sigma bench interference: {exc}", file=sys.stderr)
        return 2
    emit(result, as_json=options.json)
    return 0
