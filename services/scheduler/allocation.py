"""The node allocation record, pure: admit pods (checking they fit), release pods, cpusets.

The binder calls ``admit`` on the record it just read from the store and writes the result back
with a compare-and-swap, so the capacity check and the write see the same record: whatever the
scheduler's cache believed, a node can never end up over capacity.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sigma.scheduler.framework.cache import NodeRow
from sigma.scheduler.framework.types import PodInfo
from sigma.v1 import meta_pb2, node_pb2

LSE, BE = 1, 4


def parse_cpuset(text: str) -> set[int]:
    """ "0-3,8" → {0, 1, 2, 3, 8}."""
    cpus: set[int] = set()
    if not text:
        return cpus
    for part in filter(None, (p.strip() for p in text.split(","))):
        lo, _, hi = part.partition("-")
        cpus.update(range(int(lo), int(hi or lo) + 1))
    return cpus


def format_cpuset(cpus: Iterable[int]) -> str:
    """{0, 1, 2, 3, 8} → "0-3,8"."""
    out: list[str] = []
    run: list[int] = []
    for cpu in sorted(cpus):
        if run and cpu == run[-1] + 1:
            run.append(cpu)
            continue
        if run:
            out.append(_run(run))
        run = [cpu]
    if run:
        out.append(_run(run))
    return ",".join(out)


def _run(run: list[int]) -> str:
    return str(run[0]) if len(run) == 1 else f"{run[0]}-{run[-1]}"


def resum(record: node_pb2.NodeAllocation) -> None:
    """Recompute the record's sums from its pods (never trust a running total)."""
    online, batch = meta_pb2.ResourceList(), meta_pb2.ResourceList()
    exclusive: set[int] = set()
    for a in record.pods:
        target = batch if a.qos_class == BE else online
        target.cpu_millis += a.requests.cpu_millis
        target.memory_bytes += a.requests.memory_bytes
        if a.exclusive_cpus:
            exclusive |= parse_cpuset(a.exclusive_cpus)
    record.online_requested.CopyFrom(online)
    record.batch_requested.CopyFrom(batch)
    record.exclusive_cpus = format_cpuset(exclusive)
    record.exclusive_cpu_count = len(exclusive)


def release(record: node_pb2.NodeAllocation, keys: set[str]) -> node_pb2.NodeAllocation:
    """A copy of ``record`` without the pods in ``keys``."""
    out = _without(record, keys)
    resum(out)
    return out


def _without(record: node_pb2.NodeAllocation, keys: set[str]) -> node_pb2.NodeAllocation:
    """A copy of ``record``'s pods but those in ``keys``; its sums still to be recomputed."""
    out = node_pb2.NodeAllocation(node_name=record.node_name)
    out.pods.extend(a for a in record.pods if a.pod_key not in keys)
    return out


def admit(
    record: node_pb2.NodeAllocation,
    node: NodeRow,
    pods: Sequence[PodInfo],
    evict: set[str] = frozenset(),  # type: ignore[assignment]
) -> tuple[node_pb2.NodeAllocation, dict[str, str]] | str:
    """The record with ``pods`` added (and ``evict`` removed), with each LSE pod's cpuset;
    or why it does not fit."""
    out = _without(record, set(evict))
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
