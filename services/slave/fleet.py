"""A fleet of virtual nodes in one process: the simulated runtime at benchmark and replay scale.

One ``SimulatedCluster`` holds every node's pods; ``report_round`` samples every node and
publishes its NodeUsageReport (key = node), exactly what a real slave publishes, so the
colocator and the trace replay consume the same stream from 5,000 virtual nodes as from one
real machine. No agent loop per node: placement and QoS are driven by whoever replays.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from sigma.clock import Clock
from sigma.slave.runtime._port import PodRun
from sigma.slave.runtime.simulated import SimulatedCluster, SimulatedRuntime, UsageModel
from sigma.slave.usage import report
from sigma.v1 import event_pb2, meta_pb2

Publish = Callable[[event_pb2.NodeUsageReport], Awaitable[None]]


class SimulatedFleet:
    def __init__(
        self,
        clock: Clock,
        names: list[str],
        *,
        cpu_count: int = 32,
        memory_bytes: int = 128 << 30,
        model: UsageModel | None = None,
    ) -> None:
        self.cluster = SimulatedCluster(clock, model)
        self.nodes: dict[str, SimulatedRuntime] = {
            n: self.cluster.runtime(n, cpu_count, memory_bytes) for n in names
        }
        self.capacity = meta_pb2.ResourceList(
            cpu_millis=cpu_count * 1000, memory_bytes=memory_bytes
        )

    async def start(self, node: str, run: PodRun) -> None:
        await self.nodes[node].start(run)

    async def report_round(self, publish: Publish) -> int:
        """Sample every node and publish its report; returns how many were published."""
        now = time.time_ns()
        for name, runtime in self.nodes.items():
            runtime.poll()
            await publish(report(name, runtime.sample(), runtime.pods(), self.capacity, now))
        return len(self.nodes)
