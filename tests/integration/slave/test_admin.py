"""The slave's admin gRPC service on a real server (port 0), over the simulated runtime."""

from __future__ import annotations

import asyncio

import grpc
import pytest

from sigma.bus.memory import MemoryBus
from sigma.resources import NODE, POD
from sigma.resources.repository import Repository
from sigma.rpc import RpcServer
from sigma.slave.agent import AgentConfig, SlaveAgent
from sigma.slave.api import service
from sigma.slave.control import StoreControlPlane
from sigma.slave.runtime.simulated import SimulatedCluster
from sigma.store.memory import MemoryStore
from sigma.testing.clock import ManualClock
from sigma.testing.wait import eventually
from sigma.v1 import meta_pb2, pod_pb2, slave_pb2, slave_pb2_grpc


def _pod(name: str, qos: int, cpu: int) -> pod_pb2.Pod:
    p = pod_pb2.Pod()
    p.meta.namespace, p.meta.name = "team", name
    p.spec.node_name, p.spec.qos_class = "n1", qos  # type: ignore[assignment]
    p.spec.template.containers.add(name="c", command=["x"]).resources.requests.cpu_millis = cpu
    return p


@pytest.fixture
async def admin():  # type: ignore[no-untyped-def]
    store, bus, clock = MemoryStore(), MemoryBus(), ManualClock()
    runtime = SimulatedCluster(clock).runtime("n1", 4, 8 << 30)
    agent = SlaveAgent(
        "n1",
        StoreControlPlane(store, bus, "n1"),
        runtime,
        clock,
        AgentConfig(cpu_count=4, memory_bytes=8 << 30, resync_interval=0.05),
    )
    task = asyncio.ensure_future(agent.run())
    pods = Repository(store, POD)
    await pods.create(_pod("lse", meta_pb2.QOS_CLASS_LSE, 1000))
    await pods.create(_pod("job", meta_pb2.QOS_CLASS_BE, 500))
    await eventually(lambda: len(runtime.pods()) == 2, timeout=5)
    await agent.qos.tick()  # room 2600 - (850 - 250) = 2000m: batch squeezed onto 2 CPUs
    async with (
        RpcServer([service(agent)]) as server,
        grpc.aio.insecure_channel(server.address) as channel,
    ):
        yield slave_pb2_grpc.SlaveStub(channel), store
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)


async def test_node_status_and_local_pods(admin) -> None:  # type: ignore[no-untyped-def]
    stub, _ = admin
    status = await stub.GetNodeStatus(slave_pb2.GetNodeStatusRequest(), timeout=5)
    assert status.node.meta.name == "n1" and status.runtime == "simulated"
    assert status.shared_cpus == "0-2" and status.lease_id > 0
    assert status.node.status.usage.batch_cpu_millis == 250
    pods = await stub.ListLocalPods(slave_pb2.ListLocalPodsRequest(), timeout=5)
    got = {p.pod_key: (p.cpuset, p.exclusive, p.phase, p.suppressed) for p in pods.pods}
    assert got == {
        "team/lse": ("3", True, pod_pb2.POD_PHASE_RUNNING, False),
        "team/job": ("1-2", False, pod_pb2.POD_PHASE_RUNNING, True),
    }
    only_be = await stub.ListLocalPods(
        slave_pb2.ListLocalPodsRequest(qos_class=meta_pb2.QOS_CLASS_BE), timeout=5
    )
    assert [p.pod_key for p in only_be.pods] == ["team/job"]


async def test_drain_batch_only(admin) -> None:  # type: ignore[no-untyped-def]
    stub, store = admin
    out = await stub.Drain(slave_pb2.DrainRequest(reason="Upgrade", batch_only=True), timeout=5)
    assert list(out.evicted) == ["team/job"] and not out.remaining
    job = await Repository(store, POD).get("team", "job")
    assert (job.status.phase, job.status.reason) == (pod_pb2.POD_PHASE_EVICTED, "Upgrade")
    assert (await Repository(store, NODE).get("", "n1")).spec.unschedulable
