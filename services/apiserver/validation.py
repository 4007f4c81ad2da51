"""Every check the apiserver makes on input, as pure functions that raise ``Invalid``.

Why one module of pure functions: a request is validated completely before anything is written,
so a rejected request leaves the store untouched; and the rules can be tested table-driven,
without a server. Each function names the offending field by its path in the request
(``app.spec.template.containers[0].resources.requests.cpu_millis``), which the gRPC edge sends as
``INVALID_ARGUMENT "field: reason"``.

The shape rules (name syntax, label bounds) are constants here because changing them would break
clients; the cluster-size limits are in ``Limits``, built from the operator's settings.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from google.protobuf.message import Message

from sigma.errors import Invalid
from sigma.v1 import app_pb2, batch_pb2, meta_pb2, node_pb2, pod_pb2

NAME_MAX = 63  # a DNS label
SUBDOMAIN_MAX = 253  # a DNS subdomain (node names are host names)
LABELS_MAX = 64
LABEL_NAME_MAX = 63  # the part of a label key after an optional "prefix/"
LABEL_VALUE_MAX = 63
ANNOTATIONS_BYTES_MAX = 256 * 1024
CONTAINERS_MAX = 32
PRIORITY_MAX = 1_000_000_000
MAX_SKEW_MAX = 1000
MAX_RETRIES_MAX = 100
GRACE_SECONDS_MAX = 3600
LEAD_SECONDS_MAX = 86400
HEADROOM_MAX = 10.0
REASON_MAX = 1024
DAY_SECONDS = 86400

APP_QOS = (meta_pb2.QOS_CLASS_LSE, meta_pb2.QOS_CLASS_LSR, meta_pb2.QOS_CLASS_LS)
BATCH_QOS = (meta_pb2.QOS_CLASS_BE,)

_NAME = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?")
_SUBDOMAIN = re.compile(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")
_LABEL_PART = re.compile(r"[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?")
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
_CAMEL = re.compile(r"[A-Z][A-Za-z0-9]{0,62}")
# An OCI image reference, after the distribution project's grammar: [domain[:port]/]path
# [:tag][@algorithm:hex]. Path components are lower case; the domain may not be.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_DOMAIN = rf"(?:{_LABEL}(?:\.{_LABEL})*|\[[0-9A-Fa-f:]+\])(?::[0-9]+)?"
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_IMAGE = re.compile(
    rf"(?:{_DOMAIN}/)?{_COMPONENT}(?:/{_COMPONENT})*"
    r"(?::[\w][\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?"
)
IMAGE_NAME_MAX = 255
PROBE_SECONDS_MAX = 3600
THRESHOLD_MAX = 1000
APP_RESTART = (pod_pb2.RESTART_POLICY_ALWAYS,)
BATCH_RESTART = (pod_pb2.RESTART_POLICY_ON_FAILURE, pod_pb2.RESTART_POLICY_NEVER)


@dataclass(frozen=True, slots=True)
class Limits:
    """Cluster-size bounds; ``from_settings`` takes the operator's values."""

    max_replicas: int = 10000
    max_batch_tasks: int = 1000
    max_cpu_millis: int = 1024 * 1000  # 1024 cores
    max_memory_bytes: int = 64 << 40  # 64 TiB
    max_cpu_count: int = 4096

    @classmethod
    def from_settings(cls, settings: Any) -> Limits:
        return cls(max_replicas=settings.max_replicas, max_batch_tasks=settings.max_batch_tasks)


# -- scalars ------------------------------------------------------------------------------------
def name(
    value: str, field: str, *, max_len: int = NAME_MAX, pattern: re.Pattern[str] = _NAME
) -> None:
    """A DNS label: lower-case letters, digits and '-', starting and ending alphanumeric."""
    if not value:
        raise Invalid(field, "required")
    if len(value) > max_len:
        raise Invalid(field, f"at most {max_len} characters, got {len(value)}")
    if not pattern.fullmatch(value):
        raise Invalid(field, f"{value!r} must be lower-case letters, digits and '-'")


def subdomain(value: str, field: str) -> None:
    """DNS labels joined by dots: node names (host names) and task names."""
    name(value, field, max_len=SUBDOMAIN_MAX, pattern=_SUBDOMAIN)


def node_name(value: str, field: str) -> None:
    subdomain(value, field)


def namespace(value: str, known: Iterable[str], field: str = "namespace") -> None:
    if not value:
        raise Invalid(field, "required")
    if value not in known:
        raise Invalid(field, f"unknown namespace {value!r}")


def in_range(value: float, low: float, high: float, field: str) -> None:
    if not low <= value <= high:
        raise Invalid(field, f"must be between {low} and {high}, got {value}")


def resource_version(
    value: int, field: str = "resource_version", *, required: bool = False
) -> None:
    if value < 0:
        raise Invalid(field, "must not be negative")
    if required and value == 0:
        raise Invalid(field, "required: name the version you read")


def enum(
    value: int, enum_type: Any, field: str, *, allowed: Sequence[int] = (), required: bool = False
) -> None:
    """Known values only (protobuf keeps unknown numbers as plain ints), optionally a subset."""
    if value not in enum_type.DESCRIPTOR.values_by_number:
        raise Invalid(field, f"unknown value {value}")
    if value == 0:
        if required:
            raise Invalid(field, "required")
        return
    if allowed and value not in allowed:
        names = ", ".join(enum_type.Name(v) for v in allowed)
        raise Invalid(field, f"{enum_type.Name(value)} is not allowed here; one of {names}")


def duration(value: Message, max_seconds: int, field: str) -> None:
    seconds = value.seconds + value.nanos / 1e9  # type: ignore[attr-defined]
    in_range(seconds, 0, max_seconds, field)


# -- metadata -----------------------------------------------------------------------------------
def camel_case(value: str, field: str) -> None:
    """A machine-readable cause ("NodeDrain"): CamelCase letters and digits, 1-63 long."""
    if not _CAMEL.fullmatch(value):
        raise Invalid(field, f"{value!r} is not CamelCase (letters and digits, at most 63)")


def label_key(key: str, field: str) -> None:
    prefix, _, part = key.rpartition("/")
    if prefix:
        name(prefix, field, max_len=SUBDOMAIN_MAX, pattern=_SUBDOMAIN)
    if not part or len(part) > LABEL_NAME_MAX or not _LABEL_PART.fullmatch(part):
        raise Invalid(
            field,
            f"key {key!r}: [prefix/]name, name of 1-{LABEL_NAME_MAX} alphanumerics, '-', '_', '.'",
        )


def labels(values: Mapping[str, str], field: str) -> None:
    if len(values) > LABELS_MAX:
        raise Invalid(field, f"at most {LABELS_MAX} entries, got {len(values)}")
    for key in sorted(values):
        label_key(key, f"{field}[{key!r}]")
        value = values[key]
        if len(value) > LABEL_VALUE_MAX or (value and not _LABEL_PART.fullmatch(value)):
            raise Invalid(
                f"{field}[{key!r}]",
                f"value: at most {LABEL_VALUE_MAX} alphanumerics, '-', '_', '.'",
            )


def annotations(values: Mapping[str, str], field: str) -> None:
    for key in sorted(values):
        label_key(key, f"{field}[{key!r}]")
    size = sum(len(k) + len(v) for k, v in values.items())
    if size > ANNOTATIONS_BYTES_MAX:
        raise Invalid(field, f"at most {ANNOTATIONS_BYTES_MAX} bytes in total, got {size}")


def meta(
    value: meta_pb2.ObjectMeta, request_namespace: str, field: str, *, cluster_scoped: bool = False
) -> None:
    """The user-owned parts of metadata; server-owned ones are ignored, not checked."""
    if cluster_scoped:
        if value.namespace:
            raise Invalid(f"{field}.namespace", "cluster-scoped: leave empty")
        node_name(value.name, f"{field}.name")
    else:
        if value.namespace and value.namespace != request_namespace:
            raise Invalid(f"{field}.namespace", f"must be empty or {request_namespace!r}")
        name(value.name, f"{field}.name")
    labels(value.labels, f"{field}.labels")
    annotations(value.annotations, f"{field}.annotations")


def selector(value: meta_pb2.LabelSelector, field: str = "label_selector") -> None:
    labels(value.match_labels, f"{field}.match_labels")


# -- pods and templates -------------------------------------------------------------------------
def resource_list(value: meta_pb2.ResourceList, limits: Limits, field: str) -> None:
    in_range(value.cpu_millis, 0, limits.max_cpu_millis, f"{field}.cpu_millis")
    in_range(value.memory_bytes, 0, limits.max_memory_bytes, f"{field}.memory_bytes")


def image(value: str, field: str) -> None:
    """An OCI image reference ("registry:5000/team/web:1.4", "name@sha256:<hex>")."""
    if len(value) > IMAGE_NAME_MAX or not _IMAGE.fullmatch(value):
        raise Invalid(
            field, f"{value!r} is not an image reference ([registry/]name[:tag][@digest])"
        )


def probe(value: pod_pb2.Probe, field: str, *, liveness: bool) -> None:
    which = value.WhichOneof("handler")
    if which is None:
        raise Invalid(field, "needs one of exec, tcp_socket, grpc")
    if which == "exec" and not value.exec.command:
        raise Invalid(f"{field}.exec.command", "required")
    if which in ("tcp_socket", "grpc"):
        in_range(getattr(value, which).port, 1, 65535, f"{field}.{which}.port")
    if which == "tcp_socket" and value.tcp_socket.host:
        subdomain(value.tcp_socket.host, f"{field}.tcp_socket.host")
    for part in ("initial_delay", "period", "timeout"):
        if value.HasField(part):
            duration(getattr(value, part), PROBE_SECONDS_MAX, f"{field}.{part}")
    in_range(value.success_threshold, 0, THRESHOLD_MAX, f"{field}.success_threshold")
    in_range(value.failure_threshold, 0, THRESHOLD_MAX, f"{field}.failure_threshold")
    if liveness and value.success_threshold > 1:
        raise Invalid(f"{field}.success_threshold", "must be 1 for a liveness probe")


def container(value: pod_pb2.Container, limits: Limits, field: str) -> None:
    name(value.name, f"{field}.name")
    if not value.command:
        raise Invalid(f"{field}.command", "required")
    if value.image:
        image(value.image, f"{field}.image")
    if value.HasField("readiness_probe"):
        probe(value.readiness_probe, f"{field}.readiness_probe", liveness=False)
    if value.HasField("liveness_probe"):
        probe(value.liveness_probe, f"{field}.liveness_probe", liveness=True)
    for key in value.env:
        if not _ENV_NAME.fullmatch(key):
            raise Invalid(f"{field}.env[{key!r}]", "not a valid environment variable name")
    res = value.resources
    resource_list(res.requests, limits, f"{field}.resources.requests")
    resource_list(res.limits, limits, f"{field}.resources.limits")
    for unit in ("cpu_millis", "memory_bytes"):
        cap = getattr(res.limits, unit)
        if cap and cap < getattr(res.requests, unit):
            raise Invalid(
                f"{field}.resources.limits.{unit}", "must be 0 (no limit) or >= the request"
            )


def toleration(value: meta_pb2.Toleration, field: str) -> None:
    enum(value.operator, meta_pb2.TolerationOperator, f"{field}.operator")
    enum(value.effect, meta_pb2.TaintEffect, f"{field}.effect")
    if value.key:
        label_key(value.key, f"{field}.key")
    if value.operator == meta_pb2.TOLERATION_OPERATOR_EXISTS:
        if value.value:
            raise Invalid(f"{field}.value", "must be empty with operator EXISTS")
    elif not value.key:
        raise Invalid(f"{field}.key", "required unless operator is EXISTS")


def template(
    value: pod_pb2.PodTemplate,
    limits: Limits,
    field: str,
    *,
    qos: Sequence[int],
    restart: Sequence[int],
) -> None:
    labels(value.labels, f"{field}.labels")
    annotations(value.annotations, f"{field}.annotations")
    if not value.containers:
        raise Invalid(f"{field}.containers", "at least one container")
    if len(value.containers) > CONTAINERS_MAX:
        raise Invalid(f"{field}.containers", f"at most {CONTAINERS_MAX}")
    seen: set[str] = set()
    for i, c in enumerate(value.containers):
        container(c, limits, f"{field}.containers[{i}]")
        if c.name in seen:
            raise Invalid(f"{field}.containers[{i}].name", f"duplicate container name {c.name!r}")
        seen.add(c.name)
    enum(value.qos_class, meta_pb2.QoSClass, f"{field}.qos_class", allowed=qos)
    enum(value.restart_policy, pod_pb2.RestartPolicy, f"{field}.restart_policy", allowed=restart)
    in_range(value.priority, -PRIORITY_MAX, PRIORITY_MAX, f"{field}.priority")
    labels(value.node_selector, f"{field}.node_selector")
    for i, t in enumerate(value.tolerations):
        toleration(t, f"{field}.tolerations[{i}]")
    if value.HasField("termination_grace_period"):
        duration(
            value.termination_grace_period, GRACE_SECONDS_MAX, f"{field}.termination_grace_period"
        )


def conditions(values: Sequence[meta_pb2.Condition], field: str) -> None:
    seen: set[str] = set()
    for i, c in enumerate(values):
        if not c.type:
            raise Invalid(f"{field}[{i}].type", "required")
        if c.type in seen:
            raise Invalid(f"{field}[{i}].type", f"duplicate condition {c.type!r}")
        seen.add(c.type)
        enum(c.status, meta_pb2.ConditionStatus, f"{field}[{i}].status", required=True)


def pod_status(value: pod_pb2.PodStatus, field: str = "status") -> None:
    enum(value.phase, pod_pb2.PodPhase, f"{field}.phase")
    if value.node_name:
        node_name(value.node_name, f"{field}.node_name")
    if value.restart_count < 0:
        raise Invalid(f"{field}.restart_count", "must not be negative")
    conditions(value.conditions, f"{field}.conditions")


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


# -- requests -----------------------------------------------------------------------------------
def page_request(request: Any) -> None:
    """Shared by every List: selector, page size (the token is checked where it is decoded)."""
    if hasattr(request, "label_selector"):
        selector(request.label_selector)
    if request.page_size < 0:
        raise Invalid("page_size", "must not be negative")


def watch_request(request: Any) -> None:
    selector(request.label_selector)
    resource_version(request.resource_version)


def scale_app(request: Any, limits: Limits) -> None:
    name(request.name, "name")
    in_range(request.replicas, 0, limits.max_replicas, "replicas")
    resource_version(request.resource_version)


def time_share_app(request: Any, limits: Limits) -> None:
    name(request.name, "name")
    in_range(request.replicas, 1, limits.max_replicas, "replicas")
    if request.reason:
        camel_case(request.reason, "reason")


def upgrade_app(request: Any, limits: Limits) -> None:
    name(request.name, "name")
    if not request.HasField("template"):
        raise Invalid("template", "required")
    template(request.template, limits, "template", qos=APP_QOS, restart=APP_RESTART)
    if request.HasField("upgrade"):
        upgrade_policy(request.upgrade, limits, "upgrade")
    resource_version(request.resource_version)


def cancel_batch_job(request: Any) -> None:
    name(request.name, "name")
    if len(request.reason) > REASON_MAX:
        raise Invalid("reason", f"at most {REASON_MAX} characters")
    resource_version(request.resource_version)
