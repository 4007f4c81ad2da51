"""Admitting pods to a node's allocation record, pure: the fit check and LSE cpusets.

The binder calls ``admit`` on the record it just read from the store and writes the result back
with a compare-and-swap, so the capacity check and the write see the same record: whatever the
scheduler's cache believed, a node can never end up over capacity. The record itself (sums,
release) is shared with the node lifecycle controller: ``sigma.resources.allocation``.

Online CPU is held to allocatable by requests, unless pods placed by their daily curves
(``sigma.resources.curves``) are on the node: then by the day's peak of their curves plus
every other online pod's request, as ``TimeAwareFit`` placed them. The record lists requests
only, so the curves come from ``curve`` (the scheduler's cache); a listed pod whose curve is
unknown counts by its request, which only ever refuses more.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from sigma.resources.allocation import resum, without
from sigma.resources.cpusets import format_cpuset, parse_cpuset
from sigma.scheduler.framework.cache import NodeRow
from sigma.scheduler.framework.types import PodInfo
from sigma.v1 import meta_pb2, node_pb2

LSE, BE = meta_pb2.QOS_CLASS_LSE, meta_pb2.QOS_CLASS_BE
CurveLookup = Callable[[str], "np.ndarray | None"]  # pod key → its daily CPU curve


def admit(
    record: node_pb2.NodeAllocation,
    node: NodeRow,
    pods: Sequence[PodInfo],
    evict: set[str] = frozenset(),  # type: ignore[assignment]
    curve: CurveLookup | None = None,
) -> tuple[node_pb2.NodeAllocation, dict[str, str]] | str:
    """The record with ``pods`` added (and ``evict`` removed), with each LSE pod's cpuset;
    or why it does not fit (``curve``: the daily CPU curve of a pod the record lists)."""
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
    new = {p.key: p.usage.curves["cpu"] for p in pods if p.timed_cpu}  # type: ignore[union-attr]

    def lookup(key: str) -> np.ndarray | None:  # the pods added here, then the cache's
        return new[key] if key in new else curve(key) if curve is not None else None

    why = over_capacity(out, node, lookup)
    return why or (out, cpusets)


def online_cpu_peak(record: node_pb2.NodeAllocation, curve: CurveLookup | None = None) -> float:
    """The most online CPU the record's pods hold at once over the day: each pod with a
    curve by its curve, every other online pod by its request at every slot."""
    flat, curves = 0.0, []
    for a in record.pods:
        if a.qos_class == BE:
            continue
        c = curve(a.pod_key) if curve is not None else None
        if c is None:
            flat += a.requests.cpu_millis
        else:
            curves.append(c)
    return flat + float(np.sum(curves, axis=0).max()) if curves else flat


def over_capacity(
    record: node_pb2.NodeAllocation, node: NodeRow, curve: CurveLookup | None = None
) -> str:
    """Why ``record`` does not fit ``node`` ("" when it does); the rules of ``plugins._room``."""
    on, be = record.online_requested, record.batch_requested
    if on.cpu_millis > node.alloc_cpu:
        peak = online_cpu_peak(record, curve)
        if peak > node.alloc_cpu:
            return (
                f"{node.name}: online cpu {int(peak)}m at its daily peak > allocatable "
                f"{int(node.alloc_cpu)}m"
            )
    if on.memory_bytes + be.memory_bytes > node.alloc_mem:
        return f"{node.name}: memory requested would exceed allocatable"
    if be.cpu_millis > node.batch_cap_cpu and any(a.qos_class == BE for a in record.pods):
        return f"{node.name}: batch cpu {be.cpu_millis}m > batch capacity"
    if be.memory_bytes > node.batch_cap_mem and any(a.qos_class == BE for a in record.pods):
        return f"{node.name}: batch memory would exceed batch capacity"
    return ""
