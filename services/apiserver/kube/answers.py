"""The bodies a Kubernetes read answers with: an object, a list, a Table, a watch event.

Pure. ``kubectl get`` asks for a ``meta.k8s.io/v1`` Table in its ``Accept`` header and gets
the server's columns; any other client gets the objects (``PodList`` and the like). A watch
event's object takes the same form as the list the watch follows.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sigma.apiserver.kube import tables
from sigma.apiserver.kube.served.base import Page, Served
from sigma.v1 import event_pb2

EVENT_TYPES = {
    event_pb2.EVENT_TYPE_ADDED: "ADDED",
    event_pb2.EVENT_TYPE_MODIFIED: "MODIFIED",
    event_pb2.EVENT_TYPE_DELETED: "DELETED",
    event_pb2.EVENT_TYPE_BOOKMARK: "BOOKMARK",
}


def wants_table(accept: str) -> bool:
    return "as=Table" in accept.replace(" ", "")


def layout(served: Served) -> tables.Layout:
    return tables.LAYOUTS[served.names.layout or served.names.kind]


def table(
    served: Served, objects: Sequence[Any], now: float, include: str, meta: dict[str, Any]
) -> dict[str, Any]:
    rows = [(o, served.render(o)) for o in objects]
    return tables.table(layout(served), rows, now, list_meta=meta, include=include or "Metadata")


def list_meta(page: Page) -> dict[str, Any]:
    meta: dict[str, Any] = {"resourceVersion": str(page.revision)}
    if page.token:
        meta["continue"] = page.token
    return meta


def listing(served: Served, page: Page) -> dict[str, Any]:
    return {
        "kind": f"{served.names.kind}List",
        "apiVersion": served.names.api_version,
        "metadata": list_meta(page),
        "items": [served.render(o) for o in page.items],
    }


def bookmark(served: Served, revision: int) -> dict[str, Any]:
    return {
        "type": "BOOKMARK",
        "object": {
            "kind": served.names.kind,
            "apiVersion": served.names.api_version,
            "metadata": {"resourceVersion": str(revision)},
        },
    }


def change(served: Served, event: event_pb2.Event, table_of: str, now: float) -> dict[str, Any]:
    """A watch event carrying one object (a one-row Table when ``table_of`` names what the
    rows include: the watch asked for Tables)."""
    obj = getattr(event, served.event_field)
    if table_of:
        body = table(served, [obj], now, table_of, {"resourceVersion": str(event.revision)})
    else:
        body = served.render(obj)
    return {"type": EVENT_TYPES[event.type], "object": body}
