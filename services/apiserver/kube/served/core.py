"""The core (``v1``) resources: pods, nodes, namespaces and events.

Pods are read, labelled, deleted and evicted; their spec is their owner's, never the client's.
Nodes are read, cordoned (``spec.unschedulable``), labelled and removed. Namespaces are the
teams the apiserver knows (its ``namespaces`` setting), read-only. Events are the records the
tiers keep, read-only.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

from google.protobuf.duration_pb2 import Duration

from sigma.apiserver.kube import meta as M
from sigma.apiserver.kube.calls import Call
from sigma.apiserver.kube.containers import integer
from sigma.apiserver.kube.kinds import events, nodes, pods
from sigma.apiserver.kube.served.base import (
    Names,
    Page,
    Query,
    Served,
    Sub,
    fixed,
    metadata_change,
)
from sigma.apiserver.kube.status import method_not_allowed
from sigma.errors import NotFound
from sigma.v1 import apiserver_pb2 as rpc
from sigma.v1 import event_pb2, meta_pb2, node_pb2, pod_pb2, record_pb2

WRITES = ("get", "list", "watch", "patch", "update", "delete")


def precondition(options: dict[str, Any]) -> int:
    pre = M.mapping(options.get("preconditions"), "preconditions")
    return M.resource_version(pre.get("resourceVersion"), "preconditions.resourceVersion")


def grace(options: dict[str, Any]) -> Duration | None:
    value = options.get("gracePeriodSeconds")
    if value is None:
        return None
    out = Duration()
    out.FromSeconds(integer(value, "gracePeriodSeconds"))
    return out


class Pods(Served):
    names = Names(
        "",
        "v1",
        "Pod",
        "pods",
        short_names=("po",),
        categories=("all",),
        verbs=WRITES,
        subresources=(
            Sub("log", "Pod", ("get",)),
            Sub("eviction", "Eviction", ("create",), group="policy"),
        ),
    )
    servicer, event_field, message = "pods", "pod", pod_pb2.Pod
    requests = (rpc.GetPodRequest, rpc.ListPodsRequest, rpc.WatchPodsRequest)
    metadata_request = rpc.UpdatePodMetadataRequest
    render = staticmethod(pods.pod)
    field_values = staticmethod(pods.fields)

    def narrow(self, request: Any, query: Query) -> None:
        node = query.fields.equal.get("spec.nodeName")
        if node:
            request.node_name = node

    async def replace(
        self, call: Call, namespace: str, name: str, body: dict[str, Any], dry: bool
    ) -> Any:
        return await self.relabel(
            call, namespace, name, body, dry, "a pod's spec is stamped by its owner"
        )

    async def delete(
        self, call: Call, namespace: str, name: str, options: dict[str, Any], dry: bool
    ) -> Any:
        request = rpc.DeletePodRequest(
            namespace=namespace, name=name, resource_version=precondition(options), dry_run=dry
        )
        period = grace(options)
        if period is not None:
            request.grace_period.CopyFrom(period)
        return await call.unary(call.backend.pods, "Delete", request)

    async def evict(self, call: Call, namespace: str, name: str, body: dict[str, Any]) -> Any:
        """``pods/eviction``: the Pods service's Evict, with the App's disruption budget."""
        options = M.mapping(body.get("deleteOptions"), "deleteOptions")
        request = rpc.EvictPodRequest(namespace=namespace, name=name, reason="Evicted")
        period = grace(options)
        if period is not None:
            request.grace_period.CopyFrom(period)
        return await call.unary(call.backend.pods, "Evict", request)


class Nodes(Served):
    names = Names("", "v1", "Node", "nodes", namespaced=False, short_names=("no",), verbs=WRITES)
    servicer, event_field, message = "nodes", "node", node_pb2.Node
    requests = (rpc.GetNodeRequest, rpc.ListNodesRequest, rpc.WatchNodesRequest)
    name_field = "node_name"
    render = staticmethod(nodes.node)
    field_values = staticmethod(nodes.fields)

    async def replace(
        self, call: Call, namespace: str, name: str, body: dict[str, Any], dry: bool
    ) -> Any:
        """A cordon and a metadata change; any other change is the slave's to make."""
        current = await self.get(call, namespace, name)
        before = self.render(current)
        spec = M.mapping(body.get("spec"), "spec")
        unschedulable = bool(spec.get("unschedulable", False))
        fixed(
            {**before["spec"], "unschedulable": unschedulable},
            spec,
            "spec",
            "only spec.unschedulable changes here; the slave registers the rest",
        )
        team = call.team("write")
        wanted = node_pb2.Node()
        M.read(body.get("metadata"), wanted.meta, "")
        change = metadata_change(current.meta, wanted.meta)
        if dry:
            return current
        node = current
        if change is not None:
            request = rpc.UpdateNodeMetadataRequest(namespace=team, node_name=name, change=change)
            node = await call.unary(call.backend.nodes, "UpdateMetadata", request)
        if unschedulable != current.spec.unschedulable:
            cordon = rpc.CordonNodeRequest(
                namespace=team, node_name=name, unschedulable=unschedulable
            )
            node = await call.unary(call.backend.nodes, "Cordon", cordon)
        return node

    async def delete(
        self, call: Call, namespace: str, name: str, options: dict[str, Any], dry: bool
    ) -> Any:
        request = rpc.DeleteNodeRequest(
            namespace=call.team("write"),
            node_name=name,
            resource_version=precondition(options),
            dry_run=dry,
        )
        return await call.unary(call.backend.nodes, "Delete", request)


class Namespaces(Served):
    """The teams of the apiserver's ``namespaces`` setting, those the caller may read."""

    names = Names("", "v1", "Namespace", "namespaces", namespaced=False, short_names=("ns",))
    message = meta_pb2.ObjectMeta  # a namespace is only its name here

    @staticmethod
    def render(name: str) -> dict[str, Any]:
        return {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": name, "creationTimestamp": None},
            "spec": {"finalizers": ["kubernetes"]},
            "status": {"phase": "Active"},
        }

    def fields(self, obj: Any) -> dict[str, str]:
        return {"metadata.name": obj if isinstance(obj, str) else "", "status.phase": "Active"}

    def visible(self, call: Call) -> list[str]:
        guard = call.backend.guard
        if guard.open:
            return list(call.backend.namespaces)
        principal = guard.authenticator.authenticate(call.token)  # type: ignore[union-attr]
        return [n for n in call.backend.namespaces if principal.allows("read", n)]

    async def get(self, call: Call, namespace: str, name: str) -> Any:
        if name not in self.visible(call):
            raise NotFound(f"namespace {name!r} not found")
        return name

    async def list(self, call: Call, namespace: str, query: Query) -> Page:
        revision = await call.backend.api.store.revision()
        items = [n for n in self.visible(call) if query.fields.matches(self.fields(n))]
        items = [n for n in items if query.labels.matches({})]
        return Page(items, "", revision)

    async def watch(
        self, call: Call, namespace: str, revision: int, query: Query
    ) -> AsyncIterator[event_pb2.Event]:
        if False:  # namespaces change only with the apiserver's settings: nothing to send
            yield event_pb2.Event()


class Events(Served):
    names = Names("", "v1", "Event", "events", short_names=("ev",), verbs=("get", "list"))
    servicer, message = "events", record_pb2.EventRecord
    render = staticmethod(events.event)
    field_values = staticmethod(events.fields)

    async def get(self, call: Call, namespace: str, name: str) -> Any:
        page = await self.list(call, namespace, Query())
        for record in page.items:
            if record.meta.name == name:
                return record
        raise NotFound(f"event {name!r} not found")

    async def list(self, call: Call, namespace: str, query: Query) -> Page:
        request = rpc.ListEventsRequest(
            namespace=namespace,
            page_size=query.limit,
            page_token=query.token,
            regarding_name=query.fields.equal.get("involvedObject.name", ""),
        )
        items: list[Any] = []
        while True:
            answer = await call.unary(call.backend.events, "List", request)
            items.extend(r for r in answer.items if self.keep(r, query))
            if query.limit or not answer.next_page_token:
                return Page(items, answer.next_page_token, answer.resource_version)
            request.page_token = answer.next_page_token

    async def watch(
        self, call: Call, namespace: str, revision: int, query: Query
    ) -> AsyncIterator[event_pb2.Event]:
        raise method_not_allowed("events are listed, not watched, through this API")
        yield event_pb2.Event()  # pragma: no cover - makes this an async generator
