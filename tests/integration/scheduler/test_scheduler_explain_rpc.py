"""Explain and GetQueue over a real gRPC server on port 0, backed by a live replica."""

from __future__ import annotations

import pytest

from sigma import errors, rpc
from sigma.scheduler.api import service
from sigma.scheduler.loop import Scheduler
from sigma.store.memory import MemoryStore
from sigma.testing.wait import eventually
from sigma.v1 import node_pb2, pod_pb2, scheduler_pb2, scheduler_pb2_grpc
from tests.integration.scheduler._seed import (
    MiB,
    make_node,
    make_pod,
    put_node,
    put_pod,
    running,
)


@pytest.fixture
async def stub():  # type: ignore[no-untyped-def]
    store = MemoryStore()
    await put_node(store, make_node("big", 8000, 8192 * MiB))
    await put_node(store, make_node("small", 1000, 1024 * MiB))
    sick = make_node("sick", 8000, 8192 * MiB)
    sick.status.phase = node_pb2.NODE_PHASE_NOT_READY
    await put_node(store, sick)
    await put_pod(store, make_pod("huge", 16000, 1024 * MiB))
    sched = Scheduler(store)
    async with running(sched):
        await eventually(lambda: sched.stats.unschedulable >= 1, what="first attempt")
        config = rpc.ServerConfig(port=0, grace=0.2)
        async with (
            rpc.RpcServer([service(sched)], config) as server,
            rpc.channel(server.address) as channel,
        ):
            yield scheduler_pb2_grpc.SchedulerStub(channel)


def _hypothetical(cpu: int) -> pod_pb2.PodSpec:
    return make_pod("h", cpu, 512 * MiB).spec


async def test_explain_reports_every_node_verdict_and_score(stub) -> None:  # type: ignore[no-untyped-def]
    reply = await rpc.unary(
        stub.Explain, scheduler_pb2.ExplainRequest(namespace="t", hypothetical=_hypothetical(2000))
    )
    assert reply.chosen_node == "big" and reply.nodes_evaluated == 3
    by_node = {n.node_name: n for n in reply.nodes}
    assert reply.nodes[0].node_name == "big"  # feasible first
    assert by_node["big"].feasible and by_node["big"].total > 0
    assert {s.plugin for s in by_node["big"].scores} >= {"LeastAllocated", "LoadAware"}
    sick = by_node["sick"].filters
    assert (sick[-1].plugin, sick[-1].ok, sick[-1].reason) == (
        "NodeReady",
        False,
        "node is not ready",
    )
    small = by_node["small"].filters[-1]
    assert small.plugin == "ResourceFit" and small.reason.startswith("Insufficient cpu")
    limited = await rpc.unary(
        stub.Explain,
        scheduler_pb2.ExplainRequest(
            namespace="t",
            hypothetical=_hypothetical(2000),
            node_names=["small", "sick"],
            max_nodes=1,
        ),
    )
    assert [n.node_name for n in limited.nodes] == ["small"]


async def test_explain_existing_pending_pod_and_namespace_checks(stub) -> None:  # type: ignore[no-untyped-def]
    reply = await rpc.unary(
        stub.Explain, scheduler_pb2.ExplainRequest(namespace="t", pod_key="t/huge")
    )
    assert reply.chosen_node == "" and not any(n.feasible for n in reply.nodes)
    assert "ResourceFit" in reply.reason
    with pytest.raises(errors.PermissionDenied):
        await rpc.unary(stub.Explain, scheduler_pb2.ExplainRequest(namespace="u", pod_key="t/huge"))
    with pytest.raises(errors.NotFound):
        await rpc.unary(stub.Explain, scheduler_pb2.ExplainRequest(namespace="t", pod_key="t/nope"))
    with pytest.raises(errors.Invalid):
        await rpc.unary(stub.Explain, scheduler_pb2.ExplainRequest(namespace="t"))


async def test_get_queue_lists_the_pending_pod_with_its_reason(stub) -> None:  # type: ignore[no-untyped-def]
    reply = await rpc.unary(stub.GetQueue, scheduler_pb2.GetQueueRequest(namespace="t"))
    assert reply.total == 1
    item = reply.pods[0]
    assert item.pod_key == "t/huge" and item.attempts >= 1
    assert item.queue in (
        scheduler_pb2.SCHEDULING_QUEUE_KIND_UNSCHEDULABLE,
        scheduler_pb2.SCHEDULING_QUEUE_KIND_BACKOFF,
    )
    assert "Insufficient cpu" in item.last_reason
    other = await rpc.unary(stub.GetQueue, scheduler_pb2.GetQueueRequest(namespace="zz"))
    assert other.total == 0
