"""Apps, BatchJobs and Nodes as a whole."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from sigma.apiserver.validation._basics import (
    APP_QOS,
    APP_RESTART,
    BATCH_QOS,
    BATCH_RESTART,
    DAY_SECONDS,
    HEADROOM_MAX,
    LEAD_SECONDS_MAX,
    MAX_RETRIES_MAX,
    MAX_SKEW_MAX,
    MAX_WORKER_SLOTS,
    MAX_WORKERS,
    PRIORITY_MAX,
    Limits,
    duration,
    enum,
    in_range,
    label_key,
    meta,
    name,
    node_name,
)
from sigma.apiserver.validation._pods import conditions, resource_list, template
from sigma.errors import Invalid
from sigma.v1 import app_pb2, batch_pb2, meta_pb2, node_pb2


# -- apps ---------------------------------------------------------------------------------------
def spread(value: app_pb2.SpreadPolicy, field: str) -> None:
    levels: set[int] = set()
    for i, c in enumerate(value.constraints):
        at = f"{field}.constraints[{i}]"
        enum(c.level, app_pb2.TopologyLevel, f"{at}.level", required=True)
        if c.level in levels:
            raise Invalid(f"{at}.level", "one constraint per level")
        levels.add(c.level)
        enum(c.mode, app_pb2.SpreadMode, f"{at}.mode")
        in_range(c.max_skew, 0, MAX_SKEW_MAX, f"{at}.max_skew")
    in_range(value.max_per_host, 0, MAX_SKEW_MAX, f"{field}.max_per_host")


def upgrade_policy(value: app_pb2.RollingUpgradePolicy, limits: Limits, field: str) -> None:
    in_range(value.max_unavailable, 0, limits.max_replicas, f"{field}.max_unavailable")
    in_range(value.max_unavailable_percent, 0, 100, f"{field}.max_unavailable_percent")
    in_range(value.max_surge, 0, limits.max_replicas, f"{field}.max_surge")
    in_range(value.max_surge_percent, 0, 100, f"{field}.max_surge_percent")


def traffic_profile(value: app_pb2.TrafficProfile, field: str) -> None:
    if not value.load:
        if value.slot_seconds:
            raise Invalid(f"{field}.load", "required when slot_seconds is set")
        return
    if value.slot_seconds <= 0 or DAY_SECONDS % value.slot_seconds:
        raise Invalid(f"{field}.slot_seconds", f"must divide {DAY_SECONDS} evenly")
    slots = DAY_SECONDS // value.slot_seconds
    if len(value.load) != slots:
        raise Invalid(
            f"{field}.load", f"needs {slots} slots of {value.slot_seconds}s, got {len(value.load)}"
        )
    for i, load in enumerate(value.load):
        if not math.isfinite(load) or not 0.0 <= load <= 1.0:
            raise Invalid(f"{field}.load[{i}]", f"must be between 0 and 1, got {load}")


def time_sharing(value: app_pb2.TimeSharingPolicy, field: str) -> None:
    if not math.isfinite(value.headroom) or not 0.0 <= value.headroom <= HEADROOM_MAX:
        raise Invalid(f"{field}.headroom", f"must be between 0 and {HEADROOM_MAX}")
    if value.HasField("lead_time"):
        duration(value.lead_time, LEAD_SECONDS_MAX, f"{field}.lead_time")
    traffic_profile(value.profile, f"{field}.profile")


def app_spec(value: app_pb2.AppSpec, limits: Limits, field: str) -> None:
    in_range(value.replicas, 0, limits.max_replicas, f"{field}.replicas")
    template(value.template, limits, f"{field}.template", qos=APP_QOS, restart=APP_RESTART)
    enum(value.qos_class, meta_pb2.QoSClass, f"{field}.qos_class", allowed=APP_QOS)
    in_range(value.priority, -PRIORITY_MAX, PRIORITY_MAX, f"{field}.priority")
    spread(value.spread, f"{field}.spread")
    upgrade_policy(value.upgrade, limits, f"{field}.upgrade")
    in_range(value.min_replicas, 0, value.replicas, f"{field}.min_replicas")
    in_range(value.min_available, 0, value.replicas, f"{field}.min_available")
    time_sharing(value.time_sharing, f"{field}.time_sharing")


def app(value: app_pb2.App, request_namespace: str, limits: Limits, field: str = "app") -> None:
    meta(value.meta, request_namespace, f"{field}.meta")
    if not value.HasField("spec"):
        raise Invalid(f"{field}.spec", "required")
    app_spec(value.spec, limits, f"{field}.spec")


# -- batch jobs ---------------------------------------------------------------------------------
def batch_task(value: batch_pb2.BatchTask, limits: Limits, field: str) -> None:
    name(value.name, f"{field}.name")
    in_range(value.instances, 1, limits.max_replicas, f"{field}.instances")
    template(value.template, limits, f"{field}.template", qos=BATCH_QOS, restart=BATCH_RESTART)
    if value.HasField("duration_hint"):
        duration(value.duration_hint, 30 * DAY_SECONDS, f"{field}.duration_hint")
    if value.HasField("max_retries"):
        in_range(value.max_retries, 0, MAX_RETRIES_MAX, f"{field}.max_retries")


def dag(tasks: Sequence[batch_pb2.BatchTask], field: str) -> None:
    """Unique names, dependencies on tasks of the job only, and no cycle."""
    index: dict[str, int] = {}
    for i, t in enumerate(tasks):
        if t.name in index:
            raise Invalid(f"{field}[{i}].name", f"duplicate task name {t.name!r}")
        index[t.name] = i
    for i, t in enumerate(tasks):
        for dep in t.depends_on:
            if dep not in index:
                raise Invalid(f"{field}[{i}].depends_on", f"{dep!r} is not a task of this job")
            if dep == t.name:
                raise Invalid(f"{field}[{i}].depends_on", "a task cannot depend on itself")
    done: set[str] = set()
    for root in index:
        if root in done:
            continue
        path: list[str] = []
        stack: list[tuple[str, Iterable[str]]] = [(root, iter(tasks[index[root]].depends_on))]
        on_path = {root}
        path.append(root)
        while stack:
            current, deps = stack[-1]
            nxt = next((d for d in deps if d not in done), None)
            if nxt is None:
                stack.pop()
                done.add(current)
                on_path.discard(path.pop())
            elif nxt in on_path:
                cycle = " -> ".join([*path[path.index(nxt) :], nxt])
                raise Invalid(f"{field}[{index[current]}].depends_on", f"cycle {cycle}")
            else:
                stack.append((nxt, iter(tasks[index[nxt]].depends_on)))
                on_path.add(nxt)
                path.append(nxt)


def batch_job_spec(value: batch_pb2.BatchJobSpec, limits: Limits, field: str) -> None:
    if not value.tasks:
        raise Invalid(f"{field}.tasks", "at least one task")
    if len(value.tasks) > limits.max_batch_tasks:
        raise Invalid(f"{field}.tasks", f"at most {limits.max_batch_tasks} tasks")
    for i, t in enumerate(value.tasks):
        batch_task(t, limits, f"{field}.tasks[{i}]")
    dag(value.tasks, f"{field}.tasks")
    in_range(value.priority, -PRIORITY_MAX, PRIORITY_MAX, f"{field}.priority")
    enum(value.qos_class, meta_pb2.QoSClass, f"{field}.qos_class", allowed=BATCH_QOS)
    in_range(value.max_retries, 0, MAX_RETRIES_MAX, f"{field}.max_retries")
    if value.HasField("workers"):
        in_range(value.workers.slots, 1, MAX_WORKER_SLOTS, f"{field}.workers.slots")
        in_range(value.workers.max_workers, 0, MAX_WORKERS, f"{field}.workers.max_workers")


def batch_job(
    value: batch_pb2.BatchJob, request_namespace: str, limits: Limits, field: str = "job"
) -> None:
    meta(value.meta, request_namespace, f"{field}.meta")
    if not value.HasField("spec"):
        raise Invalid(f"{field}.spec", "required")
    batch_job_spec(value.spec, limits, f"{field}.spec")


# -- nodes --------------------------------------------------------------------------------------
def node_spec(value: node_pb2.NodeSpec, limits: Limits, field: str) -> None:
    for part in ("capacity", "allocatable"):
        if not value.HasField(part):
            raise Invalid(f"{field}.{part}", "required")
        resource_list(getattr(value, part), limits, f"{field}.{part}")
    if value.capacity.cpu_millis == 0:
        raise Invalid(f"{field}.capacity.cpu_millis", "must be positive")
    for unit in ("cpu_millis", "memory_bytes"):
        if getattr(value.allocatable, unit) > getattr(value.capacity, unit):
            raise Invalid(f"{field}.allocatable.{unit}", "must not exceed capacity")
    for level in ("host", "chassis", "core_switch"):
        node_name(getattr(value.topology, level), f"{field}.topology.{level}")
    for i, t in enumerate(value.taints):
        label_key(t.key, f"{field}.taints[{i}].key")
        enum(t.effect, meta_pb2.TaintEffect, f"{field}.taints[{i}].effect", required=True)
    in_range(value.cpu_count, 0, limits.max_cpu_count, f"{field}.cpu_count")


def node(value: node_pb2.Node, limits: Limits, field: str = "node") -> None:
    meta(value.meta, "", f"{field}.meta", cluster_scoped=True)
    if not value.HasField("spec"):
        raise Invalid(f"{field}.spec", "required")
    node_spec(value.spec, limits, f"{field}.spec")


def node_status(value: node_pb2.NodeStatus, limits: Limits, field: str = "status") -> None:
    enum(value.phase, node_pb2.NodePhase, f"{field}.phase")
    conditions(value.conditions, f"{field}.conditions")
    usage = value.usage
    for unit in ("cpu_millis", "memory_bytes"):
        for part in ("", "online_", "batch_", "system_"):
            if getattr(usage, part + unit) < 0:
                raise Invalid(f"{field}.usage.{part}{unit}", "must not be negative")
    resource_list(value.batch_capacity, limits, f"{field}.batch_capacity")
