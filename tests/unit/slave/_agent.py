"""An agent over the embedded store and bus with the simulated runtime and a manual clock."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

from sigma.bus.memory import MemoryBus
from sigma.resources import NODE, POD
from sigma.resources.repository import Repository
from sigma.slave.agent import AgentConfig, SlaveAgent
from sigma.slave.control import StoreControlPlane
from sigma.slave.runtime.simulated import SimulatedCluster, SimulatedRuntime
from sigma.store.memory import MemoryStore
from sigma.testing.clock import ManualClock
from sigma.testing.wait import eventually
from sigma.v1 import meta_pb2, node_pb2, pod_pb2

GIB = 1 << 30


@dataclass
class Rig:
    store: MemoryStore
    bus: MemoryBus
    clock: ManualClock
    runtime: SimulatedRuntime
    control: StoreControlPlane
    agent: SlaveAgent
    pods: Repository[pod_pb2.Pod]
    nodes: Repository[node_pb2.Node]
    watcher: asyncio.Task[None]

    async def sync(self, count: int) -> None:
        """Wait until the agent's informer holds ``count`` pods of this node, then converge."""
        await eventually(lambda: len(self.control.my_pods()) == count, timeout=2)
        await self.converge()

    async def converge(self) -> None:
        """A pass, its background stops carried out, and the pass that follows them."""
        await self.agent.converge()
        await self.agent.pods.settle()
        await self.agent.converge()

    async def status(self, name: str) -> pod_pb2.PodStatus:
        return (await self.pods.get("team", name)).status

    async def close(self) -> None:
        self.watcher.cancel()
        await asyncio.gather(self.watcher, return_exceptions=True)


async def rig(node: str = "n1", cpus: int = 8) -> Rig:
    store, bus, clock = MemoryStore(), MemoryBus(), ManualClock(1000.0)
    runtime = SimulatedCluster(clock).runtime(node, cpus, 16 * GIB)
    control = StoreControlPlane(store, bus, node)
    agent = SlaveAgent(
        node,
        control,
        runtime,
        clock,
        AgentConfig(cpu_count=cpus, memory_bytes=16 * GIB, labels={"zone": "a"}, grace=0.1),
    )
    await agent.start()
    watcher = asyncio.ensure_future(control.watch_pods(lambda: None))
    await control.wait_synced()
    return Rig(
        store,
        bus,
        clock,
        runtime,
        control,
        agent,
        Repository(store, POD),
        Repository(store, NODE),
        watcher,
    )


def make_pod(
    name: str, qos: int, node: str = "n1", *, cpu: int = 500, priority: int = 0, **labels: str
) -> pod_pb2.Pod:
    p = pod_pb2.Pod()
    p.meta.namespace, p.meta.name = "team", name
    p.meta.labels.update(labels)
    p.spec.node_name = node
    p.spec.qos_class = qos  # type: ignore[assignment]
    p.spec.priority = priority
    c = p.spec.template.containers.add(name="main", command=["run"])
    c.resources.requests.cpu_millis = cpu
    p.status.phase = pod_pb2.POD_PHASE_SCHEDULED
    return p


LSE, LS, BE = meta_pb2.QOS_CLASS_LSE, meta_pb2.QOS_CLASS_LS, meta_pb2.QOS_CLASS_BE
