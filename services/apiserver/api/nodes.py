"""sigma.v1.Nodes: machines register, heartbeat and report; operators cordon and remove them.

Nodes are cluster-scoped: the request's namespace names the calling team, and every write
requires the system namespace. Liveness is a store lease held through
``sigma.apiserver.heartbeats``; the Node record is written on a heartbeat only when its phase
changes or its last_heartbeat is older than ``heartbeat_status_interval``, so a thousand idle
machines do not turn into a thousand writes a second.
"""

from __future__ import annotations

import math
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from sigma.apiserver import validation
from sigma.apiserver.api._cluster import ClusterReads
from sigma.apiserver.api._common import (
    Api,
    Reads,
    change,
    replace_status,
    update_metadata,
)
from sigma.apiserver.api._common import service as common_service
from sigma.auth import WRITE
from sigma.errors import Invalid, NotFound
from sigma.resources import NODE
from sigma.rpc import Service
from sigma.v1 import apiserver_pb2, apiserver_pb2_grpc, node_pb2

# Status fields other parties own (the colocator, the scheduler's allocation summary): a
# slave's UpdateStatus replaces the rest and keeps these.
_KEPT_STATUS = ("batch_capacity", "batch_capacity_updated_at", "allocated")


def _lease_ttl(api: Api, request: apiserver_pb2.RegisterNodeRequest) -> int:
    if not request.HasField("lease_ttl"):
        return api.settings.node_lease_ttl
    asked = request.lease_ttl.seconds + request.lease_ttl.nanos / 1e9
    if asked <= 0:
        raise Invalid("lease_ttl", "must be positive")
    return min(math.ceil(asked), api.settings.max_node_lease_ttl)


class NodesServicer(ClusterReads[node_pb2.Node], apiserver_pb2_grpc.NodesServicer):
    kind = NODE
    list_response = apiserver_pb2.ListNodesResponse
    # Writes need write in the request's namespace, which the servicer requires be the system one.
    access = {
        **Reads.access,
        **dict.fromkeys(
            ("Register", "Heartbeat", "UpdateStatus", "Cordon", "Delete", "UpdateMetadata"), WRITE
        ),
    }
    name_field = "node_name"

    def object_name(self, request: Any) -> str:
        validation.node_name(request.node_name, "node_name")
        return str(request.node_name)

    def _expires(self, ttl: int) -> Timestamp:
        ts = Timestamp()
        ts.FromNanoseconds(self.api.wall_ns() + ttl * 1_000_000_000)
        return ts

    async def Register(
        self, request: apiserver_pb2.RegisterNodeRequest, context: Any
    ) -> apiserver_pb2.RegisterNodeResponse:
        """Creates the node, or updates the spec of one re-registering; keeps the cordon mark."""
        from sigma.resources import heartbeats

        self.api.system(request.namespace)
        validation.node(request.node, self.api.limits)
        ttl = _lease_ttl(self.api, request)
        sent = request.node
        if request.dry_run:
            return apiserver_pb2.RegisterNodeResponse(node=await self._would_register(sent))
        try:
            node = await self._reregister(sent)
        except NotFound:
            node = node_pb2.Node()
            node.CopyFrom(sent)
            self.api.stamp_new(node, "")
            self._ready(node, True)
            await self.repo.create(node)
        lease = await heartbeats.register(self.api.store, node.meta.name, ttl)
        return apiserver_pb2.RegisterNodeResponse(
            node=node, lease_id=lease, lease_expires_at=self._expires(ttl)
        )

    async def _reregister(self, sent: node_pb2.Node) -> node_pb2.Node:
        node, _ = await change(
            self.api, NODE, "", sent.meta.name, 0, lambda node: self._merge(node, sent)
        )
        return node

    def _merge(self, node: node_pb2.Node, sent: node_pb2.Node) -> None:
        """A re-registration: the slave's spec (not the cordon mark), labels, annotations."""
        spec = node_pb2.NodeSpec()
        spec.CopyFrom(sent.spec)
        spec.unschedulable = node.spec.unschedulable  # the operator's, not the slave's
        if spec != node.spec:
            node.spec.CopyFrom(spec)
            node.meta.generation += 1
        node.meta.labels.update(sent.meta.labels)
        node.meta.annotations.update(sent.meta.annotations)
        self._ready(node, True)

    async def _would_register(self, sent: node_pb2.Node) -> node_pb2.Node:
        """What Register would store, written nowhere (dry run)."""
        node = await self.repo.find("", sent.meta.name)
        if node is None:
            node = node_pb2.Node()
            node.CopyFrom(sent)
            self.api.stamp_new(node, "")
            self._ready(node, True)
        else:
            self._merge(node, sent)
        return node

    def _ready(self, node: node_pb2.Node, ready: bool) -> None:
        node.status.phase = node_pb2.NODE_PHASE_READY if ready else node_pb2.NODE_PHASE_NOT_READY
        node.status.last_heartbeat.CopyFrom(self.api.now())

    async def Heartbeat(
        self, request: apiserver_pb2.HeartbeatRequest, context: Any
    ) -> apiserver_pb2.HeartbeatResponse:
        from sigma.resources import heartbeats

        self.api.system(request.namespace)
        validation.node_name(request.node_name, "node_name")
        if request.lease_id <= 0:
            raise Invalid("lease_id", "required: the lease Register returned")
        node = await self.repo.get("", request.node_name)
        try:
            ttl = await heartbeats.beat(self.api.store, request.node_name, request.lease_id)
        except NotFound:
            return apiserver_pb2.HeartbeatResponse(lease_valid=False)
        if self._stale(node, request.ready):
            await change(
                self.api, NODE, "", request.node_name, 0, lambda n: self._ready(n, request.ready)
            )
        return apiserver_pb2.HeartbeatResponse(
            lease_valid=True, lease_expires_at=self._expires(ttl)
        )

    def _stale(self, node: node_pb2.Node, ready: bool) -> bool:
        wanted = node_pb2.NODE_PHASE_READY if ready else node_pb2.NODE_PHASE_NOT_READY
        age = self.api.wall_ns() - node.status.last_heartbeat.ToNanoseconds()
        return (
            node.status.phase != wanted or age >= self.api.settings.heartbeat_status_interval * 1e9
        )

    async def UpdateStatus(
        self, request: apiserver_pb2.UpdateNodeStatusRequest, context: Any
    ) -> node_pb2.Node:
        self.api.system(request.namespace)
        name = self.object_name(request)
        validation.node_status(request.status, self.api.limits)

        def fill(node: node_pb2.Node) -> None:
            status = node_pb2.NodeStatus()
            status.CopyFrom(request.status)
            for part in _KEPT_STATUS:
                if node.status.HasField(part):
                    getattr(status, part).CopyFrom(getattr(node.status, part))
                else:
                    status.ClearField(part)
            node.status.CopyFrom(status)

        return await replace_status(self.api, NODE, "", name, request.resource_version, fill)

    async def Cordon(self, request: apiserver_pb2.CordonNodeRequest, context: Any) -> node_pb2.Node:
        self.api.system(request.namespace)
        name = self.object_name(request)
        validation.resource_version(request.resource_version)

        def apply(node: node_pb2.Node) -> None:
            if node.spec.unschedulable != request.unschedulable:
                node.spec.unschedulable = request.unschedulable
                node.meta.generation += 1

        node, _ = await change(self.api, NODE, "", name, request.resource_version, apply)
        return node

    async def Delete(self, request: apiserver_pb2.DeleteNodeRequest, context: Any) -> node_pb2.Node:
        """Removes the node record (conditional on resource_version when given)."""
        self.api.system(request.namespace)
        name = self.object_name(request)
        return await self.remove(name, request.resource_version, request.dry_run)

    async def UpdateMetadata(
        self, request: apiserver_pb2.UpdateNodeMetadataRequest, context: Any
    ) -> node_pb2.Node:
        self.api.system(request.namespace)
        name = self.object_name(request)
        return await update_metadata(self.api, NODE, "", name, request)


def service(api: Api) -> Service:
    return common_service(
        "sigma.v1.Nodes", NodesServicer(api), apiserver_pb2_grpc.add_NodesServicer_to_server
    )
