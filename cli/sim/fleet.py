"""The replay's slave side: every virtual node's agent duties, sharing one pod informer.

A real slave watches every pod in the cluster (see ``sigma.slave.control``); thousands of them
in one process would decode each pod change thousands of times. The fleet keeps one informer
indexed by node and does, per node, what the agent does: register the node and keep its
heartbeat lease, start the pods bound to it (status Running), finish batch pods after their
duration (Succeeded), remove pods whose deletion was requested, and publish a usage report per
interval on the bus for the colocator, exactly as a slave does.

Batch worker pods (the executor model, see ``sigma.cli.sim.workers``) have no duration: they
run until released or evicted, and the fleet tells the replay's job masters (``WorkerHooks``)
when one starts or stops, and asks them what a worker uses (its busy slots) at each report.

CPU given out on a node (the AliKernel/QoS order): online pods first, each up to its demand
and limit (shared pro rata when the node is short), batch gets what is left. An online pod's
demand is its app's current demand divided by the app's running replicas.
"""

from __future__ import annotations

import asyncio
import contextlib
import heapq
import math
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from sigma.bus import Bus
from sigma.cli.sim.workload import OnlineApp
from sigma.clock import Clock
from sigma.errors import Conflict, NotFound, SigmaError
from sigma.events import NODE_USAGE_TOPIC
from sigma.resources import NODE, POD, heartbeats
from sigma.resources.repository import Repository
from sigma.slave.pods import status
from sigma.slave.runtime.simulated import DURATION_LABEL
from sigma.store import Store
from sigma.store.informer import Handler, Informer
from sigma.v1 import event_pb2, meta_pb2, node_pb2, pod_pb2

BE, LS = meta_pb2.QOS_CLASS_BE, meta_pb2.QOS_CLASS_LS
STARTABLE = (
    pod_pb2.POD_PHASE_UNSPECIFIED,
    pod_pb2.POD_PHASE_PENDING,
    pod_pb2.POD_PHASE_SCHEDULED,
)
SYSTEM_CPU = 100
#: Label of a batch worker pod (value: its job); such a pod runs until it is released.
WORKER_LABEL = "sigma.io/batch-worker"


class WorkerHooks(Protocol):
    """What the fleet tells the replay's job masters about their worker pods."""

    def started(self, node: str, key: str) -> None: ...

    def stopped(self, key: str) -> None: ...

    def usage(self, key: str) -> tuple[int, int]:
        """(CPU millicores, memory bytes) the worker uses now: its busy slots."""
        ...


@dataclass(slots=True)
class _Running:
    key: str
    uid: str
    app: str  # "" for batch
    cpu: int  # request
    limit: int
    memory: int
    batch: bool
    worker: bool = False


@dataclass
class Tally:
    """What the fleet measured, per usage interval: per-node rows and online pod counts."""

    times: list[float] = field(default_factory=list)
    rows: list[np.ndarray] = field(default_factory=list)  # (4, nodes): oc, bc, om, bm
    pod_samples: int = 0
    unmet_samples: int = 0
    demand: float = 0.0
    short: float = 0.0
    latencies: list[float] = field(default_factory=list)  # pod created → started, seconds
    evictions: list[tuple[float, str, str]] = field(default_factory=list)  # t, pod, reason


class Fleet:
    def __init__(
        self,
        store: Store,
        bus: Bus,
        clock: Clock,
        wall: Callable[[], float],
        nodes: list[node_pb2.Node],
        apps: dict[str, OnlineApp],
        *,
        start: float,
        interval: float,
        report_from: float | None = None,
    ) -> None:
        self.store, self.bus, self.clock, self.wall = store, bus, clock, wall
        self.nodes = nodes
        self.index = {n.meta.name: i for i, n in enumerate(nodes)}
        self.apps = apps
        self.start = start
        # Figures (latencies, evictions, online samples) count from here: not in the warm-up.
        self.report_from = start if report_from is None else report_from
        self.interval = interval
        self.pods = Repository(store, POD, clock_ns=self._wall_ns)
        self.running: dict[str, dict[str, _Running]] = {n.meta.name: {} for n in nodes}
        # Per node, how many times its running pods changed: what is derived from a node's
        # pods alone needs computing again only once this moves.
        self.epochs: dict[str, int] = dict.fromkeys(self.running, 0)
        self.replicas: dict[str, int] = defaultdict(int)
        self.ends: list[tuple[float, str, str]] = []  # (finish time, node, pod key)
        self.dirty: set[tuple[str, str]] = set()  # (node, pod key) changed since the last pass
        self.tally = Tally()
        self.informer = Informer(store, POD.prefix, pod_pb2.Pod)
        self.hooks: WorkerHooks | None = None
        # Online CPU held per running replica whatever its traffic, as a share of its request.
        self.idle_share = 0.0
        self.leases: dict[str, int] = {}
        # Whether anything reads the usage reports (the colocator does; static co-location and
        # pools have no reader): without one, a pass records its figures and builds no report.
        self.publish = True
        self._changed = asyncio.Event()

    async def watch(self) -> None:
        """Run the shared pod informer (until cancelled)."""

        def mark(pod: pod_pb2.Pod) -> None:
            if pod.spec.node_name:
                self.dirty.add((pod.spec.node_name, f"{pod.meta.namespace}/{pod.meta.name}"))
                self._changed.set()

        await self.informer.add_handler(
            Handler(
                on_add=lambda k, p: mark(p),
                on_update=lambda k, o, n: (mark(o), mark(n)),
                on_delete=lambda k, p: mark(p),
            )
        )
        await self.informer.run()

    def _wall_ns(self) -> int:
        return int(self.wall() * 1e9)

    def next_end(self) -> float:
        """When the next running batch pod is due to finish (inf: none runs)."""
        return self.ends[0][0] if self.ends else math.inf

    async def idle(self, until: float, react: float) -> None:
        """Wait until ``until``, or until ``react`` seconds after one of the fleet's pods
        changed (bound, deleted), if that comes first: a slave acts on a change within about
        a second, not at its next resync."""
        if not self.dirty:
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), max(0.0, until - self.clock.now()))
        await self.clock.sleep(max(0.0, min(until - self.clock.now(), react)))

    async def register(self, ttl: int) -> None:
        repo = Repository(self.store, NODE, clock_ns=self._wall_ns)
        for node in self.nodes:
            with contextlib.suppress(SigmaError):
                await repo.create(node)
            self.leases[node.meta.name] = await heartbeats.register(self.store, node.meta.name, ttl)

    async def heartbeat(self) -> None:
        for name, lease in self.leases.items():
            with contextlib.suppress(NotFound):
                await heartbeats.beat(self.store, name, lease)

    async def converge(self) -> None:
        """Start, finish and remove pods on the nodes whose pods changed, and those due."""
        now = self.clock.now()
        while self.ends and self.ends[0][0] <= now:
            _, node, key = heapq.heappop(self.ends)
            await self.finish(node, key)
        dirty, self.dirty = self.dirty, set()
        for node, key in sorted(dirty):
            if node in self.running:
                await self._converge_pod(node, key, now)

    async def finish(self, node: str, key: str) -> None:
        """The pod ends well (a batch pod's duration is over, a worker is released)."""
        run = self.running[node].pop(key, None)
        if run is not None:
            self.epochs[node] += 1
            await self._write(key, status.finished(run.uid, 0, self._wall_ns()))

    async def _converge_pod(self, node: str, key: str, now: float) -> None:
        """Act on one changed pod of ``node``: only what changed is looked at, so a fleet of
        thousands of busy nodes costs its changes, not its pods, per pass."""
        namespace, name = key.split("/", 1)
        pod = self.informer.get(POD.key(namespace, name))
        run = self.running[node].get(key)
        if pod is None or pod.spec.node_name != node:
            self._stop(node, key)  # gone, or moved off this node
        elif pod.meta.HasField("deletion_timestamp"):
            if run is not None:
                # deleted before its end: preempted or reclaimed
                if run.batch and now >= self.report_from:
                    reason = pod.status.reason or "Deleted"
                    self.tally.evictions.append((now, key, reason))
                self._stop(node, key)
            with contextlib.suppress(NotFound, Conflict):
                await self.pods.delete(
                    pod.meta.namespace,
                    pod.meta.name,
                    resource_version=pod.meta.resource_version,
                )
        elif run is None and pod.status.phase in STARTABLE:
            self._run(node, key, pod, now)
            created = pod.meta.creation_timestamp.ToNanoseconds() / 1e9
            if created and now >= self.report_from:
                self.tally.latencies.append(max(0.0, self.wall() - created))
            await self._write(key, status.running(pod.meta.uid, node, "", self._wall_ns()))

    def _run(self, node: str, key: str, pod: pod_pb2.Pod, now: float) -> None:
        c = pod.spec.template.containers
        batch = pod.spec.qos_class == BE
        app = "" if batch else pod.spec.owner_name
        run = _Running(
            key,
            pod.meta.uid,
            app,
            sum(x.resources.requests.cpu_millis for x in c),
            sum(x.resources.limits.cpu_millis for x in c),
            sum(x.resources.requests.memory_bytes for x in c),
            batch,
            batch and WORKER_LABEL in pod.meta.labels,
        )
        self.running[node][key] = run
        self.epochs[node] += 1
        if run.worker:
            if self.hooks is not None:
                self.hooks.started(node, key)
        elif batch:
            duration = float(pod.spec.template.labels.get(DURATION_LABEL, "60"))
            heapq.heappush(self.ends, (now + duration, node, key))
        else:
            self.replicas[app] += 1

    def _stop(self, node: str, key: str) -> None:
        run = self.running[node].pop(key, None)
        if run is not None:
            self.epochs[node] += 1
        if run is not None and not run.batch:
            self.replicas[run.app] -= 1
        elif run is not None and run.worker and self.hooks is not None:
            self.hooks.stopped(key)

    async def _write(self, key: str, change: status.Change) -> None:
        namespace, name = key.split("/", 1)
        with contextlib.suppress(NotFound, Conflict):
            await self.pods.mutate(namespace, name, change)

    def measure(self, t: float) -> list[event_pb2.NodeUsageReport]:
        """Give out CPU on every node at ``t``; record it; the usage reports to publish (none
        unless ``publish``)."""
        row = np.zeros((4, len(self.nodes)))
        reports = []
        counted = t >= self.report_from
        tally = self.tally if counted else Tally()  # warm-up figures go nowhere
        wall_ns = self._wall_ns()
        for i, node in enumerate(self.nodes):
            cap = node.spec.capacity.cpu_millis - SYSTEM_CPU
            online, batch = [], []
            for run in self.running[node.meta.name].values():
                (batch if run.batch else online).append(run)
            wants = []
            for run in online:
                app = self.apps.get(run.app)
                running = self.replicas[run.app]
                demand = replica_demand(app, run.cpu, running, self.idle_share, t, self.start)
                wants.append((run, demand, min(demand, run.limit or demand)))
            total = sum(w for _, _, w in wants)
            scale = min(1.0, cap / total) if total else 1.0
            oc = om = 0.0
            out = None
            if self.publish:
                out = event_pb2.NodeUsageReport(
                    node_name=node.meta.name, capacity=node.spec.capacity
                )
            for run, demand, want in wants:
                got = want * scale
                oc += got
                om += run.memory
                tally.pod_samples += 1
                tally.demand += demand
                if demand > got + 1e-6:
                    tally.unmet_samples += 1
                    tally.short += demand - got
                if out is not None:
                    out.pods.add(
                        pod_key=run.key,
                        qos_class=meta_pb2.QOS_CLASS_LS,
                        cpu_millis=int(got),
                        memory_bytes=run.memory,
                    )
            room = max(0.0, cap - oc)
            hooks = self.hooks
            uses = [
                hooks.usage(run.key) if run.worker and hooks else (run.cpu, run.memory)
                for run in batch
            ]
            asked = sum(cpu for cpu, _ in uses)
            bscale = min(1.0, room / asked) if asked else 1.0
            bc = bm = 0.0
            for run, (cpu, memory) in zip(batch, uses, strict=True):
                bc += cpu * bscale
                bm += memory
                if out is not None:
                    out.pods.add(
                        pod_key=run.key,
                        qos_class=BE,
                        cpu_millis=int(cpu * bscale),
                        memory_bytes=memory,
                    )
            row[:, i] = (oc, bc, om, bm)
            if out is None:
                continue
            u = out.usage
            u.online_cpu_millis, u.batch_cpu_millis = int(oc), int(bc)
            u.online_memory_bytes, u.batch_memory_bytes = int(om), int(bm)
            u.system_cpu_millis = SYSTEM_CPU
            u.cpu_millis = int(oc + bc) + SYSTEM_CPU
            u.memory_bytes = int(om + bm)
            out.sampled_at.FromNanoseconds(wall_ns)
            u.sampled_at.CopyFrom(out.sampled_at)
            reports.append(out)
        tally.times.append(t)
        tally.rows.append(row)
        return reports

    async def report(self, t: float) -> None:
        for out in self.measure(t):
            await self.bus.publish(
                NODE_USAGE_TOPIC,
                out.node_name,
                out.SerializeToString(),
                {"content-type": b"application/x-protobuf; messageType=sigma.v1.NodeUsageReport"},
            )


def replica_demand(
    app: OnlineApp | None, request: int, running: int, idle_share: float, t: float, start: float
) -> float:
    """An online replica's CPU demand: what it holds idle (``idle_share`` of its request)
    plus its share of the app's traffic, the rest of the app's demand at full replicas.
    So a replica shrunk away frees its idle CPU; the traffic moves to the others."""
    if app is None:
        return 0.0
    idle = idle_share * request
    traffic = max(0.0, app.demand_at(t, start) - idle * app.replicas)
    return idle + traffic / max(1, running)
