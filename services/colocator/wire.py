"""Conversions between the colocator's plain values and the sigma.v1 messages, at the edges."""

from __future__ import annotations

import uuid

from sigma.colocator.arbitration.victims import BatchPod
from sigma.colocator.capacity.formula import Res, Sample, Terms
from sigma.colocator.capacity.ledger import Change
from sigma.colocator.capacity.writes import resource_list, stamp
from sigma.v1 import colocator_pb2, event_pb2, meta_pb2, pod_pb2

SOURCE = "colocator"


def res_of(value: meta_pb2.ResourceList) -> Res:
    return Res(value.cpu_millis, value.memory_bytes)


def requests_of(pod: pod_pb2.Pod) -> Res:
    """The pod's summed container requests, as placement counts them."""
    out = Res()
    for container in pod.spec.template.containers:
        out = out + res_of(container.resources.requests)
    return out


def sample_of(report: event_pb2.NodeUsageReport) -> Sample:
    """A report as a sample; its time is the report's sampled_at (the usage's, if unset)."""
    usage = report.usage
    at = report.sampled_at if report.HasField("sampled_at") else usage.sampled_at
    return Sample(
        at=at.seconds + at.nanos / 1e9,
        capacity=res_of(report.capacity),
        online=Res(usage.online_cpu_millis, usage.online_memory_bytes),
        batch=Res(usage.batch_cpu_millis, usage.batch_memory_bytes),
        system=Res(usage.system_cpu_millis, usage.system_memory_bytes),
    )


def batch_pod(used: event_pb2.PodUsage, pod: pod_pb2.Pod | None) -> BatchPod | None:
    """A reported pod as an eviction candidate: only a batch pod that exists and is not leaving."""
    if used.qos_class != meta_pb2.QOS_CLASS_BE or pod is None:
        return None  # online is never a victim; a vanished pod frees nothing more
    if pod.meta.HasField("deletion_timestamp") or pod.spec.qos_class != meta_pb2.QOS_CLASS_BE:
        return None
    started = pod.status.start_time.seconds if pod.status.HasField("start_time") else 0
    usage = Res(used.cpu_millis, used.memory_bytes)
    return BatchPod(used.pod_key, pod.spec.priority, float(started), usage)


def terms_proto(terms: Terms) -> event_pb2.BudgetTerms:
    return event_pb2.BudgetTerms(
        capacity=resource_list(terms.capacity),
        cpu_threshold=terms.thresholds.cpu,
        memory_threshold=terms.thresholds.mem,
        online_estimate=resource_list(terms.online),
        system=resource_list(terms.system),
        reserve=resource_list(terms.reserve),
        result=resource_list(terms.result),
    )


def change_proto(change: Change) -> colocator_pb2.BudgetChange:
    return colocator_pb2.BudgetChange(
        at=stamp(change.at),
        terms=terms_proto(change.terms),
        previous=resource_list(change.previous),
        reason=change.reason,
    )


def decision(
    kind: int,
    node: str,
    target: str,
    reason: str,
    at: float,
    *,
    terms: Terms | None = None,
    replicas: tuple[int, int] = (0, 0),
    message: str = "",
) -> event_pb2.ColocationDecision:
    """A decision made now by the colocator, with a fresh id."""
    made = event_pb2.ColocationDecision(
        id=uuid.uuid4().hex,
        kind=kind,  # type: ignore[arg-type]
        node_name=node,
        target=target,
        reason=reason,
        at=stamp(at),
        from_replicas=replicas[0],
        to_replicas=replicas[1],
        source=SOURCE,
        message=message,
    )
    if terms is not None:
        made.terms.CopyFrom(terms_proto(terms))
    return made
