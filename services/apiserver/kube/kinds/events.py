"""``v1`` Event from Sigma's event records (what the slave and the controllers recorded).

Pure. The object an event is about is named as Kubernetes clients know it, so ``kubectl
describe deployment`` finds an App's records.
"""

from __future__ import annotations

from typing import Any

from sigma.apiserver.kube import meta as M
from sigma.v1 import record_pb2

KINDS = {"App": ("apps/v1", "Deployment"), "BatchJob": ("batch/v1", "Job"), "Pod": ("v1", "Pod")}
KINDS["Node"] = ("v1", "Node")


def involved(ref: record_pb2.ObjectReference) -> dict[str, Any]:
    api_version, kind = KINDS.get(ref.kind, ("sigma.io/v1", ref.kind))
    out = {"apiVersion": api_version, "kind": kind, "name": ref.name, "uid": ref.uid}
    if ref.namespace:
        out["namespace"] = ref.namespace
    return out


def event(rec: record_pb2.EventRecord) -> dict[str, Any]:
    source = rec.source
    return {
        "apiVersion": "v1",
        "kind": "Event",
        "metadata": M.metadata(rec.meta),
        "involvedObject": involved(rec.regarding),
        "reason": rec.reason,
        "message": rec.message,
        "type": "Warning" if rec.severity == record_pb2.EVENT_SEVERITY_WARNING else "Normal",
        "source": {"component": source.partition("/")[0], "host": source.partition("/")[2]},
        "count": rec.count,
        "firstTimestamp": M.rfc3339(rec.first_at),
        "lastTimestamp": M.rfc3339(rec.last_at),
        "reportingComponent": source,
    }


def fields(rec: record_pb2.EventRecord) -> dict[str, str]:
    ref = involved(rec.regarding)
    return {
        "metadata.name": rec.meta.name,
        "metadata.namespace": rec.meta.namespace,
        "involvedObject.kind": ref["kind"],
        "involvedObject.name": ref["name"],
        "involvedObject.namespace": ref.get("namespace", ""),
        "involvedObject.uid": ref["uid"],
        "reason": rec.reason,
        "type": "Warning" if rec.severity == record_pb2.EVENT_SEVERITY_WARNING else "Normal",
    }
