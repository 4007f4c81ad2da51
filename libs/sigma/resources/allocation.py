"""The node allocation record, pure: what a node's placed pods hold, and its sums.

The scheduler's binder adds pods to a node's record (``sigma.scheduler.allocation.admit``, with
its capacity rules) in the same compare-and-swap as the binding; the node lifecycle controller
releases the pods of a lost node. Both write the one record through these functions, so the
sums are always recomputed from the pods the same way, never kept as a running total.
"""

from __future__ import annotations

from sigma.resources.cpusets import format_cpuset, parse_cpuset
from sigma.v1 import meta_pb2, node_pb2


def resum(record: node_pb2.NodeAllocation) -> None:
    """Recompute the record's sums from its pods (never trust a running total)."""
    online, batch = meta_pb2.ResourceList(), meta_pb2.ResourceList()
    exclusive: set[int] = set()
    for a in record.pods:
        target = batch if a.qos_class == meta_pb2.QOS_CLASS_BE else online
        target.cpu_millis += a.requests.cpu_millis
        target.memory_bytes += a.requests.memory_bytes
        if a.exclusive_cpus:
            exclusive |= parse_cpuset(a.exclusive_cpus)
    record.online_requested.CopyFrom(online)
    record.batch_requested.CopyFrom(batch)
    record.exclusive_cpus = format_cpuset(exclusive)
    record.exclusive_cpu_count = len(exclusive)


def without(record: node_pb2.NodeAllocation, keys: set[str]) -> node_pb2.NodeAllocation:
    """A copy of ``record``'s pods but those in ``keys``; its sums still to be recomputed."""
    out = node_pb2.NodeAllocation(node_name=record.node_name)
    out.pods.extend(a for a in record.pods if a.pod_key not in keys)
    return out


def release(record: node_pb2.NodeAllocation, keys: set[str]) -> node_pb2.NodeAllocation:
    """A copy of ``record`` without the pods in ``keys``."""
    out = without(record, keys)
    resum(out)
    return out
