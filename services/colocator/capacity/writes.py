"""The colocator's one write of its own: a node's batch capacity, in the Node's status.

A compare-and-swap on the Node touching only ``status.batch_capacity`` and its time, so the
slave's status and the operator's spec survive a race. What the colocator does to other tiers'
objects goes through their API instead (``sigma.apiclient``): evictions are ``Pods.Evict``
(the apiserver marks the pod, its slave stops it, the disruption budget applies), time-sharing
asks are ``Apps.TimeShare`` (the ask in the App's status and the SCALE task that carries it
out, in one write; ``spec.replicas``, the user's peak, is left as it is).
"""

from __future__ import annotations

from collections.abc import Callable

from google.protobuf.timestamp_pb2 import Timestamp

from sigma.colocator.capacity.formula import Res
from sigma.resources import NODE, Repository
from sigma.store import Store
from sigma.v1 import meta_pb2, node_pb2


def resource_list(res: Res) -> meta_pb2.ResourceList:
    return meta_pb2.ResourceList(cpu_millis=res.cpu, memory_bytes=res.mem)


def stamp(wall: float) -> Timestamp:
    ts = Timestamp()
    ts.FromNanoseconds(int(wall * 1e9))
    return ts


class NodeWrites:
    """The batch-capacity write, against one store, stamped with the injected wall clock."""

    def __init__(self, store: Store, wall: Callable[[], float]) -> None:
        self.store = store
        self.wall = wall
        self.nodes = Repository(store, NODE)

    async def batch_capacity(self, node: str, capacity: Res) -> None:
        """Write the node's batch capacity and its time (raises NotFound for an unknown node)."""

        def apply(obj: node_pb2.Node) -> None:
            obj.status.batch_capacity.CopyFrom(resource_list(capacity))
            obj.status.batch_capacity_updated_at.CopyFrom(stamp(self.wall()))

        await self.nodes.mutate("", node, apply)
