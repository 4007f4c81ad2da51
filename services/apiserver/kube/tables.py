"""``meta.k8s.io/v1`` Table responses: what ``kubectl get`` prints, column by column.

Pure. Each kind names its columns (priority 1: only with ``-o wide``) and computes a row's
cells from the Sigma object; the server, not kubectl, decides what a row says, as with every
built-in kind. Ages are rendered the way the Kubernetes API server renders them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from sigma.apiserver.kube.kinds import deployments, events, jobs, nodes, pods
from sigma.ctl._convert import enum_name
from sigma.v1 import batch_pb2, meta_pb2, task_pb2

Cells = Callable[[Any, float], list[Any]]


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: str = "string"
    priority: int = 0
    description: str = ""
    format: str = ""

    def definition(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "type": self.type,
            "format": self.format or ("name" if self.name == "Name" else ""),
            "description": self.description or self.name,
            "priority": self.priority,
        }


@dataclass(frozen=True, slots=True)
class Layout:
    columns: tuple[Column, ...]
    cells: Cells


def age(ts: Timestamp, now: float) -> str:
    """``HumanDuration`` of the Kubernetes API: 45s, 5m10s, 3h, 2d5h, 400d."""
    if not ts.seconds:
        return "<unknown>"
    s = max(0, int(now - ts.seconds))
    if s < 120:
        return f"{s}s"
    minutes = s // 60
    if minutes < 10:
        return f"{minutes}m{s % 60}s" if s % 60 else f"{minutes}m"
    if minutes < 180:
        return f"{minutes}m"
    hours = s // 3600
    if hours < 48:
        return f"{hours}h{minutes % 60}m" if hours < 8 and minutes % 60 else f"{hours}h"
    days = s // 86400
    return f"{days}d{hours % 24}h" if days < 8 and hours % 24 else f"{days}d"


def _created(obj: Message) -> Timestamp:
    return obj.meta.creation_timestamp  # type: ignore[attr-defined,no-any-return]


def _pod(p: Any, now: float) -> list[Any]:
    statuses = p.status.container_statuses
    ready = sum(1 for c in statuses if c.ready)
    total = len(p.spec.template.containers)
    word = "Terminating" if p.meta.HasField("deletion_timestamp") else None
    waiting = [c.reason for c in statuses if c.reason and not c.ready]
    word = word or p.status.reason or (waiting[0] if waiting else pods.phase(p))
    return [
        p.meta.name,
        f"{ready}/{total}",
        word,
        p.status.restart_count,
        age(_created(p), now),
        "127.0.0.1" if p.spec.node_name else "<none>",
        p.spec.node_name or "<none>",
        p.status.nominated_node_name or "<none>",
        enum_name(meta_pb2.QoSClass.DESCRIPTOR, p.spec.qos_class),
    ]


def _node(n: Any, now: float) -> list[Any]:
    return [
        n.meta.name,
        nodes.status_word(n),
        "<none>",
        age(_created(n), now),
        n.status.agent_version or "sigma",
        nodes.address(n) or "<none>",
        "<none>",
        "sigma-slave",
    ]


def _deployment(a: Any, now: float) -> list[Any]:
    c = a.spec.template.containers
    labels = ",".join(f"{k}={v}" for k, v in sorted(a.spec.template.labels.items()))
    return [
        a.meta.name,
        f"{a.status.ready_replicas}/{a.spec.replicas}",
        a.status.updated_replicas,
        a.status.available_replicas,
        age(_created(a), now),
        ",".join(x.name for x in c),
        ",".join(x.image or "<none>" for x in c),
        labels,
    ]


def _job(j: Any, now: float) -> list[Any]:
    wanted, _, succeeded, _ = jobs.counts(j)
    start, end = j.status.start_time.seconds, j.status.finish_time.seconds or now
    return [
        j.meta.name,
        jobs.status_word(j),
        f"{succeeded}/{wanted}",
        age(Timestamp(seconds=int(now - (end - start))), now) if start else "",
        age(_created(j), now),
    ]


def _event(e: Any, now: float) -> list[Any]:
    ref = events.involved(e.regarding)
    return [
        age(e.last_at, now),
        "Warning" if e.severity == 2 else "Normal",
        e.reason,
        f"{ref['kind'].lower()}/{ref['name']}",
        e.message,
    ]


def _app(a: Any, now: float) -> list[Any]:
    ts = a.spec.time_sharing
    return [
        a.meta.name,
        a.spec.replicas,
        a.status.target_replicas or a.spec.replicas,
        f"{a.status.ready_replicas}/{a.status.target_replicas or a.spec.replicas}",
        deployments.qos_name(a.spec.qos_class) or "<none>",
        "on" if ts.enabled else "off",
        a.status.time_sharing_replicas or "<none>",
        a.spec.min_replicas or a.spec.replicas,
        age(_created(a), now),
    ]


def _batchjob(j: Any, now: float) -> list[Any]:
    wanted, active, succeeded, failed = jobs.counts(j)
    phase = enum_name(batch_pb2.BatchJobPhase.DESCRIPTOR, j.status.phase) or "PENDING"
    return [
        j.meta.name,
        phase,
        len(j.spec.tasks),
        wanted,
        active,
        succeeded,
        failed,
        j.spec.priority,
        age(_created(j), now),
    ]


def _sigma_node(n: Any, now: float) -> list[Any]:
    cap, batch, alloc = n.spec.allocatable, n.status.batch_capacity, n.status.allocated
    return [
        n.meta.name,
        nodes.status_word(n),
        f"{cap.cpu_millis}m",
        f"{batch.cpu_millis}m",
        f"{alloc.online.cpu_millis}m",
        f"{alloc.batch.cpu_millis}m",
        f"{n.status.usage.cpu_millis}m",
        age(_created(n), now),
    ]


def _task(t: Any, now: float) -> list[Any]:
    return [
        t.meta.name,
        enum_name(task_pb2.TaskKind.DESCRIPTOR, t.spec.kind),
        t.spec.target_name,
        enum_name(task_pb2.TaskState.DESCRIPTOR, t.status.state),
        age(_created(t), now),
    ]


def _rule_set(r: Any, now: float) -> list[Any]:
    return [r.meta.name, len(r.spec.rules), age(_created(r), now)]


def _namespace(name: str, now: float) -> list[Any]:
    return [name, "Active", "<unknown>"]


def _cols(*names: str, wide: Sequence[str] = ()) -> tuple[Column, ...]:
    types = {
        "Restarts": "integer",
        "Up-to-date": "integer",
        "Available": "integer",
        "Rules": "integer",
    }
    return tuple(Column(n, types.get(n, "string")) for n in names) + tuple(
        Column(n, priority=1) for n in wide
    )


LAYOUTS: dict[str, Layout] = {
    "Pod": Layout(
        _cols(
            "Name",
            "Ready",
            "Status",
            "Restarts",
            "Age",
            wide=("IP", "Node", "Nominated Node", "QoS"),
        ),
        _pod,
    ),
    "Node": Layout(
        _cols(
            "Name",
            "Status",
            "Roles",
            "Age",
            "Version",
            wide=("Internal-IP", "External-IP", "Container-Runtime"),
        ),
        _node,
    ),
    "Deployment": Layout(
        _cols(
            "Name",
            "Ready",
            "Up-to-date",
            "Available",
            "Age",
            wide=("Containers", "Images", "Selector"),
        ),
        _deployment,
    ),
    "Job": Layout(_cols("Name", "Status", "Completions", "Duration", "Age"), _job),
    "Event": Layout(_cols("Last Seen", "Type", "Reason", "Object", "Message"), _event),
    "Namespace": Layout(_cols("Name", "Status", "Age"), _namespace),
    "App": Layout(
        _cols(
            "Name",
            "Replicas",
            "Target",
            "Ready",
            "QoS",
            "Time-sharing",
            "TS-Replicas",
            "Min",
            "Age",
        ),
        _app,
    ),
    "BatchJob": Layout(
        _cols(
            "Name",
            "Phase",
            "Tasks",
            "Instances",
            "Active",
            "Succeeded",
            "Failed",
            "Priority",
            "Age",
        ),
        _batchjob,
    ),
    "SigmaNode": Layout(
        _cols(
            "Name", "Status", "CPU", "Batch-CPU", "Online-Alloc", "Batch-Alloc", "CPU-Used", "Age"
        ),
        _sigma_node,
    ),
    "Task": Layout(_cols("Name", "Kind", "Target", "State", "Age"), _task),
    "InterferenceRuleSet": Layout(_cols("Name", "Rules", "Age"), _rule_set),
}


def table(
    layout: Layout,
    rows: Sequence[tuple[Any, dict[str, Any]]],
    now: float,
    *,
    list_meta: dict[str, Any] | None = None,
    include: str = "Metadata",
) -> dict[str, Any]:
    """A Table of ``rows`` (Sigma object, its Kubernetes rendering)."""
    out = []
    for obj, rendered in rows:
        row: dict[str, Any] = {"cells": layout.cells(obj, now)}
        if include == "Object":
            row["object"] = rendered
        elif include != "None":
            row["object"] = {
                "kind": "PartialObjectMetadata",
                "apiVersion": "meta.k8s.io/v1",
                "metadata": rendered.get("metadata", {}),
            }
        out.append(row)
    return {
        "kind": "Table",
        "apiVersion": "meta.k8s.io/v1",
        "metadata": list_meta or {},
        "columnDefinitions": [c.definition() for c in layout.columns],
        "rows": out,
    }
