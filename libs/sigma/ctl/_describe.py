"""``describe`` and ``explain`` output: pure functions from messages to text.

An object's "events" are assembled from what the cluster keeps about it, newest last: the tasks
that acted on it (apiserver), the conditions of its pods or of the object itself (the tier that
set them), the event records about it and its pods (restarts, back-offs, replacements, refused
disruptions; ``sigma.resources.records``), and the colocator's decisions about it, when the
colocator serves them.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import yaml
from google.protobuf.message import Message
from google.protobuf.timestamp_pb2 import Timestamp

from sigma.ctl._convert import enum_name, to_data
from sigma.ctl._tables import age, cpu, memory, render
from sigma.v1 import event_pb2, meta_pb2, record_pb2, scheduler_pb2, task_pb2


@dataclass(frozen=True, slots=True)
class Event:
    at: Timestamp
    type: str  # Task, Condition, Decision, or a record's severity (Normal, Warning)
    reason: str
    source: str  # who said so: apiserver, a pod's name, colocator
    message: str


def task_events(tasks: Sequence[task_pb2.Task]) -> list[Event]:
    out = []
    for t in tasks:
        kind = enum_name(task_pb2.TaskKind.DESCRIPTOR, t.spec.kind).title()
        state = enum_name(task_pb2.TaskState.DESCRIPTOR, t.status.state).title()
        progress = f"{t.status.progress_done}/{t.status.progress_total}"
        message = t.status.message or f"progress {progress}"
        at = t.status.finished_at if t.status.HasField("finished_at") else t.meta.creation_timestamp
        out.append(Event(at, "Task", f"{kind}{state}", "apiserver", f"{t.meta.name}: {message}"))
    return out


def condition_events(source: str, conditions: Sequence[meta_pb2.Condition]) -> list[Event]:
    out = []
    for c in conditions:
        status = enum_name(meta_pb2.ConditionStatus.DESCRIPTOR, c.status).title()
        reason = c.reason or c.type
        text = f"{c.type}={status}" + (f": {c.message}" if c.message else "")
        out.append(Event(c.last_transition_time, "Condition", reason, source, text))
    return out


def decision_events(decisions: Sequence[event_pb2.ColocationDecision]) -> list[Event]:
    out = []
    for d in decisions:
        kind = enum_name(event_pb2.ColocationDecisionKind.DESCRIPTOR, d.kind)
        text = d.message or d.target
        if d.from_replicas or d.to_replicas:
            text += f" ({d.from_replicas} -> {d.to_replicas} replicas)"
        out.append(Event(d.at, "Decision", d.reason or kind, d.source or "colocator", text))
    return out


def record_events(records: Iterable[record_pb2.EventRecord]) -> list[Event]:
    """Event records (restarts, back-offs, replacements), their count in the message."""
    out = []
    for r in records:
        severity = "Warning" if r.severity == record_pb2.EVENT_SEVERITY_WARNING else "Normal"
        times = f" (x{r.count} since {r.first_at.ToJsonString()})" if r.count > 1 else ""
        source = f"{r.source} {r.regarding.kind.lower()}/{r.regarding.name}"
        out.append(Event(r.last_at, severity, r.reason, source, r.message + times))
    return out


def events_table(events: Sequence[Event], now_ns: int) -> str:
    ordered = sorted(events, key=lambda e: e.at.ToNanoseconds())
    rows = [[age(e.at, now_ns), e.type, e.reason, e.source, e.message] for e in ordered]
    return render(("AGE", "TYPE", "REASON", "FROM", "MESSAGE"), rows) if rows else "<none>"


def describe(
    kind: str,
    obj: Message,
    *,
    now_ns: int,
    pods_table: str = "",
    tasks_table: str = "",
    events: Sequence[Event] = (),
    notes: Sequence[str] = (),
) -> str:
    """Metadata, spec and status as indented YAML, then a job's tasks, pods (for owners) and
    events."""
    meta = obj.meta  # type: ignore[attr-defined]
    lines = [
        f"Name:        {meta.name}",
        *([f"Namespace:   {meta.namespace}"] if meta.namespace else []),
        f"Kind:        {kind}",
        f"Labels:      {_pairs(meta.labels)}",
        f"Created:     {age(meta.creation_timestamp, now_ns)} ago"
        + (
            f" (deleting since {age(meta.deletion_timestamp, now_ns)})"
            if meta.HasField("deletion_timestamp")
            else ""
        ),
        f"Generation:  {meta.generation}   Version: {meta.resource_version}",
    ]
    for part in ("spec", "status"):
        if part in obj.DESCRIPTOR.fields_by_name and obj.HasField(part):  # a rule set: no status
            lines.append(f"{part.title()}:")
            lines.append(_indent(_yaml(_as_tables_say(to_data(getattr(obj, part))))))
    if tasks_table:
        lines += ["Tasks:", _indent(tasks_table)]
    if pods_table:
        lines += ["Pods:", _indent(pods_table)]
    lines += ["Events:", _indent(events_table(events, now_ns))]
    lines += notes
    return "\n".join(lines)


#: Fields whose enum value the tables print as a word (``Failed``, ``Running``).
_PHASES = frozenset({"phase", "state"})


def _as_tables_say(data: Any) -> Any:
    """``phase: FAILED`` as the tables print it, ``phase: Failed``, at any depth."""
    if isinstance(data, dict):
        return {
            k: v.title().replace("_", "")
            if k in _PHASES and isinstance(v, str)
            else _as_tables_say(v)
            for k, v in data.items()
        }
    if isinstance(data, list):
        return [_as_tables_say(v) for v in data]
    return data


def _pairs(values: Any) -> str:
    return ",".join(f"{k}={v}" for k, v in sorted(values.items())) or "<none>"


def _yaml(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, default_flow_style=False).rstrip()


def _indent(text: str) -> str:
    return "\n".join("  " + line if line else line for line in text.splitlines())


def explanation(reply: scheduler_pb2.ExplainResponse, pod_key: str) -> str:
    """Per node: feasible or the filter that said no and why; feasible nodes with their scores."""
    rows = []
    for v in reply.nodes:
        if v.feasible:
            parts = sorted(v.scores, key=lambda s: -s.weighted)
            detail = " ".join(f"{s.plugin}={s.weighted:.1f}" for s in parts)
            rows.append([v.node_name, "yes", f"{v.total:.1f}", detail or "-"])
        else:
            failed = next((f for f in v.filters if not f.ok), None)
            detail = f"{failed.plugin}: {failed.reason}" if failed else "-"
            rows.append([v.node_name, "no", "-", detail])
    lines = [f"Pod {pod_key}: {reply.nodes_evaluated} nodes evaluated"]
    if rows:
        lines.append(render(("NODE", "FEASIBLE", "SCORE", "DETAIL"), rows))
    if reply.chosen_node:
        lines.append(f"Chosen: {reply.chosen_node}")
    else:
        lines.append(f"Chosen: none ({reply.reason or 'no feasible node'})")
    if reply.nominated_node:
        victims = ", ".join(reply.victims) or "none"
        lines.append(f"Preemption: nominate {reply.nominated_node}, evicting {victims}")
    return "\n".join(lines)


def placement(pod: Any, pod_key: str) -> str:
    """A placed pod's decision as the scheduler recorded it when it bound the pod."""
    cond = next((c for c in pod.status.conditions if c.type == "PodScheduled"), None)
    when = (
        cond.last_transition_time.ToJsonString()
        if cond and cond.HasField("last_transition_time")
        else ""
    )
    decided = cond.message if cond is not None and cond.message else "no decision recorded"
    lines = [
        f"Pod {pod_key}: on {pod.spec.node_name}" + (f" since {when}" if when else ""),
        f"Decided when placed: {decided}",
        "(sigmactl explain pod NAME --now runs the filters and scores again on the cluster now)",
    ]
    return "\n".join(lines)


def budget(reply: Any) -> str:
    """The reclaim ledger of one node: each batch-capacity change and its terms."""
    rows = []
    for c in reply.changes:
        t = c.terms
        rows.append(
            [
                c.at.ToJsonString() if c.HasField("at") else "-",
                c.reason or "-",
                _rl(c.previous),
                _rl(t.result),
                _rl(t.capacity),
                f"{t.cpu_threshold:.2f}/{t.memory_threshold:.2f}",
                _rl(t.online_estimate),
                _rl(t.system),
                _rl(t.reserve),
            ]
        )
    head = f"Node {reply.node_name}: {len(rows)} batch-capacity changes (newest first)"
    if not rows:
        return head
    headers = (
        "AT",
        "REASON",
        "FROM",
        "TO",
        "CAPACITY",
        "THRESHOLD",
        "ONLINE-EST",
        "SYSTEM",
        "RESERVE",
    )
    return head + "\n" + render(headers, rows)


def _rl(value: meta_pb2.ResourceList) -> str:
    return f"{cpu(value.cpu_millis)}/{memory(value.memory_bytes)}"
