"""The edge between the wire contract and the scheduler's own values: parsed once per change.

Protobuf objects never enter the hot path; the informers' handlers turn them into ``PodInfo``
and ``NodeRow`` here.
"""

from __future__ import annotations

import numpy as np

from sigma.resources.curves import pod_curve
from sigma.resources.placement import Toleration
from sigma.resources.pods import app_ref, qos_of
from sigma.scheduler.framework.cache import NodeRow
from sigma.scheduler.framework.types import DEFAULT_SPREAD, PodInfo, Spread, Usage
from sigma.v1 import app_pb2, node_pb2, pod_pb2

READY = node_pb2.NODE_PHASE_READY


def pod_key(pod: pod_pb2.Pod) -> str:
    return f"{pod.meta.namespace}/{pod.meta.name}"


def spread_of(policy: app_pb2.SpreadPolicy | None) -> tuple[Spread, ...]:
    """An App's spread policy resolved: empty means soft, max_skew 1, on every level."""
    if policy is None or not policy.constraints:
        return DEFAULT_SPREAD
    return tuple(
        Spread(
            level=c.level - 1,  # TopologyLevel HOST=1 → index 0
            hard=c.mode == app_pb2.SPREAD_MODE_HARD,
            max_skew=max(c.max_skew, 1),
        )
        for c in policy.constraints
        if c.level
    )


def usage_of(load: np.ndarray | None, qos: int, cpu: int) -> Usage | None:
    """A pod's daily CPU curve from its App's pods' daily load (``sigma.resources.curves``);
    None for a pod placed by its request alone."""
    curve = pod_curve(load, qos, cpu)
    return Usage({"cpu": curve}) if curve is not None else None


def pod_info(
    pod: pod_pb2.Pod,
    spread: app_pb2.SpreadPolicy | None = None,
    load: np.ndarray | None = None,
) -> PodInfo:
    """``load``: the pod's share of its request over the day, from its App
    (``sigma.resources.curves.pod_load``), None when the App has no profile."""
    spec = pod.spec
    cpu = sum(c.resources.requests.cpu_millis for c in spec.template.containers)
    mem = sum(c.resources.requests.memory_bytes for c in spec.template.containers)
    app = app_ref(pod)
    qos = qos_of(pod)
    return PodInfo(
        key=pod_key(pod),
        uid=pod.meta.uid,
        cpu=cpu,
        mem=mem,
        qos=qos,
        priority=spec.priority or spec.template.priority,
        selector=tuple(sorted(spec.template.node_selector.items())),
        tolerations=tuple(Toleration.of(t) for t in spec.template.tolerations),
        app=app,
        spread=spread_of(spread) if app else (),
        max_per_host=spread.max_per_host if app and spread is not None else 0,
        usage=usage_of(load, qos, cpu) if app else None,
    )


def allocated_pod(
    a: node_pb2.PodAllocation, app: str = "", load: np.ndarray | None = None
) -> PodInfo:
    """One pod an allocation record lists; the record does not carry its App (``app``) nor
    the App's daily load (``load``)."""
    qos = a.qos_class or 3
    return PodInfo(
        key=a.pod_key,
        uid=a.pod_uid,
        cpu=a.requests.cpu_millis,
        mem=a.requests.memory_bytes,
        qos=qos,
        priority=a.priority,
        app=app,
        usage=usage_of(load, qos, a.requests.cpu_millis) if app else None,
    )


def allocation_pods(record: node_pb2.NodeAllocation) -> list[PodInfo]:
    """The pods an allocation record lists (their App is learnt from the pods themselves)."""
    return [allocated_pod(a) for a in record.pods]


def node_row(node: node_pb2.Node, *, batch_fresh: bool = True) -> NodeRow:
    """``batch_fresh`` False (a stale colocator write) makes the batch capacity zero."""
    spec, status = node.spec, node.status
    topo = spec.topology
    return NodeRow(
        name=node.meta.name,
        alloc_cpu=spec.allocatable.cpu_millis,
        alloc_mem=spec.allocatable.memory_bytes,
        cores=spec.cpu_count,
        ready=status.phase == READY,
        cordoned=spec.unschedulable,
        batch_cap_cpu=status.batch_capacity.cpu_millis if batch_fresh else 0,
        batch_cap_mem=status.batch_capacity.memory_bytes if batch_fresh else 0,
        usage_cpu=status.usage.cpu_millis,
        usage_mem=status.usage.memory_bytes,
        labels=tuple(sorted(node.meta.labels.items())),
        taints=tuple((t.key, t.value, t.effect) for t in spec.taints),
        topology=(topo.host or node.meta.name, topo.chassis, topo.core_switch),
    )
