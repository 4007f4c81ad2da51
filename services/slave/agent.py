"""The slave agent: one per machine. Registers, heartbeats, converges, reports, protects online.

Level-triggered: every pass of ``converge`` compares what the store says should run on this
node with what the runtime runs, and closes the gap: start what should run, stop what should
not, report exits and keep each running pod's status (phase, cpuset) current with a CAS.
Killing the agent at any moment loses nothing: the runtime's state dir lets the next agent
adopt running processes, and the next pass writes whatever status was not written yet.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sigma.clock import Clock
from sigma.errors import SigmaError
from sigma.log import get_logger, request_scope
from sigma.slave import status
from sigma.slave.control import ControlPlane
from sigma.slave.cpuset import CpuAllocator, CpuSet, format_cpuset
from sigma.slave.qos.executor import Executor
from sigma.slave.qos.manager import Observation, QosManager
from sigma.slave.qos.model import Action, ActionKind, PodView, QosPolicy
from sigma.slave.runtime._port import PodRun, PodState, Runtime
from sigma.slave.usage import Mean, qos_sample, report
from sigma.v1 import event_pb2, meta_pb2, node_pb2, pod_pb2

log = get_logger("sigma.slave")

LSE, LSR, BE = meta_pb2.QOS_CLASS_LSE, meta_pb2.QOS_CLASS_LSR, meta_pb2.QOS_CLASS_BE
VERSION = "0.1.0"


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
    resync_interval: float = 1.0  # converge at least this often (exits are polled, not pushed)
    qos_interval: float = 0.025  # 25 ms: pressure to suppressed < 100 ms p99
    grace: float = 10.0  # SIGTERM -> SIGKILL on deletion, unless the pod sets its own
    evict_grace: float = 1.0  # the same for QoS evictions: batch must leave fast
    policy: QosPolicy = field(default_factory=QosPolicy)


class SlaveAgent:
    def __init__(
        self, node: str, control: ControlPlane, runtime: Runtime, clock: Clock, config: AgentConfig
    ) -> None:
        self.node = node
        self.control = control
        self.runtime = runtime
        self.clock = clock
        self.config = config
        self.allocator = CpuAllocator(config.cpu_count)
        self.batch_cpus: CpuSet = self.allocator.batch_pool()
        self.batch_quota = 0
        self.mean = Mean()  # the samples since the last usage report
        self.executor = Executor(node, self, control.publish_decision, clock=clock)
        # Without cpu.max a quota change alone does nothing: only CPU-set changes are actions.
        policy = dataclasses.replace(config.policy, enforce_quota=runtime.capabilities.cpu_max)
        self.qos = QosManager(
            node,
            config.cpu_count,
            config.memory_bytes,
            self.observe,
            self.executor,
            clock,
            policy=policy,
            interval=config.qos_interval,
        )
        self.capacity = meta_pb2.ResourceList(
            cpu_millis=config.cpu_count * 1000, memory_bytes=config.memory_bytes
        )
        self._wake = asyncio.Event()
        self._evicting: dict[str, asyncio.Task[None]] = {}
        self.draining = False  # a full drain: start nothing new
        self._drain_grace: float | None = None
        self._done: set[str] = set()  # uids of pods that finished or were evicted here
        # Final statuses (finished, evicted) the store has not taken yet, by pod key: the
        # runtime forgets the pod, so these are the only record of its end until written.
        self._verdicts: dict[str, tuple[str, status.Change]] = {}
        self._recorded_at: float | None = None  # clock time of the last usage written to the Node

    # -- wiring -------------------------------------------------------------------------------
    async def start(self) -> None:
        await self.control.register_node(self.node_object())
        await self.control.start_heartbeat(self.config.heartbeat_ttl)
        for pod in self.runtime.adopt():
            if pod.running and pod.qos in (LSE, LSR):
                self.allocator.adopt(pod.key, exclusive=pod.qos == LSE, cpus=pod.cpus)
        log.info("agent started", extra={"node": self.node, "runtime": self.runtime.name})

    async def run(self) -> None:
        await self.start()
        loops = [
            self.control.watch_pods(self._wake.set),
            self._every(self.config.heartbeat_interval, self.control.heartbeat),
            self._converge_loop(),
            self.qos.run(),
            self._every(self.config.usage_interval, self.publish_usage),
        ]
        tasks = [asyncio.ensure_future(loop) for loop in loops]
        try:
            await asyncio.gather(*tasks)
        finally:
            for task in [*tasks, *self._evicting.values()]:
                task.cancel()
            await asyncio.gather(*tasks, *self._evicting.values(), return_exceptions=True)
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
            try:
                await self.converge()
            except SigmaError as exc:
                log.warning("converge failed", extra={"node": self.node, "error": str(exc)})
            sleeper = asyncio.ensure_future(self.clock.sleep(self.config.resync_interval))
            woken = asyncio.ensure_future(self._wake.wait())
            try:
                await asyncio.wait([sleeper, woken], return_when=asyncio.FIRST_COMPLETED)
            finally:  # also when the loop is cancelled, or both would outlive it
                sleeper.cancel()
                woken.cancel()

    # -- converging ---------------------------------------------------------------------------
    async def converge(self) -> None:
        mine = {_key(p): p for p in self.control.my_pods()}
        # A pod that finished here stays finished even before the cache shows its verdict.
        self._done &= {p.meta.uid for p in mine.values()}
        await self._write_verdicts(mine)
        wanted = {
            k: p
            for k, p in mine.items()
            if _wanted(p) and not self.draining and p.meta.uid not in self._done
        }
        self.runtime.poll()
        for key, st in self.runtime.pods().items():
            if key in self._evicting:
                continue
            if not st.running:
                await self._finish(st, mine.get(key))
            elif key not in wanted or wanted[key].meta.uid != st.uid:
                await self._stop(st, mine.get(key))
        # Exclusive and reserved CPUs first, so shared pods start on the pool that is left.
        order = sorted(
            wanted.items(), key=lambda kv: (kv[1].spec.qos_class not in (LSE, LSR), kv[0])
        )
        for key, pod in order:
            fresh = pod.meta.uid not in self._done  # not finished earlier in this very pass
            if fresh and key not in self._evicting and key not in self.runtime.pods():
                await self._start(pod)
        running = self.runtime.pods()
        for key, pod in wanted.items():
            st = running.get(key)
            if st is not None and st.running and key not in self._evicting:
                await self._keep(pod, st)
        for key, pod in mine.items():
            if pod.meta.HasField("deletion_timestamp") and key not in running:
                await self.control.delete_pod(pod)

    async def _start(self, pod: pod_pb2.Pod) -> None:
        with request_scope(pod.meta):
            await self._start_pod(pod)

    async def _start_pod(self, pod: pod_pb2.Pod) -> None:
        key = _key(pod)
        try:
            cpus = self._cpus_for(key, pod.spec.qos_class, pod)
            st = await self.runtime.start(PodRun.from_pod(pod, cpus))
        except SigmaError as exc:
            self.allocator.release(key)
            await self._write(pod, status.failed_to_start(pod.meta.uid, str(exc), time.time_ns()))
            return
        log.info("pod started", extra={"pod": key, "cpus": format_cpuset(cpus), "pids": st.pids})

    async def _keep(self, pod: pod_pb2.Pod, st: PodState) -> None:
        """Keep a running pod on the CPUs its class gets now, and its status saying so."""
        want = self._cpus_for(st.key, st.qos, pod)
        if want != st.cpus:
            await self.runtime.set_cpus(st.key, want, self.batch_quota if st.qos == BE else 0)
        cpuset = format_cpuset(want)
        change = status.running(st.uid, self.node, cpuset, int(st.started_at * 1e9))
        probe = pod_pb2.Pod()
        probe.CopyFrom(pod)  # the cache's copy is shared: try the change on a copy first
        if change(probe):
            await self._write(pod, change)

    async def _stop(self, st: PodState, pod: pod_pb2.Pod | None) -> None:
        grace = self.config.grace
        if pod is not None and pod.spec.template.HasField("termination_grace_period"):
            grace = pod.spec.template.termination_grace_period.ToTimedelta().total_seconds()
        await self.runtime.stop(st.key, grace)
        self._release(st.key)
        if pod is not None and pod.meta.HasField("deletion_timestamp"):
            await self.control.delete_pod(pod)

    async def _finish(self, st: PodState, pod: pod_pb2.Pod | None) -> None:
        self._done.add(st.uid)
        if not st.killed and st.exit_code is not None:
            change = status.finished(st.uid, st.exit_code, time.time_ns())
            await self._verdict(st.key, st.uid, change)
        self._release(st.key)

    async def _verdict(self, key: str, uid: str, change: status.Change) -> None:
        """Write a pod's final status, or keep it for the next pass if the store refuses it."""
        self._verdicts[key] = (uid, change)
        if await self._write_key(key, change):
            self._verdicts.pop(key, None)

    async def _write_verdicts(self, mine: dict[str, pod_pb2.Pod]) -> None:
        """Retry the final statuses not written yet; drop those of pods gone or replaced."""
        for key, (uid, change) in list(self._verdicts.items()):
            pod = mine.get(key)
            if pod is None or pod.meta.uid != uid or await self._write_key(key, change):
                self._verdicts.pop(key, None)

    def _release(self, key: str) -> None:
        self.runtime.forget(key)
        self.allocator.release(key)

    async def _write(self, pod: pod_pb2.Pod, change: status.Change) -> bool:
        return await self._write_key(_key(pod), change)

    async def _write_key(self, key: str, change: status.Change) -> bool:
        """Whether the store took the change (a refused one is written again by a later pass)."""
        namespace, _, name = key.partition("/")
        try:
            await self.control.update_pod(namespace, name, change)
        except SigmaError as exc:
            log.warning("status write failed", extra={"pod": key, "error": str(exc)})
            return False
        return True

    def _cpus_for(self, key: str, qos: int, pod: pod_pb2.Pod) -> CpuSet:
        if qos in (LSE, LSR):
            millis = sum(c.resources.requests.cpu_millis for c in pod.spec.template.containers)
            return self.allocator.allocate(key, exclusive=qos == LSE, cpu_millis=millis)
        if qos == BE:
            return (self.batch_cpus & self.allocator.batch_pool()) or self.allocator.shared_pool()
        return self.allocator.shared_pool()

    # -- the QoS host: the executor's only way to touch pods -------------------------------
    async def set_batch_cpus(self, cpus: CpuSet, quota_millis: int) -> None:
        self.batch_cpus, self.batch_quota = cpus, quota_millis
        for key, st in self.runtime.pods().items():
            if st.running and st.qos == BE and key not in self._evicting:
                await self.runtime.set_cpus(key, cpus, quota_millis)

    async def freeze(self, pod_key: str) -> None:
        await self.runtime.freeze(pod_key)

    async def thaw(self, pod_key: str) -> None:
        await self.runtime.thaw(pod_key)

    async def evict(self, pod_key: str, reason: str, message: str) -> None:
        """Stop the pod in the background (the QoS loop must not wait out its grace)."""
        st = self.runtime.pods().get(pod_key)
        if st is None or not st.running or pod_key in self._evicting:
            return
        self._evicting[pod_key] = asyncio.ensure_future(self._evict(st, reason, message))

    async def _evict(self, st: PodState, reason: str, message: str) -> None:
        self._done.add(st.uid)
        try:
            grace = self._drain_grace if self._drain_grace is not None else self.config.evict_grace
            await self.runtime.stop(st.key, grace)
            change = status.evicted(st.uid, reason, message, time.time_ns())
            await self._verdict(st.key, st.uid, change)
            self._release(st.key)
        finally:
            self._evicting.pop(st.key, None)

    async def observe(self) -> Observation:
        sample = self.runtime.sample()
        self.mean.add(sample)
        pods = {k: p for k, p in self.runtime.pods().items() if p.running}
        views = tuple(
            PodView(
                key=k,
                qos=p.qos,
                priority=p.priority,
                cpu_millis=sample.pods[k].cpu_millis if k in sample.pods else 0,
                memory_bytes=sample.pods[k].memory_bytes if k in sample.pods else 0,
                memory_limit_bytes=0
                if self.runtime.capabilities.memory_max
                else p.memory_limit_bytes,
                frozen=p.frozen,
                pressure=sample.pods[k].pressure if k in sample.pods else None,
            )
            for k, p in pods.items()
            if k not in self._evicting
        )
        return Observation(
            qos_sample(self.clock.now(), sample, pods),
            views,
            self.allocator.batch_pool(),
            frozenset().union(*self.allocator.reserved.values()),
            self.batch_cpus,
            self.batch_quota,
        )

    def usage_report(self) -> event_pb2.NodeUsageReport | None:
        """Usage since the last report was published (CPU averaged over its samples)."""
        sample = self.mean.sample()
        if sample is None:
            return None
        pods = self.runtime.pods()
        return report(self.node, sample, pods, self.capacity, time.time_ns())

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
        await self.control.publish_usage(usage)
        self.mean.reset()

    # -- drain --------------------------------------------------------------------------------
    async def drain(
        self, reason: str, *, batch_only: bool, grace: float | None, timeout: float
    ) -> tuple[list[str], list[str]]:
        """Cordon, then evict (batch first) through the executor; wait up to ``timeout``."""
        await self.control.cordon()
        self.draining = self.draining or not batch_only
        self._drain_grace = grace
        pods = [p for p in self.runtime.pods().values() if p.running]
        pods.sort(key=lambda p: (p.qos != BE, p.priority))
        chosen = [p.key for p in pods if p.qos == BE or not batch_only]
        await self.executor.apply(
            Action(ActionKind.EVICT, key, reason, "node drain") for key in chosen
        )
        pending = [t for k, t in self._evicting.items() if k in chosen]
        if pending:
            await asyncio.wait(pending, timeout=timeout)
        left = [k for k in chosen if k in self._evicting]
        return [k for k in chosen if k not in left], left


def _key(pod: pod_pb2.Pod) -> str:
    return f"{pod.meta.namespace}/{pod.meta.name}"


def _wanted(pod: pod_pb2.Pod) -> bool:
    return pod.status.phase not in status.TERMINAL and not pod.meta.HasField("deletion_timestamp")
