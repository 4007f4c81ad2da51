"""Batch jobs, pods and nodes through the apiserver's gRPC API on real servers: cancel, status
by compare-and-swap, registration, heartbeats and cordoning."""

from __future__ import annotations

import grpc

from sigma.apiserver import samples
from sigma.resources import POD, Repository
from sigma.v1 import apiserver_pb2 as api
from sigma.v1 import apiserver_pb2_grpc as stubs
from sigma.v1 import meta_pb2, pod_pb2, task_pb2
from tests.integration.apiserver._api import Cluster, refused


async def test_batch_job_create_and_cancel(memory_cluster: Cluster) -> None:
    c = memory_cluster
    jobs = stubs.BatchJobsStub(c.channel)
    created = await jobs.Create(api.CreateBatchJobRequest(namespace=c.ns, job=samples.batch_job()))
    assert created.task.spec.target_kind == task_pb2.TASK_TARGET_KIND_BATCH_JOB
    cancelled = await jobs.Cancel(
        api.CancelBatchJobRequest(namespace=c.ns, name="etl", reason="wrong input")
    )
    assert cancelled.job.status.message == "wrong input"
    assert cancelled.task.spec.kind == task_pb2.TASK_KIND_DESTROY
    again = await jobs.Cancel(api.CancelBatchJobRequest(namespace=c.ns, name="etl"))
    assert again.task == cancelled.task
    tasks = await stubs.TasksStub(c.channel).List(
        api.ListTasksRequest(namespace=c.ns, target_name="etl")
    )
    assert sorted(t.meta.name.split(".")[2] for t in tasks.items) == ["cancel", "publish"]


async def test_pod_status_is_compare_and_swap_and_slaves_list_their_node(cluster: Cluster) -> None:
    pod = pod_pb2.Pod(
        meta=meta_pb2.ObjectMeta(namespace=cluster.ns, name="web-0"),
        spec=pod_pb2.PodSpec(node_name="node-1"),
    )
    stored = await Repository(cluster.store, POD).create(pod)
    pods = stubs.PodsStub(cluster.channel)
    running = pod_pb2.PodStatus(phase=pod_pb2.POD_PHASE_RUNNING)
    updated = await pods.UpdateStatus(
        api.UpdatePodStatusRequest(
            namespace=cluster.ns,
            name="web-0",
            status=running,
            resource_version=stored.meta.resource_version,
        )
    )
    assert updated.status.phase == pod_pb2.POD_PHASE_RUNNING
    code, _ = await refused(
        pods.UpdateStatus(
            api.UpdatePodStatusRequest(
                namespace=cluster.ns,
                name="web-0",
                status=running,
                resource_version=stored.meta.resource_version,
            )
        )
    )
    assert code == grpc.StatusCode.ABORTED
    mine = await pods.List(api.ListPodsRequest(node_name="node-1"))
    assert "web-0" in [p.meta.name for p in mine.items if p.meta.namespace == cluster.ns]
    other = await pods.List(api.ListPodsRequest(namespace=cluster.ns, node_name="node-2"))
    assert list(other.items) == []


async def test_nodes_register_heartbeat_cordon_and_need_the_system_namespace(
    memory_cluster: Cluster,
) -> None:
    c = memory_cluster
    nodes = stubs.NodesStub(c.channel)
    code, _ = await refused(
        nodes.Register(api.RegisterNodeRequest(namespace=c.ns, node=samples.node()))
    )
    assert code == grpc.StatusCode.PERMISSION_DENIED
    reg = await nodes.Register(api.RegisterNodeRequest(namespace="system", node=samples.node()))
    assert reg.lease_id > 0 and reg.node.meta.generation == 1
    cordoned = await nodes.Cordon(
        api.CordonNodeRequest(namespace="system", node_name="node-1", unschedulable=True)
    )
    assert cordoned.spec.unschedulable and cordoned.meta.generation == 2
    again = await nodes.Register(
        api.RegisterNodeRequest(namespace="system", node=samples.node(cpu_millis=16000))
    )
    assert again.node.spec.unschedulable and again.node.spec.capacity.cpu_millis == 16000
    beat = await nodes.Heartbeat(
        api.HeartbeatRequest(
            namespace="system", node_name="node-1", lease_id=again.lease_id, ready=True
        )
    )
    assert beat.lease_valid
    stale = await nodes.Heartbeat(
        api.HeartbeatRequest(
            namespace="system", node_name="node-1", lease_id=reg.lease_id, ready=True
        )
    )
    assert not stale.lease_valid
    seen = await nodes.Get(api.GetNodeRequest(namespace=c.ns, node_name="node-1"))  # any team reads
    assert seen.meta.name == "node-1"
