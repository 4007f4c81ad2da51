"""The Scheduler gRPC service (sigma.v1.Scheduler): Explain and GetQueue over a live replica."""

from __future__ import annotations

import grpc
from google.protobuf.timestamp_pb2 import Timestamp

from sigma.auth import READ, Access
from sigma.errors import Invalid, NotFound, PermissionDenied
from sigma.resources.kinds import POD
from sigma.rpc import Service
from sigma.scheduler.explain import explain
from sigma.scheduler.loop import Scheduler
from sigma.v1 import pod_pb2, scheduler_pb2, scheduler_pb2_grpc

DEFAULT_QUEUE_LIMIT = 100
_KINDS = {
    1: scheduler_pb2.SCHEDULING_QUEUE_KIND_ACTIVE,
    2: scheduler_pb2.SCHEDULING_QUEUE_KIND_BACKOFF,
    3: scheduler_pb2.SCHEDULING_QUEUE_KIND_UNSCHEDULABLE,
}


class SchedulerService(scheduler_pb2_grpc.SchedulerServicer):
    def __init__(self, scheduler: Scheduler, *, wall_offset: float = 0.0) -> None:
        self.scheduler = scheduler
        self.wall_offset = wall_offset  # wall time minus the scheduler clock, for timestamps

    async def Explain(
        self, request: scheduler_pb2.ExplainRequest, context: grpc.aio.ServicerContext
    ) -> scheduler_pb2.ExplainResponse:
        s = self.scheduler
        target = request.WhichOneof("target")
        if target == "pod_key":
            namespace, _, name = request.pod_key.partition("/")
            _check_namespace(request.namespace, namespace, "pod_key")
            pod = s.feed.pods.get(POD.key(namespace, name))
            if pod is None:
                raise NotFound(f"pod {request.pod_key} not found")
        elif target == "hypothetical":
            pod = pod_pb2.Pod(spec=request.hypothetical)
            pod.meta.namespace = request.namespace
            pod.meta.name = "hypothetical"
        else:
            raise Invalid("target", "give pod_key or hypothetical")
        if request.max_nodes < 0:
            raise Invalid("max_nodes", "must not be negative")
        info = s.feed.pod_info(pod)
        return explain(
            s.framework, info, s.cache.snapshot(), list(request.node_names), request.max_nodes
        )

    async def GetQueue(
        self, request: scheduler_pb2.GetQueueRequest, context: grpc.aio.ServicerContext
    ) -> scheduler_pb2.GetQueueResponse:
        if request.limit < 0:
            raise Invalid("limit", "must not be negative")
        prefix = f"{request.namespace}/" if request.namespace else ""
        waiting = [e for e in self.scheduler.pending() if e.pod.key.startswith(prefix)]
        out = scheduler_pb2.GetQueueResponse(total=len(waiting))
        for entry in waiting[: request.limit or DEFAULT_QUEUE_LIMIT]:
            item = out.pods.add(
                pod_key=entry.pod.key,
                queue=_KINDS[int(entry.where)],
                priority=entry.pod.priority,
                qos_class=entry.pod.qos,  # type: ignore[arg-type]
                attempts=entry.attempts,
                last_reason=entry.last.message() if entry.last else "",
            )
            item.enqueued_at.CopyFrom(self._stamp(entry.enqueued_at))
            if entry.where == 2:
                item.next_attempt_at.CopyFrom(self._stamp(entry.ready_at))
        return out

    def _stamp(self, at: float) -> Timestamp:
        ts = Timestamp()
        ts.FromNanoseconds(int((at + self.wall_offset) * 1e9))
        return ts


def _check_namespace(caller: str, namespace: str, field: str) -> None:
    if not namespace:
        raise Invalid(field, 'want "namespace/name"')
    if caller and caller != namespace:
        raise PermissionDenied(f"{field} is outside namespace {caller}")


# Reads in the request's namespace; an empty one (the whole queue) is cluster-wide.
ACCESS: Access = {"Explain": READ, "GetQueue": READ}


def service(scheduler: Scheduler, *, wall_offset: float = 0.0) -> Service:
    servicer = SchedulerService(scheduler, wall_offset=wall_offset)
    return Service(
        "sigma.v1.Scheduler",
        lambda server: scheduler_pb2_grpc.add_SchedulerServicer_to_server(servicer, server),
        ACCESS,
    )
