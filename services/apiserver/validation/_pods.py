"""Pods and their templates: containers, images, probes, tolerations, status."""

from __future__ import annotations

import re
from collections.abc import Sequence

from sigma.apiserver.validation._basics import (
    CONTAINERS_MAX,
    GRACE_SECONDS_MAX,
    IMAGE_NAME_MAX,
    PRIORITY_MAX,
    PROBE_SECONDS_MAX,
    THRESHOLD_MAX,
    Limits,
    annotation_map,
    duration,
    enum,
    in_range,
    label_key,
    labels,
    name,
    node_name,
    subdomain,
)
from sigma.errors import Invalid
from sigma.v1 import meta_pb2, pod_pb2

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_.-]*")
# An OCI image reference, after the distribution project's grammar: [domain[:port]/]path
# [:tag][@algorithm:hex]. Path components are lower case; the domain may not be.
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?"
_DOMAIN = rf"(?:{_LABEL}(?:\.{_LABEL})*|\[[0-9A-Fa-f:]+\])(?::[0-9]+)?"
_COMPONENT = r"[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*"
_IMAGE = re.compile(
    rf"(?:{_DOMAIN}/)?{_COMPONENT}(?:/{_COMPONENT})*"
    r"(?::[\w][\w.-]{0,127})?(?:@[A-Za-z][A-Za-z0-9]*(?:[-_+.][A-Za-z][A-Za-z0-9]*)*:[0-9a-fA-F]{32,})?"
)


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
    annotation_map(value.annotations, f"{field}.annotations")
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
