"""The node as the QoS loop sees and touches it: observations in, squeezes and evictions out.

``RuntimeHost`` implements the QoS executor's ``QosHost`` over the runtime: it narrows batch
to the CPU set and quota the strategies chose, freezes and thaws batch pods, and evicts them
through the pod executor (in the background, with the eviction grace, recorded Evicted). Its
``observe`` is the QoS manager's view of the machine, one runtime sample each tick.
"""

from __future__ import annotations

from collections.abc import Callable

from sigma.clock import Clock
from sigma.resources.cpusets import CpuSet
from sigma.slave.cpuset import NodeCpus
from sigma.slave.pods.executor import PodExecutor
from sigma.slave.qos.manager import Observation
from sigma.slave.qos.model import BATCH, PodView
from sigma.slave.runtime._port import Runtime
from sigma.slave.usage import Mean, qos_sample


class RuntimeHost:
    def __init__(
        self,
        runtime: Runtime,
        cpus: NodeCpus,
        pods: PodExecutor,
        clock: Clock,
        evict_grace: Callable[[], float],
        wall: Callable[[], float],
    ) -> None:
        self.wall = wall
        self.runtime = runtime
        self.cpus = cpus
        self.pods = pods
        self.clock = clock
        self.evict_grace = evict_grace  # read at each eviction: a drain may override it
        self.mean = Mean()  # the samples since the last usage report

    async def set_batch_cpus(self, cpus: CpuSet, quota_millis: int) -> None:
        self.cpus.batch_cpus, self.cpus.batch_quota = cpus, quota_millis
        busy = self.pods.busy
        for key, st in self.runtime.pods().items():
            if st.running and st.qos == BATCH and key not in busy:
                await self.runtime.controls.set_cpus(key, cpus, quota_millis)

    async def freeze(self, pod_key: str) -> None:
        await self.runtime.controls.freeze(pod_key)

    async def thaw(self, pod_key: str) -> None:
        await self.runtime.controls.thaw(pod_key)

    async def evict(self, pod_key: str, reason: str, message: str) -> None:
        """Stop the pod in the background (the QoS loop must not wait out its grace)."""
        self.pods.evict(pod_key, self.evict_grace(), reason, message)

    async def observe(self) -> Observation:
        sample = self.runtime.controls.sample()
        self.mean.add(sample)
        memory_max = self.runtime.capabilities.memory_max
        busy = self.pods.busy
        pods = {k: p for k, p in self.runtime.pods().items() if p.running}
        now = self.wall()
        views = tuple(
            PodView(
                key=k,
                qos=p.qos,
                priority=p.priority,
                cpu_millis=sample.pods[k].cpu_millis if k in sample.pods else 0,
                memory_bytes=sample.pods[k].memory_bytes if k in sample.pods else 0,
                memory_limit_bytes=0 if memory_max else p.memory_limit_bytes,
                frozen=p.frozen,
                pressure=sample.pods[k].pressure if k in sample.pods else None,
                ran_for=max(0.0, now - p.started_at) if p.started_at else 0.0,
            )
            for k, p in pods.items()
            if k not in busy
        )
        allocator = self.cpus.allocator
        return Observation(
            qos_sample(self.clock.now(), sample, pods),
            views,
            allocator.batch_pool(),
            frozenset().union(*allocator.reserved.values()),
            self.cpus.batch_cpus,
            self.cpus.batch_quota,
        )
