"""5,000 virtual nodes (8 pods each) of the simulated runtime in one process, every node
reporting usage as a real slave does.

Prints the process's memory for the fleet and the CPU one reporting round costs (sample every
node, build its NodeUsageReport, publish it on the in-memory bus). Run with ``-s``;
SIGMA_SIM_NODES changes the fleet size.
"""

from __future__ import annotations

import os
import time

import psutil

from sigma.bus.memory import MemoryBus
from sigma.events import NODE_USAGE_TOPIC
from sigma.slave.runtime._port import ContainerRun, PodRun
from sigma.slave.runtime.simulated import SimulatedCluster, UsageModel
from sigma.slave.usage import report
from sigma.testing.clock import ManualClock
from sigma.v1 import event_pb2, meta_pb2

NODES = int(os.environ.get("SIGMA_SIM_NODES", "5000"))
PODS = 8
MODEL = UsageModel.from_data(
    {"profiles": {"day": {"period": 86400, "points": [[0, 0.2, 0.6], [43200, 0.9, 0.8]]}}}
)


async def test_five_thousand_virtual_nodes_report_usage() -> None:
    proc = psutil.Process()
    rss0 = proc.memory_info().rss
    clock = ManualClock()
    cluster = SimulatedCluster(clock, MODEL)
    nodes = {f"v{i:05d}": cluster.runtime(f"v{i:05d}", 32, 128 << 30) for i in range(NODES)}
    capacity = meta_pb2.ResourceList(cpu_millis=32_000, memory_bytes=128 << 30)
    qos = [meta_pb2.QOS_CLASS_LS, meta_pb2.QOS_CLASS_BE]
    for name, runtime in nodes.items():
        for j in range(PODS):
            await runtime.start(
                PodRun(
                    f"ns/{name}-{j}",
                    f"u-{name}-{j}",
                    qos[j % 2],
                    (ContainerRun("c", ("x",)),),
                    frozenset(),
                    cpu_request_millis=2000,
                    memory_request_bytes=4 << 30,
                    labels=(("sigma.io/usage-profile", "day"),),
                ),
            )
    rss_fleet = proc.memory_info().rss - rss0
    bus = MemoryBus()

    clock.advance(21600)  # a quarter into the day: cpu share 0.55 of the request
    cpu0, wall0 = time.process_time(), time.perf_counter()
    at = int(clock.now() * 1e9)
    for name, runtime in nodes.items():  # one reporting round: what each slave publishes
        runtime.poll()
        r = report(name, runtime.controls.sample(), runtime.pods(), capacity, at)
        await bus.publish(NODE_USAGE_TOPIC, name, r.SerializeToString())
    cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
    async with await bus.consumer("t", [NODE_USAGE_TOPIC]) as consumer:
        got: dict[str, event_pb2.NodeUsageReport] = {}
        while len(got) < NODES:
            for m in await consumer.fetch(max_records=5000, timeout=1):
                got[m.key] = event_pb2.NodeUsageReport.FromString(m.value)
    sample = got["v00007"]
    assert len(sample.pods) == PODS
    assert sample.usage.online_cpu_millis == sample.usage.batch_cpu_millis == 4 * 1100
    print(
        f"\n{NODES} virtual nodes x {PODS} pods: fleet memory {rss_fleet / 2**20:.0f} MiB; "
        f"one usage round {cpu * 1000:.0f} ms CPU ({wall * 1000:.0f} ms wall), "
        f"{cpu / NODES * 1e6:.0f} µs per node"
    )
