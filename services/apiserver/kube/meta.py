"""Object metadata between Sigma's ``ObjectMeta`` and the Kubernetes ``metadata`` block.

Pure. What the server owns (uid, resourceVersion, generation, timestamps) is written out and,
on the way in, ignored as the Kubernetes API server ignores it; what Sigma cannot keep
(finalizers, generateName, an owner set by the client) is refused with the field named.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from sigma.errors import Invalid
from sigma.v1 import meta_pb2

# Keys a client may send in metadata; the server-owned ones are read and dropped.
SERVER_OWNED = frozenset(
    {
        "uid",
        "resourceVersion",
        "generation",
        "creationTimestamp",
        "deletionTimestamp",
        "deletionGracePeriodSeconds",
        "managedFields",
        "selfLink",
    }
)
CLIENT_KEYS = frozenset({"name", "namespace", "labels", "annotations"})
EMPTY_OK = frozenset({"finalizers", "ownerReferences"})  # accepted when empty


def rfc3339(ts: Timestamp) -> str | None:
    """Seconds precision, UTC, as Kubernetes writes ``metav1.Time``; None when unset."""
    if not ts.seconds and not ts.nanos:
        return None
    moment = dt.datetime.fromtimestamp(ts.seconds, dt.UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def metadata(meta: meta_pb2.ObjectMeta, *, namespaced: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {"name": meta.name}
    if namespaced:
        out["namespace"] = meta.namespace
    if meta.uid:
        out["uid"] = meta.uid
    if meta.resource_version:
        out["resourceVersion"] = str(meta.resource_version)
    if meta.generation:
        out["generation"] = meta.generation
    out["creationTimestamp"] = rfc3339(meta.creation_timestamp)
    deleted = rfc3339(meta.deletion_timestamp)
    if deleted:
        out["deletionTimestamp"] = deleted
    if meta.labels:
        out["labels"] = dict(sorted(meta.labels.items()))
    if meta.annotations:
        out["annotations"] = dict(sorted(meta.annotations.items()))
    return out


def mapping(value: Any, field: str) -> dict[str, Any]:
    """``value`` as a mapping (``None``: empty), or Invalid naming ``field``."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise Invalid(field, f"expected an object, got {type(value).__name__}")
    return dict(value)


def strings(value: Any, field: str) -> dict[str, str]:
    """A map of strings (labels, annotations, a node selector)."""
    out: dict[str, str] = {}
    for key, item in mapping(value, field).items():
        if not isinstance(item, str):
            raise Invalid(f"{field}.{key}", f"expected a string, got {type(item).__name__}")
        out[str(key)] = item
    return out


def known(data: Mapping[str, Any], allowed: frozenset[str], field: str) -> None:
    """Refuse keys Sigma does not map: never dropped in silence."""
    for key, value in data.items():
        if key not in allowed and value not in (None, {}, [], "", False, 0):
            where = f"{field}.{key}" if field else key
            raise Invalid(where, "not supported by Sigma's Kubernetes API")


def read(data: Any, meta: meta_pb2.ObjectMeta, namespace: str, field: str = "metadata") -> None:
    """Fill ``meta`` (name, namespace, labels, annotations) from a ``metadata`` block."""
    block = mapping(data, field)
    if block.get("generateName") and not block.get("name"):
        raise Invalid(f"{field}.generateName", "not supported: give metadata.name")
    known(block, CLIENT_KEYS | SERVER_OWNED | EMPTY_OK, field)
    name = block.get("name")
    if not isinstance(name, str) or not name:
        raise Invalid(f"{field}.name", "required")
    sent_ns = block.get("namespace")
    if sent_ns and namespace and sent_ns != namespace:
        raise Invalid(f"{field}.namespace", f"{sent_ns!r} does not match the request's namespace")
    meta.name = name
    meta.namespace = namespace
    meta.labels.update(strings(block.get("labels"), f"{field}.labels"))
    meta.annotations.update(strings(block.get("annotations"), f"{field}.annotations"))


def resource_version(value: Any, field: str = "metadata.resourceVersion") -> int:
    """A resourceVersion sent as a precondition (``""``/absent: none)."""
    if value in (None, "", 0):
        return 0
    text = str(value)
    if not text.isdigit():
        raise Invalid(field, f"{text!r} is not a resource version this server issued")
    return int(text)


def body_version(body: Mapping[str, Any]) -> int:
    """The ``metadata.resourceVersion`` a body sends: its write is conditional on it."""
    return resource_version(mapping(body.get("metadata"), "metadata").get("resourceVersion"))
