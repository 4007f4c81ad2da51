"""sigma.v1.Events: the event records of a namespace, for ``describe`` and ``get events``.

Records are written by the tiers that saw what happened (``sigma.resources.records``); this
service only reads them. An empty namespace lists every namespace's records (nodes' among
them), which needs the cluster-wide grant like any cluster-wide List.
"""

from __future__ import annotations

from typing import Any

from sigma.apiserver import validation
from sigma.apiserver.api._common import Api
from sigma.apiserver.api._common import service as common_service
from sigma.auth import READ
from sigma.resources import Repository
from sigma.resources.records import RECORD
from sigma.rpc import Service
from sigma.v1 import apiserver_pb2, apiserver_pb2_grpc, record_pb2


class EventsServicer(apiserver_pb2_grpc.EventsServicer):
    access = {"List": READ}

    def __init__(self, api: Api) -> None:
        self.api = api
        self.repo: Repository[record_pb2.EventRecord] = Repository(api.store, RECORD)

    async def List(
        self, request: apiserver_pb2.ListEventsRequest, context: Any
    ) -> apiserver_pb2.ListEventsResponse:
        namespace = self.api.namespace(request.namespace) if request.namespace else ""
        validation.page_request(request)
        kind, name = request.regarding_kind, request.regarding_name
        if kind:
            validation.camel_case(kind, "regarding_kind")
        if name:
            validation.subdomain(name, "regarding_name")

        def keep(rec: record_pb2.EventRecord) -> bool:
            ref = rec.regarding
            return (not kind or ref.kind == kind) and (not name or ref.name == name)

        page = await self.repo.list(
            namespace,
            page_size=request.page_size,
            page_token=request.page_token,
            where=keep if kind or name else None,
            where_key=f"kind={kind},name={name}",
        )
        items = sorted(page.items, key=lambda r: r.last_at.ToNanoseconds())
        return apiserver_pb2.ListEventsResponse(
            items=items, next_page_token=page.next_page_token, resource_version=page.revision
        )


def service(api: Api) -> Service:
    return common_service(
        "sigma.v1.Events", EventsServicer(api), apiserver_pb2_grpc.add_EventsServicer_to_server
    )
