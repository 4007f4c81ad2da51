"""The slave agent: one per machine. Registers, heartbeats, converges, reports, protects online.

Level-triggered: every pass of ``converge`` hands what the store says should run on this node
and what the runtime runs to the pure ``pods.reconcile``, and lets ``pods.executor`` carry out
its plan: start what should run, restart what crashed once its back-off is due, stop what
should not run, report exits and keep each live pod's status current with a CAS. A pass runs
at least every ``resync_interval``, at once when the store or a container exit says something
changed, and when a back-off falls due. Killing the agent at any moment loses nothing: the
runtime's state lets the next agent adopt running containers, and the next pass writes
whatever status was not written yet.

A node cut off from the masters stops its pods itself before the masters move them
(``fence``): ``check_fence`` puts the fence up when the node lease went unrenewed too long,
and lifts it once a renewal succeeds, after reading from the store what still runs here.

The agent only wires and paces: decisions live in ``pods.reconcile`` and the QoS strategies,
host writes in ``pods.executor`` and the QoS executor, usage in ``usage``, drains in ``drain``.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sigma.clock import Clock, sleep_or
from sigma.errors import SigmaError
from sigma.log import get_logger
from sigma.resources.pods import key as pod_key
from sigma.slave.control import ControlPlane
from sigma.slave.cpuset import NodeCpus
from sigma.slave.fence import Floor, SelfFence
from sigma.slave.pods import probes
from sigma.slave.pods.backoff import Backoff
from sigma.slave.pods.executor import PodExecutor
from sigma.slave.pods.reconcile import Facts, Plan, reconcile
from sigma.slave.qos.executor import Executor
from sigma.slave.qos.host import RuntimeHost
from sigma.slave.qos.manager import QosManager
from sigma.slave.qos.model import QosPolicy
from sigma.slave.runtime._port import Runtime
from sigma.slave.usage import report
from sigma.v1 import event_pb2, meta_pb2, node_pb2, pod_pb2

log = get_logger("sigma.slave")

VERSION = "0.1.0"
_PASSES = 3  # reconcile again at once after a pass that started or ended something


@dataclass(slots=True)
class AgentConfig:
    cpu_count: int
    memory_bytes: int
    topology: node_pb2.NodeTopology = field(default_factory=node_pb2.NodeTopology)
    labels: dict[str, str] = field(default_factory=dict)
    reserved_cpu_millis: int = 0  # kept for the OS and agents: capacity - this = allocatable
    reserved_memory_bytes: int = 0
    heartbeat_ttl: int = 15
    heartbeat_interval: float = 5.0
    usage_interval: float = 10.0
    resync_interval: float = 1.0  # converge at least this often
    qos_interval: float = 0.025  # 25 ms: pressure to suppressed < 100 ms p99
    grace: float = 10.0  # SIGTERM -> SIGKILL on deletion, unless the pod sets its own
    evict_grace: float = 1.0  # the same for QoS evictions: batch must leave fast
    policy: QosPolicy = field(default_factory=QosPolicy)
    backoff: Backoff = field(default_factory=Backoff)  # restart back-off of crashed containers
    address: str = ""  # where this agent serves sigma.v1.Slave, recorded in the Node
    stop_pods_grace: float | None = None  # on exit, stop every pod with it (None: leave them)
    # Seconds without a renewed node lease before every pod here is stopped (self-fence,
    # ``sigma.slave.fence``); shorter than heartbeat_ttl + the masters' node grace.
    fence_after: float = 30.0


class SlaveAgent:
    def __init__(
        self,
        node: str,
        control: ControlPlane,
        runtime: Runtime,
        clock: Clock,
        config: AgentConfig,
        *,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.node = node
        self.control = control
        self.runtime = runtime
        self.clock = clock
        self.wall = wall
        self.config = config
        self._wake = asyncio.Event()
        self.cpus = NodeCpus.of(config.cpu_count)
        self.pods = PodExecutor(
            node, control, runtime, self.cpus, grace=config.grace, wall=wall, wake=self._wake.set
        )
        self.backoff = config.backoff
        self.prober = probes.Prober(runtime, clock, self._wake.set, failed=self._probe_failed)
        self.draining = False  # a full drain: start nothing new
        self.drain_grace: float | None = None  # a drain's own eviction grace
        self.host = RuntimeHost(runtime, self.cpus, self.pods, clock, self._evict_grace, wall)
        self.executor = Executor(node, self.host, control.publish, clock=clock)
        # Without cpu.max a quota change alone does nothing: only CPU-set changes are actions.
        policy = dataclasses.replace(config.policy, enforce_quota=runtime.capabilities.cpu_max)
        self.qos = QosManager(
            node,
            config.cpu_count,
            config.memory_bytes,
            self.host.observe,
            self.executor,
            clock,
            policy=policy,
            interval=config.qos_interval,
        )
        self.capacity = meta_pb2.ResourceList(
            cpu_millis=config.cpu_count * 1000, memory_bytes=config.memory_bytes
        )
        self._recorded_at: float | None = None  # clock time of the last usage written to the Node
        self.fence = SelfFence(config.fence_after)
        self._floor: Floor | None = None  # after a fence: what the store said runs here
        runtime.on_exit(self._wake.set)

    def _probe_failed(self, target: probes.Target, kind: str) -> None:
        if kind == probes.READINESS:  # a failed liveness probe is told when it restarts
            message = f"readiness probe failed for container {target.container}"
            self.control.record(target.pod_key, target.pod_uid, "Unhealthy", message, warning=True)

    def _evict_grace(self) -> float:
        return self.drain_grace if self.drain_grace is not None else self.config.evict_grace

    # -- wiring -------------------------------------------------------------------------------
    async def start(self) -> None:
        await self.control.register_node(self.node_object())
        sent = self.clock.now()
        await self.control.lease.start(self.config.heartbeat_ttl)
        self.fence.renewed(sent)
        lse, lsr = meta_pb2.QOS_CLASS_LSE, meta_pb2.QOS_CLASS_LSR
        for pod in self.runtime.adopt():
            if pod.running and pod.qos in (lse, lsr):
                self.cpus.allocator.adopt(pod.key, exclusive=pod.qos == lse, cpus=pod.cpus)
        log.info("agent started", extra={"node": self.node, "runtime": self.runtime.name})

    async def run(self) -> None:
        await self.start()
        loops = [
            self.control.watch_pods(self._wake.set),
            self._every(self.config.heartbeat_interval, self.beat),
            self._every(min(1.0, self.config.fence_after / 10), self.check_fence),
            self._converge_loop(),
            self.qos.run(),
            self._every(self.config.usage_interval, self.publish_usage),
        ]
        tasks = [asyncio.ensure_future(loop) for loop in loops]
        try:
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self.prober.close()
            await self.pods.close()
            if self.config.stop_pods_grace is not None:
                for key in list(self.runtime.pods()):
                    await self.runtime.stop(key, self.config.stop_pods_grace)
                    self.runtime.forget(key)
            await self.control.close()
            await self.runtime.close()  # the pods keep running: a restarted agent adopts them

    def node_object(self) -> node_pb2.Node:
        c = self.config
        node = node_pb2.Node()
        node.meta.name = self.node
        node.meta.labels.update(c.labels)
        node.spec.capacity.CopyFrom(self.capacity)
        node.spec.allocatable.cpu_millis = self.capacity.cpu_millis - c.reserved_cpu_millis
        node.spec.allocatable.memory_bytes = self.capacity.memory_bytes - c.reserved_memory_bytes
        node.spec.topology.CopyFrom(c.topology)
        node.spec.topology.host = c.topology.host or self.node
        node.spec.cpu_count = c.cpu_count
        node.status.phase = node_pb2.NODE_PHASE_READY
        node.status.agent_version = VERSION
        node.status.agent_address = c.address
        return node

    async def _every(self, interval: float, step: Callable[[], Awaitable[object]]) -> None:
        while True:
            try:
                await step()
            except SigmaError as exc:
                log.warning("agent step failed", extra={"step": str(step), "error": str(exc)})
            await self.clock.sleep(interval)

    async def _converge_loop(self) -> None:
        await self.control.wait_synced()
        while True:
            self._wake.clear()
            wake_at = None
            try:
                wake_at = await self.converge()
            except SigmaError as exc:
                log.warning("converge failed", extra={"node": self.node, "error": str(exc)})
            pause = self.config.resync_interval
            if wake_at is not None:  # a restart back-off falls due before the next resync
                pause = max(0.0, min(pause, wake_at - self.wall()))
            await sleep_or(self.clock, pause, self._wake)

    # -- the node lease and the self-fence ---------------------------------------------------
    async def beat(self) -> None:
        """Renew the node lease; the fence counts from when a renewal that succeeded was sent."""
        sent = self.clock.now()
        await self.control.lease.beat()
        self.fence.renewed(sent)

    async def check_fence(self) -> None:
        """Fence (stop every pod) when the lease went unrenewed ``fence_after`` seconds; lift
        the fence once a renewal succeeded and the store was read for what runs here."""
        now = self.clock.now()
        if self.fence.should_fence(now):
            self.fence.up(now)
            mine = {pod_key(p): p for p in self.control.my_pods()}
            stopping = self.pods.stop_all(mine)
            log.warning(
                "node lease not renewed: pods fenced",
                extra={"node": self.node, "after": self.config.fence_after, "stopping": stopping},
            )
            self._wake.set()
        elif self.fence.should_lift(now):
            revision, here = await self.control.read_my_pods()
            self._floor = Floor(revision, here)
            self.fence.down()
            extra = {"node": self.node, "pods": len(here)}
            log.info("node lease renewed: fence lifted", extra=extra)
            self._wake.set()

    def _desired(self) -> dict[str, pod_pb2.Pod]:
        """The pods that should run here: the local view, minus what a lifted fence's read of
        the store says moved away while the view may still be catching up."""
        mine = {pod_key(p): p for p in self.control.my_pods()}
        floor = self._floor
        if floor is None:
            return mine
        if self.control.seen_revision() >= floor.revision:
            self._floor = None
            return mine
        return {
            k: p for k, p in mine.items() if floor.trusted(k, p.meta.uid, p.meta.resource_version)
        }

    # -- converging ---------------------------------------------------------------------------
    async def converge(self) -> float | None:
        """One pass; returns when the earliest pending restart falls due (wall seconds)."""
        mine = self._desired()
        await self.pods.writer.begin_pass(mine)
        plan = Plan()
        for _ in range(_PASSES):
            self.runtime.poll()
            observed = self.runtime.pods()
            self.prober.sync(probes.targets(mine, observed))
            done = frozenset(self.pods.writer.done)
            facts = Facts(self.wall(), self.draining, self.pods.busy, done, self.fence.fenced)
            plan = reconcile(mine, observed, facts, self.backoff, self.prober.passing)
            await self.pods.apply(plan)
            if not plan.acted:
                break
        self.backoff.keep_only(p.meta.uid for p in mine.values())
        return plan.wake_at

    # -- usage --------------------------------------------------------------------------------
    def usage_report(self) -> event_pb2.NodeUsageReport | None:
        """Usage since the last report was published (CPU averaged over its samples)."""
        sample = self.host.mean.sample()
        if sample is None:
            return None
        pods = self.runtime.pods()
        return report(self.node, sample, pods, self.capacity, int(self.wall() * 1e9))

    async def publish_usage(self) -> None:
        """Publish the usage report, and write its figures into the Node's status.

        The bus feeds the colocator; the Node is what readers of the store (``sigmactl top
        nodes``, the scheduler) see. The Node write happens at most once per usage interval,
        however often this is called, so a slave never turns its samples into a write storm;
        a failed write is only logged, the bus report still goes out.
        """
        usage = self.usage_report()
        if usage is None:
            return
        now = self.clock.now()
        if self._recorded_at is None or now - self._recorded_at >= self.config.usage_interval:
            self._recorded_at = now
            try:
                await self.control.record_usage(usage.usage)
            except SigmaError as exc:
                log.warning("usage not recorded", extra={"node": self.node, "error": str(exc)})
        await self.control.publish(usage)
        self.host.mean.reset()
