"""A small cluster of real tier processes for partition tests: a private etcd reachable from
network namespaces, and ``sigma <tier>`` subprocesses on this machine or inside a namespace.

The tier processes are ``tests.chaos._cluster.TierProcess`` (start, kill, stop, log tails);
one started inside a namespace is the same command under ``ip netns exec``, pointed at the
etcd member through the namespace's veth pair. Buses stay in-process (``memory://``): these
tests take the store away, and no tier here needs another tier's events; a test that needs
them sets ``Stack.bus`` to a Kafka it starts on the namespace's veth address.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import tempfile
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psutil

from sigma.engines._process import free_port
from sigma.engines.etcd import EtcdEngine
from sigma.resources import NODE, POD, Repository
from sigma.store import Store, open_store
from sigma.v1 import node_pb2, pod_pb2
from tests.chaos._cluster import TierProcess
from tests.partition._netns import Netns

FULL = os.environ.get("SIGMA_CHAOS", "") == "full"
TIMEOUT = 900 if FULL else 120  # seconds a partition test may take (pytest-timeout)


@dataclass
class Stack:
    etcd: EtcdEngine
    store: Store
    logs: Path
    procs: list[TierProcess] = field(default_factory=list)
    bus: str = "memory://"  # every tier's bus (a Kafka on a veth address: the same URL for all)

    def etcd_url(self, ns: Netns | None = None) -> str:
        host = ns.host_ip if ns is not None else "127.0.0.1"
        return f"etcd://{host}:{self.etcd.client_port}"

    async def tier(
        self,
        tier: str,
        name: str,
        args: Sequence[str],
        ns: Netns | None = None,
        *,
        host: str = "127.0.0.1",
    ) -> tuple[TierProcess, str]:
        """Start ``sigma <tier>`` listening on ``host`` (inside ``ns`` if given: on the
        namespace's address, which this machine reaches while the link is up); the process
        and its address."""
        listen = f"{ns.ns_ip if ns is not None else host}:{free_port()}"
        common = ["--store", self.etcd_url(ns), "--bus", self.bus, "--log-level", "info"]
        proc = TierProcess(name, tier, [*common, "--listen", listen, *args], self.logs)
        if ns is not None:
            proc.args = ns.wrap(proc.args)
        self.procs.append(proc)
        await proc.start()
        return proc, listen

    async def slave(self, node: str, ns: Netns | None = None, *extra: str) -> TierProcess:
        args = [
            "--node", node, "--runtime", "process", "--cgroups", "false",
            "--state-dir", str(self.logs / f"state-{node}"), "--stop-pods-on-exit", "true",
            "--grace", "2", *extra,
        ]  # fmt: skip
        proc, _ = await self.tier("slave", f"slave-{node}", args, ns)
        return proc

    async def pods(self, namespace: str) -> list[pod_pb2.Pod]:
        return await Repository(self.store, POD).list_all(namespace)

    async def describe(self, namespace: str) -> str:
        """The pods and nodes as the store has them, and the tiers' log tails (for failures)."""
        pods = [
            f"{p.meta.name} node={p.spec.node_name or '-'}"
            f" phase={pod_pb2.PodPhase.Name(p.status.phase)}"
            f" {p.status.reason}"
            for p in await self.pods(namespace)
        ]
        nodes = [
            f"{n.meta.name} {node_pb2.NodePhase.Name(n.status.phase)}"
            for n in await Repository(self.store, NODE).list_all("")
        ]
        tails = "\n".join(p.log_tail(8) for p in self.procs)
        return "\n".join([*pods, *nodes, tails])

    async def node(self, name: str) -> node_pb2.Node | None:
        return await Repository(self.store, NODE).find("", name)


@asynccontextmanager
async def stack() -> AsyncIterator[Stack]:
    """A private etcd on every address, and the tiers the test starts, all stopped on exit."""
    logs = Path(tempfile.mkdtemp(prefix="sigma-partition-"))
    etcd = EtcdEngine(host="0.0.0.0")
    await asyncio.to_thread(etcd.start)
    store = open_store(f"etcd://{etcd.endpoint}")
    made = Stack(etcd, store, logs)
    try:
        yield made
    finally:
        for proc in made.procs:
            if proc.running and proc.proc is not None:
                proc.proc.send_signal(signal.SIGCONT)  # a paused tier must hear its SIGTERM
        await asyncio.gather(*(p.stop() for p in made.procs))
        await store.close()
        await asyncio.to_thread(etcd.stop)


def pod_processes(nodes: set[str]) -> dict[str, set[str]]:
    """Pod key -> the nodes whose process runtime runs it now, read from the machine's
    processes (each container process carries SIGMA_POD and SIGMA_NODE)."""
    out: dict[str, set[str]] = {}
    for proc in psutil.process_iter(["name"]):
        if proc.info["name"] != "sleep":
            continue
        try:
            env = proc.environ()
        except (psutil.NoSuchProcess, psutil.AccessDenied, psutil.ZombieProcess):
            continue
        node = env.get("SIGMA_NODE", "")
        if node in nodes and "SIGMA_POD" in env:
            out.setdefault(env["SIGMA_POD"], set()).add(node)
    return out


class DoubleRuns:
    """Samples ``pod_processes`` and keeps, per pod, the longest stretch it ran on two nodes."""

    def __init__(self, nodes: set[str], interval: float = 0.1) -> None:
        self.nodes = nodes
        self.interval = interval
        self.since: dict[str, float] = {}  # pod key -> when its current double run began
        self.longest: dict[str, float] = {}
        self.last: dict[str, set[str]] = {}
        self.samples = 0
        self.first_on: dict[str, float] = {}  # node -> when a pod was first seen running there
        self.last_on: dict[str, float] = {}  # node -> when a pod was last seen running there

    def sample(self) -> dict[str, set[str]]:
        now = time.monotonic()
        seen = pod_processes(self.nodes)
        self.samples += 1
        for key, where in seen.items():
            for node in where:
                self.first_on.setdefault(node, now)
                self.last_on[node] = now
            if len(where) > 1:
                begun = self.since.setdefault(key, now)
                self.longest[key] = max(self.longest.get(key, 0.0), now - begun)
            else:
                self.since.pop(key, None)
        for key in set(self.since) - set(seen):
            self.since.pop(key)
        self.last = seen
        return seen

    @property
    def max_seconds(self) -> float:
        return max(self.longest.values(), default=0.0)

    async def run(self) -> None:
        while True:
            await asyncio.to_thread(self.sample)
            await asyncio.sleep(self.interval)


async def until(check: Callable[[], Any], what: str, timeout: float, step: float = 0.1) -> float:
    """Seconds until ``check()`` (sync or async) is true; fails naming ``what`` after
    ``timeout``."""
    began = time.monotonic()
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return time.monotonic() - began
        if time.monotonic() - began > timeout:
            raise AssertionError(f"not within {timeout:.0f}s: {what}")
        await asyncio.sleep(step)


def logged(proc: TierProcess, message: str) -> list[dict[str, Any]]:
    """The tier's JSON log lines with ``message``."""
    text = proc.stderr.read_text(errors="replace") if proc.stderr.exists() else ""
    out = []
    for line in text.splitlines():
        if line.startswith("{") and message in line:
            try:
                out.append(json.loads(line))
            except ValueError:
                continue
    return out
