"""Admitting pods to a node's allocation record, pure: the fit check and LSE cpusets.

The binder calls ``admit`` on the record it just read from the store and writes the result back
with a compare-and-swap, so the capacity check and the write see the same record: whatever the
scheduler's cache believed, a node can never end up over capacity. The record itself (sums,
release) is shared with the node lifecycle controller: ``sigma.resources.allocation``.
"""

from __future__ import annotations

from collections.abc import Sequence

from sigma.resources.allocation import resum, without
from sigma.resources.cpusets import format_cpuset, parse_cpuset
from sigma.scheduler.framework.cache import NodeRow
from sigma.scheduler.framework.types import PodInfo
from sigma.v1 import meta_pb2, node_pb2

LSE, BE = meta_pb2.QOS_CLASS_LSE, meta_pb2.QOS_CLASS_BE


def admit(
    record: node_pb2.NodeAllocation,
    node: NodeRow,
    pods: Sequence[PodInfo],
    evict: set[str] = frozenset(),  # type: ignore[assignment]
) -> tuple[node_pb2.NodeAllocation, dict[str, str]] | str:
    """The record with ``pods`` added (and ``evict`` removed), with each LSE pod's cpuset;
    or why it does not fit."""
    out = without(record, set(evict))
    listed = {a.pod_key for a in out.pods}
    taken = {c for a in out.pods if a.exclusive_cpus for c in parse_cpuset(a.exclusive_cpus)}
    cpusets: dict[str, str] = {}
    for pod in pods:
        if pod.key in listed:
            return f"{pod.key} is already placed on {node.name}"
        cpus = ""
        if pod.qos == LSE:
            free = [c for c in range(node.cores) if c not in taken][: pod.exclusive_cores]
            if len(free) < pod.exclusive_cores:
                return f"{node.name}: {pod.exclusive_cores} exclusive cores not free"
            taken.update(free)
            cpus = cpusets[pod.key] = format_cpuset(free)
        out.pods.append(
            node_pb2.PodAllocation(
                pod_key=pod.key,
                pod_uid=pod.uid,
                qos_class=pod.qos,  # type: ignore[arg-type]
                priority=pod.priority,
                requests=meta_pb2.ResourceList(cpu_millis=pod.cpu, memory_bytes=pod.mem),
                exclusive_cpus=cpus,
            )
        )
    resum(out)
    why = over_capacity(out, node)
    return why or (out, cpusets)


def over_capacity(record: node_pb2.NodeAllocation, node: NodeRow) -> str:
    """Why ``record`` does not fit ``node`` ("" when it does); the rules of ``plugins._room``."""
    on, be = record.online_requested, record.batch_requested
    if on.cpu_millis > node.alloc_cpu:
        return f"{node.name}: online cpu {on.cpu_millis}m > allocatable {int(node.alloc_cpu)}m"
    if on.memory_bytes + be.memory_bytes > node.alloc_mem:
        return f"{node.name}: memory requested would exceed allocatable"
    if be.cpu_millis > node.batch_cap_cpu and any(a.qos_class == BE for a in record.pods):
        return f"{node.name}: batch cpu {be.cpu_millis}m > batch capacity"
    if be.memory_bytes > node.batch_cap_mem and any(a.qos_class == BE for a in record.pods):
        return f"{node.name}: batch memory would exceed batch capacity"
    return ""
