"""Tables for ``get`` and ``top``: pure functions from messages to rows and text.

``now_ns`` is passed in (ages are relative to it), so the output of a given list is fixed and
tests need no clock.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp

from sigma.ctl._convert import enum_name
from sigma.resources.apps import target_replicas
from sigma.resources.pods import TERMINAL
from sigma.v1 import (
    app_pb2,
    batch_pb2,
    interference_pb2,
    meta_pb2,
    node_pb2,
    pod_pb2,
    record_pb2,
    task_pb2,
)

Row = list[str]
Columns = tuple[tuple[str, ...], Callable[[Any, int], Row]]


def render(headers: Sequence[str], rows: Sequence[Row]) -> str:
    """Left-aligned columns three spaces apart, like kubectl; no trailing blanks."""
    return Layout(headers).text(list(headers), *rows)


class Layout:
    """Column widths that only grow: a watch prints rows one at a time under a header printed
    earlier, and each must line up with it (a wider cell widens its column from then on)."""

    def __init__(self, headers: Sequence[str]) -> None:
        self.widths = [len(h) for h in headers]
        self.printed = 0  # rows laid out so far, header included

    def fit(self, row: Row) -> None:
        self.widths = [max(w, len(cell)) for w, cell in zip(self.widths, row, strict=True)]

    def text(self, *rows: Row) -> str:
        for row in rows:
            self.fit(row)
        self.printed += len(rows)
        return "\n".join(
            "   ".join(cell.ljust(w) for cell, w in zip(row, self.widths, strict=True)).rstrip()
            for row in rows
        )


def age(ts: Timestamp, now_ns: int) -> str:
    """``42s``, ``5m``, ``3h``, ``12d``; ``-`` when unset."""
    if not ts.seconds and not ts.nanos:
        return "-"
    seconds = max(0, (now_ns - ts.ToNanoseconds()) // 1_000_000_000)
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= size * (2 if unit != "m" else 1):
            return f"{seconds // size}{unit}"
    return f"{seconds}s"


def cpu(millis: int) -> str:
    """``250m`` below a core, ``1.5`` cores above."""
    if millis < 1000:
        return f"{millis}m"
    return f"{millis / 1000:g}" if millis % 100 == 0 else f"{millis / 1000:.2f}"


def millicores(millis: int) -> str:
    """Always millicores (``1490m``, ``0m``), as ``kubectl top`` prints: one unit a column."""
    return f"{millis}m"


def memory(size: int) -> str:
    for unit, scale in (("Gi", 1 << 30), ("Mi", 1 << 20), ("Ki", 1 << 10)):
        if size >= scale:
            value = size / scale
            return (
                f"{value:.0f}{unit}" if value >= 10 or value == int(value) else f"{value:.1f}{unit}"
            )
    return f"{size}"


def percent(part: int, whole: int) -> str:
    return f"{100 * part / whole:.0f}%" if whole else "-"


def qos(value: int) -> str:
    return enum_name(meta_pb2.QoSClass.DESCRIPTOR, value)


def phase(enum: Any, value: int) -> str:
    return enum_name(enum.DESCRIPTOR, value).title().replace("_", "")


def requests(pod: pod_pb2.Pod) -> meta_pb2.ResourceList:
    total = meta_pb2.ResourceList()
    for c in pod.spec.template.containers:
        total.cpu_millis += c.resources.requests.cpu_millis
        total.memory_bytes += c.resources.requests.memory_bytes
    return total


def _app(app: app_pb2.App, now: int) -> Row:
    sharing = "off"
    if app.spec.time_sharing.enabled:
        floor = app.spec.min_replicas or app.spec.replicas
        sharing = f"{floor}..{app.spec.replicas}"
    st = app.status
    return [
        app.meta.name,
        str(app.spec.replicas),
        str(target_replicas(app)),
        str(st.replicas),
        str(st.ready_replicas),
        str(st.available_replicas),
        str(st.updated_replicas),
        qos(app.spec.qos_class or app.spec.template.qos_class),
        sharing,
        age(app.meta.creation_timestamp, now),
    ]


def _job(job: batch_pb2.BatchJob, now: int) -> Row:
    tasks = job.status.tasks
    done = sum(t.phase == batch_pb2.BATCH_TASK_PHASE_SUCCEEDED for t in tasks)
    total = sum(t.total for t in tasks) or sum(t.instances for t in job.spec.tasks)
    return [
        job.meta.name,
        phase(batch_pb2.BatchJobPhase, job.status.phase),
        f"{done}/{len(job.spec.tasks)}",
        f"{sum(t.succeeded for t in tasks)}/{total}",
        str(sum(t.running for t in tasks)),
        str(sum(t.failed for t in tasks)),
        str(job.status.workers) if job.spec.HasField("workers") else "-",
        str(job.spec.priority),
        age(job.meta.creation_timestamp, now),
    ]


BATCH_TASKS = (
    "TASK",
    "PHASE",
    "TOTAL",
    "PENDING",
    "RUNNING",
    "DONE",
    "FAILED",
    "RETRIES",
    "WORKERS",
)


def batch_tasks(jobs: Sequence[batch_pb2.BatchJob], *, job_names: bool = False) -> str:
    """Each task's instances by state and the workers running them (``-`` for a job of one
    pod per instance, which has no workers): what ``describe batchjob`` and ``top batchjobs``
    show. The counts are the job's status, which its master keeps per task."""
    rows = []
    for job in jobs:
        spec = {t.name: t for t in job.spec.tasks}
        on_workers = job.spec.HasField("workers")
        for t in job.status.tasks:
            total = t.total or (spec[t.name].instances if t.name in spec else 0)
            row = [
                t.name,
                phase(batch_pb2.BatchTaskPhase, t.phase),
                str(total),
                str(t.pending),
                str(t.running),
                str(t.succeeded),
                str(t.failed),
                str(t.retries),
                str(t.workers) if on_workers else "-",
            ]
            rows.append([job.meta.name, *row] if job_names else row)
    return render(("JOB", *BATCH_TASKS) if job_names else BATCH_TASKS, rows)


def scaled(app: app_pb2.App, replicas: int, task: str) -> str:
    """What a scale did: the new size, or the size time-sharing holds the app at instead."""
    target = target_replicas(app)
    if target == replicas:
        return f"app/{app.meta.name} scaled to {replicas} (task {task})"
    floor = app.spec.min_replicas or replicas
    return (
        f"app/{app.meta.name} scaled to {replicas} at peak (task {task}); time-sharing holds it "
        f"at {target} for now and follows its load between {min(floor, replicas)} and {replicas}"
    )


def pod_status(pod: pod_pb2.Pod) -> str:
    """What ``kubectl get pods`` calls STATUS: Terminating, CrashLoopBackOff, or the phase."""
    if pod.meta.HasField("deletion_timestamp") and pod.status.phase not in TERMINAL:
        return "Terminating"
    if pod.status.reason == "CrashLoopBackOff":
        return pod.status.reason
    return phase(pod_pb2.PodPhase, pod.status.phase)


def restarts(pod: pod_pb2.Pod, now: int) -> str:
    """``3 (12s ago)``: how often its containers restarted, and when the last one ended."""
    ends = [
        c.last_termination.finished_at
        for c in pod.status.container_statuses
        if c.restart_count and c.HasField("last_termination")
    ]
    count = str(pod.status.restart_count)
    if not ends or not pod.status.restart_count:
        return count
    last = max(ends, key=lambda ts: ts.ToNanoseconds())
    return f"{count} ({age(last, now)} ago)"


def _pod(pod: pod_pb2.Pod, now: int) -> Row:
    req = requests(pod)
    containers = pod.status.container_statuses
    ready = sum(1 for c in containers if c.ready)
    return [
        pod.meta.name,
        f"{ready}/{len(pod.spec.template.containers)}",
        pod_status(pod),
        restarts(pod, now),
        pod.spec.node_name or pod.status.nominated_node_name or "-",
        qos(pod.spec.qos_class),
        pod.spec.owner_name or "-",
        f"{cpu(req.cpu_millis)}/{memory(req.memory_bytes)}",
        age(pod.meta.creation_timestamp, now),
    ]


def _node(node: node_pb2.Node, now: int) -> Row:
    status = phase(node_pb2.NodePhase, node.status.phase)
    if node.spec.unschedulable:
        status += ",Cordoned"
    cap = node.status.batch_capacity
    return [
        node.meta.name,
        status,
        cpu(node.spec.allocatable.cpu_millis),
        memory(node.spec.allocatable.memory_bytes),
        f"{cpu(cap.cpu_millis)}/{memory(cap.memory_bytes)}",
        age(node.meta.creation_timestamp, now),
    ]


def _task(task: task_pb2.Task, now: int) -> Row:
    done, total = task.status.progress_done, task.status.progress_total
    return [
        task.meta.name,
        enum_name(task_pb2.TaskKind.DESCRIPTOR, task.spec.kind),
        task.spec.target_name,
        phase(task_pb2.TaskState, task.status.state),
        f"{done}/{total}" if total else "-",
        age(task.meta.creation_timestamp, now),
    ]


def _record(record: record_pb2.EventRecord, now: int) -> Row:
    ref = record.regarding
    warning = record.severity == record_pb2.EVENT_SEVERITY_WARNING
    return [
        age(record.last_at, now),
        "Warning" if warning else "Normal",
        record.reason,
        f"{ref.kind.lower()}/{ref.name}",
        str(record.count),
        record.message,
    ]


def _over(status: interference_pb2.InterferenceRuleSetStatus) -> str:
    """Running pods over the set's rules: "-" until the status controller has counted them."""
    if not status.observed_generation:
        return "-"
    return str(status.pods_over)


def _rule_set(rule_set: interference_pb2.InterferenceRuleSet, now: int) -> Row:
    return [
        rule_set.meta.name,
        str(len(rule_set.spec.rules)),
        _over(rule_set.status),
        age(rule_set.meta.creation_timestamp, now),
    ]


GET: dict[str, Columns] = {
    "App": (
        (
            "NAME",
            "DESIRED",
            "TARGET",
            "CURRENT",
            "READY",
            "AVAILABLE",
            "UP-TO-DATE",
            "QOS",
            "TIME-SHARING",
            "AGE",
        ),
        _app,
    ),
    "BatchJob": (
        (
            "NAME",
            "PHASE",
            "TASKS",
            "INSTANCES",
            "RUNNING",
            "FAILED",
            "WORKERS",
            "PRIORITY",
            "AGE",
        ),
        _job,
    ),
    "Pod": (
        ("NAME", "READY", "STATUS", "RESTARTS", "NODE", "QOS", "OWNER", "REQUESTS", "AGE"),
        _pod,
    ),
    "Node": (("NAME", "STATUS", "CPU", "MEMORY", "BATCH-CAPACITY", "AGE"), _node),
    "Task": (("NAME", "KIND", "TARGET", "STATE", "PROGRESS", "AGE"), _task),
    "EventRecord": (("LAST-SEEN", "TYPE", "REASON", "OBJECT", "COUNT", "MESSAGE"), _record),
    "InterferenceRuleSet": (("NAME", "RULES", "PODS-OVER", "AGE"), _rule_set),
}


def get_table(kind: str, items: Sequence[Any], now_ns: int) -> str:
    headers, row = GET[kind]
    return render(headers, [row(item, now_ns) for item in items])


TOP_NODES = (
    "NAME",
    "CPU",
    "CPU%",
    "ONLINE",
    "BATCH",
    "SYSTEM",
    "MEMORY",
    "MEMORY%",
    "BATCH-CAPACITY",
    "BATCH-REQUESTED",
)


def top_nodes(nodes: Sequence[node_pb2.Node]) -> str:
    """Measured usage by class against capacity, and batch's room beside what batch asked."""
    rows = []
    for n in nodes:
        u, capacity = n.status.usage, n.spec.capacity
        cap, asked = n.status.batch_capacity, n.status.allocated.batch
        rows.append(
            [
                n.meta.name,
                millicores(u.cpu_millis),
                percent(u.cpu_millis, capacity.cpu_millis),
                millicores(u.online_cpu_millis),
                millicores(u.batch_cpu_millis),
                millicores(u.system_cpu_millis),
                memory(u.memory_bytes),
                percent(u.memory_bytes, capacity.memory_bytes),
                f"{millicores(cap.cpu_millis)}/{memory(cap.memory_bytes)}",
                f"{millicores(asked.cpu_millis)}/{memory(asked.memory_bytes)}",
            ]
        )
    return render(TOP_NODES, rows)


TOP_PODS = ("NAME", "NODE", "QOS", "CPU", "CPU-REQUEST", "MEMORY", "MEMORY-REQUEST")


def top_pods(
    pods: Sequence[pod_pb2.Pod], measured: dict[str, Any], *, namespaces: bool = False
) -> str:
    """Each running pod's measured CPU and memory (the newest usage report the colocator holds
    for it, keyed ``namespace/name``) beside what it requested; ``-`` where none is held."""
    rows = []
    for p in pods:
        req = requests(p)
        used = measured.get(f"{p.meta.namespace}/{p.meta.name}")
        row = [
            p.meta.name,
            p.spec.node_name or "-",
            qos(p.spec.qos_class),
            millicores(used.cpu_millis) if used is not None else "-",
            millicores(req.cpu_millis),
            memory(used.memory_bytes) if used is not None else "-",
            memory(req.memory_bytes),
        ]
        rows.append([p.meta.namespace, *row] if namespaces else row)
    return render(("NAMESPACE", *TOP_PODS) if namespaces else TOP_PODS, rows)
