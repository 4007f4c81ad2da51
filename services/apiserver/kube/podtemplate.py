"""Sigma's ``PodTemplate`` and the Kubernetes ``PodTemplateSpec`` (and a pod's ``spec``).

Pure. A pod template in Kubernetes nests its labels under ``metadata`` and everything else
under ``spec``; Sigma's template is flat. Pods run on their node's network, so nothing here
speaks of ports, volumes or service accounts: those fields are refused, named.
"""

from __future__ import annotations

from typing import Any

from sigma.apiserver.kube.containers import (
    container_from,
    container_to,
    integer,
    seconds,
)
from sigma.apiserver.kube.meta import known, mapping, strings
from sigma.errors import Invalid
from sigma.v1 import meta_pb2, pod_pb2

SPEC_KEYS = frozenset(
    {
        "containers",
        "nodeSelector",
        "tolerations",
        "terminationGracePeriodSeconds",
        "restartPolicy",
        "priority",
        "dnsPolicy",
        "schedulerName",
    }
)
RESTART = {
    "Always": pod_pb2.RESTART_POLICY_ALWAYS,
    "OnFailure": pod_pb2.RESTART_POLICY_ON_FAILURE,
    "Never": pod_pb2.RESTART_POLICY_NEVER,
}
RESTART_NAMES = {v: k for k, v in RESTART.items()}
EFFECTS = {
    "NoSchedule": meta_pb2.TAINT_EFFECT_NO_SCHEDULE,
    "PreferNoSchedule": meta_pb2.TAINT_EFFECT_PREFER_NO_SCHEDULE,
    "NoExecute": meta_pb2.TAINT_EFFECT_NO_EXECUTE,
}
EFFECT_NAMES = {v: k for k, v in EFFECTS.items()}
OPERATORS = {
    "Exists": meta_pb2.TOLERATION_OPERATOR_EXISTS,
    "Equal": meta_pb2.TOLERATION_OPERATOR_EQUAL,
}
OPERATOR_NAMES = {v: k for k, v in OPERATORS.items()}


def choice(value: Any, table: dict[str, int], field: str) -> int:
    if value not in table:
        raise Invalid(field, f"{value!r} is not one of {', '.join(table)}")
    return table[value]


def template_from(data: Any, field: str, default_restart: str) -> pod_pb2.PodTemplate:
    """A ``PodTemplateSpec`` at ``field`` as Sigma's template."""
    block = mapping(data, field)
    known(block, frozenset({"metadata", "spec"}), field)
    head = mapping(block.get("metadata"), f"{field}.metadata")
    known(head, frozenset({"labels", "annotations", "creationTimestamp"}), f"{field}.metadata")
    out = pod_pb2.PodTemplate()
    out.labels.update(strings(head.get("labels"), f"{field}.metadata.labels"))
    out.annotations.update(strings(head.get("annotations"), f"{field}.metadata.annotations"))
    spec_into(block.get("spec"), out, f"{field}.spec", default_restart)
    return out


def spec_into(data: Any, out: pod_pb2.PodTemplate, field: str, default_restart: str) -> None:
    spec = mapping(data, field)
    known(spec, SPEC_KEYS, field)
    if spec.get("dnsPolicy") not in (None, "ClusterFirst", "Default"):
        raise Invalid(f"{field}.dnsPolicy", "pods use their node's network and resolver")
    if spec.get("schedulerName") not in (None, "", "default-scheduler"):
        raise Invalid(f"{field}.schedulerName", "Sigma's scheduler places every pod")
    containers = spec.get("containers")
    if not isinstance(containers, list) or not containers:
        raise Invalid(f"{field}.containers", "at least one container")
    for i, item in enumerate(containers):
        out.containers.append(container_from(item, f"{field}.containers[{i}]"))
    out.node_selector.update(strings(spec.get("nodeSelector"), f"{field}.nodeSelector"))
    for i, item in enumerate(spec.get("tolerations") or []):
        out.tolerations.append(toleration_from(item, f"{field}.tolerations[{i}]"))
    grace = spec.get("terminationGracePeriodSeconds")
    if grace is not None:
        value = integer(grace, f"{field}.terminationGracePeriodSeconds")
        out.termination_grace_period.CopyFrom(seconds(value))
    restart = spec.get("restartPolicy") or default_restart
    out.restart_policy = choice(restart, RESTART, f"{field}.restartPolicy")
    out.priority = integer(spec.get("priority"), f"{field}.priority")


def toleration_from(data: Any, field: str) -> meta_pb2.Toleration:
    block = mapping(data, field)
    known(block, frozenset({"key", "operator", "value", "effect"}), field)
    out = meta_pb2.Toleration(key=str(block.get("key") or ""), value=str(block.get("value") or ""))
    out.operator = choice(block.get("operator") or "Equal", OPERATORS, f"{field}.operator")
    if block.get("effect"):
        out.effect = choice(block["effect"], EFFECTS, f"{field}.effect")
    return out


def spec_to(value: pod_pb2.PodTemplate) -> dict[str, Any]:
    """The ``spec`` of a pod (or of a template) stamped from ``value``."""
    spec: dict[str, Any] = {"containers": [container_to(c) for c in value.containers]}
    if value.node_selector:
        spec["nodeSelector"] = dict(sorted(value.node_selector.items()))
    if value.tolerations:
        spec["tolerations"] = [toleration_to(t) for t in value.tolerations]
    if value.HasField("termination_grace_period"):
        spec["terminationGracePeriodSeconds"] = value.termination_grace_period.seconds
    if value.restart_policy:
        spec["restartPolicy"] = RESTART_NAMES[value.restart_policy]
    if value.priority:
        spec["priority"] = value.priority
    return spec


def template_to(value: pod_pb2.PodTemplate) -> dict[str, Any]:
    head: dict[str, Any] = {}
    if value.labels:
        head["labels"] = dict(sorted(value.labels.items()))
    if value.annotations:
        head["annotations"] = dict(sorted(value.annotations.items()))
    return {"metadata": head, "spec": spec_to(value)}


def toleration_to(value: meta_pb2.Toleration) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if value.key:
        out["key"] = value.key
    if value.operator:
        out["operator"] = OPERATOR_NAMES[value.operator]
    if value.value:
        out["value"] = value.value
    if value.effect:
        out["effect"] = EFFECT_NAMES[value.effect]
    return out


def taint_to(value: meta_pb2.Taint) -> dict[str, Any]:
    out: dict[str, Any] = {"key": value.key, "effect": EFFECT_NAMES.get(value.effect, "")}
    if value.value:
        out["value"] = value.value
    return out
