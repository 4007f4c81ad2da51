"""The slave's gRPC service: node status, local pods with their cpusets, drain, pod logs."""

from __future__ import annotations

from collections.abc import AsyncIterator

import grpc

from sigma.auth import CLUSTER_READ, CONTROL, READ, Access
from sigma.errors import Invalid
from sigma.resources.cpusets import format_cpuset
from sigma.rpc import Service
from sigma.slave import logs
from sigma.slave.agent import SlaveAgent
from sigma.slave.drain import drain
from sigma.slave.pods.status import verdict
from sigma.slave.runtime._port import PodState
from sigma.v1 import meta_pb2, pod_pb2, slave_pb2, slave_pb2_grpc

SERVICE = "sigma.v1.Slave"
MAX_GRACE_SECONDS = 24 * 3600  # a drain's longest grace per pod
# A node's view spans every team's pods: cluster readers only. Drain commands the machine: the
# control plane only (an admin grant on "*", and with mTLS a control-plane certificate).
# A pod's log is the team's own: read in the pod's namespace.
ACCESS: Access = {
    "GetNodeStatus": CLUSTER_READ,
    "ListLocalPods": CLUSTER_READ,
    "Drain": CONTROL,
    "StreamLogs": READ,
}


class SlaveAdmin(slave_pb2_grpc.SlaveServicer):
    def __init__(self, agent: SlaveAgent) -> None:
        self.agent = agent

    async def GetNodeStatus(
        self, request: slave_pb2.GetNodeStatusRequest, context: grpc.aio.ServicerContext
    ) -> slave_pb2.GetNodeStatusResponse:
        a = self.agent
        out = slave_pb2.GetNodeStatusResponse(
            node=a.node_object(),
            runtime=a.runtime.name,
            shared_cpus=format_cpuset(a.cpus.allocator.shared_pool()),
            under_pressure=a.qos.under_pressure,
            lease_id=a.control.lease.id,
        )
        if a.control.lease.expires_at:
            out.lease_expires_at.FromNanoseconds(int(a.control.lease.expires_at * 1e9))
        usage = a.usage_report()
        if usage is not None:
            out.node.status.usage.CopyFrom(usage.usage)
        return out

    async def ListLocalPods(
        self, request: slave_pb2.ListLocalPodsRequest, context: grpc.aio.ServicerContext
    ) -> slave_pb2.ListLocalPodsResponse:
        a = self.agent
        report = a.usage_report()
        usage = {u.pod_key: u for u in report.pods} if report is not None else {}
        out = slave_pb2.ListLocalPodsResponse()
        batch_pool = a.cpus.allocator.batch_pool()
        for key, st in sorted(a.runtime.pods().items()):
            if request.qos_class and st.qos != request.qos_class:
                continue
            local = out.pods.add(
                pod_key=key,
                pod_uid=st.uid,
                qos_class=st.qos,
                phase=_phase(st),
                cpuset=format_cpuset(st.cpus),
                exclusive=st.qos == meta_pb2.QOS_CLASS_LSE,
                pid=st.pids[0] if st.pids else 0,
                suppressed=st.qos == meta_pb2.QOS_CLASS_BE
                and (st.frozen or len(st.cpus) < len(batch_pool)),
            )
            if key in usage:
                local.usage.CopyFrom(usage[key])
            local.started_at.FromNanoseconds(int(st.started_at * 1e9))
        return out

    async def Drain(
        self, request: slave_pb2.DrainRequest, context: grpc.aio.ServicerContext
    ) -> slave_pb2.DrainResponse:
        grace = _grace(request)
        remaining = context.time_remaining()
        timeout = max(0.0, remaining - 0.05) if remaining is not None else 30.0
        evicted, left = await drain(
            self.agent,
            request.reason or "NodeDrain",
            batch_only=request.batch_only,
            grace=grace,
            timeout=timeout,
        )
        return slave_pb2.DrainResponse(evicted=evicted, remaining=left)

    async def StreamLogs(
        self, request: slave_pb2.StreamLogsRequest, context: grpc.aio.ServicerContext
    ) -> AsyncIterator[slave_pb2.LogChunk]:
        for field in ("namespace", "pod"):
            if not getattr(request, field):
                raise Invalid(field, "required")
        key = f"{request.namespace}/{request.pod}"
        src = logs.source(self.agent.runtime, key, request.container, previous=request.previous)
        async for data in logs.stream(src, follow=request.follow, tail=request.tail_lines):
            yield slave_pb2.LogChunk(data=data)


def _grace(request: slave_pb2.DrainRequest) -> float | None:
    """The drain's grace in seconds (None: the agent's default); a day at most, never negative."""
    if not request.HasField("grace_period"):
        return None
    value = request.grace_period
    seconds = value.seconds + value.nanos / 1e9
    if not 0 <= seconds <= MAX_GRACE_SECONDS:
        raise Invalid("grace_period", f"must be between 0 and {MAX_GRACE_SECONDS} seconds")
    return seconds


def _phase(st: PodState) -> pod_pb2.PodPhase:
    """RUNNING while a container runs; once all ended, EVICTED if the agent stopped it."""
    if st.running:
        return pod_pb2.POD_PHASE_RUNNING
    if st.killed:
        return pod_pb2.POD_PHASE_EVICTED
    code = verdict(st.containers)
    return pod_pb2.POD_PHASE_SUCCEEDED if code == 0 else pod_pb2.POD_PHASE_FAILED


def service(agent: SlaveAgent) -> Service:
    admin = SlaveAdmin(agent)
    return Service(
        SERVICE, lambda server: slave_pb2_grpc.add_SlaveServicer_to_server(admin, server), ACCESS
    )
