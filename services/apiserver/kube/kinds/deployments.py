"""``apps/v1`` Deployment as Sigma's App: replicas, template, rolling update, scale.

Pure. A Deployment's selector must match its template's labels (as the Kubernetes API
requires); the App keeps the template, and the selector is read back as the template's
labels, which every pod of the App carries. ``Recreate``, ``paused`` and the revision knobs
have no App counterpart and are refused. Status conditions are derived from the App's counts
so ``kubectl rollout status`` reads progress the way it reads a Deployment's.
"""

from __future__ import annotations

from typing import Any

from sigma.apiserver.kube import meta as M
from sigma.apiserver.kube.containers import integer
from sigma.apiserver.kube.podtemplate import template_from, template_to
from sigma.errors import Invalid
from sigma.v1 import app_pb2, meta_pb2

API_VERSION = "apps/v1"
SPEC_KEYS = frozenset({"replicas", "selector", "template", "strategy"})


def intstr(value: Any, field: str) -> tuple[int, int]:
    """An IntOrString bound: (count, percent)."""
    if isinstance(value, str) and value.endswith("%") and value[:-1].isdigit():
        return 0, int(value[:-1])
    if isinstance(value, str) and value.isdigit():
        return int(value), 0
    return integer(value, field), 0


def selector_labels(data: Any, field: str) -> dict[str, str]:
    block = M.mapping(data, field)
    M.known(block, frozenset({"matchLabels"}), field)
    labels = M.strings(block.get("matchLabels"), f"{field}.matchLabels")
    if not labels:
        raise Invalid(f"{field}.matchLabels", "required: the labels the pods carry")
    return labels


def strategy_from(data: Any, field: str) -> app_pb2.RollingUpgradePolicy:
    block = M.mapping(data, field)
    M.known(block, frozenset({"type", "rollingUpdate"}), field)
    if block.get("type", "RollingUpdate") != "RollingUpdate":
        raise Invalid(f"{field}.type", "only RollingUpdate: Sigma replaces pods a few at a time")
    rolling = M.mapping(block.get("rollingUpdate"), f"{field}.rollingUpdate")
    M.known(rolling, frozenset({"maxUnavailable", "maxSurge"}), f"{field}.rollingUpdate")
    out = app_pb2.RollingUpgradePolicy()
    if rolling.get("maxUnavailable") is not None:
        at = f"{field}.rollingUpdate.maxUnavailable"
        out.max_unavailable, out.max_unavailable_percent = intstr(rolling["maxUnavailable"], at)
    if rolling.get("maxSurge") is not None:
        at = f"{field}.rollingUpdate.maxSurge"
        out.max_surge, out.max_surge_percent = intstr(rolling["maxSurge"], at)
    return out


def app_from(data: dict[str, Any], namespace: str) -> app_pb2.App:
    """The App a Deployment asks for (Invalid names the Deployment's field)."""
    M.known(data, frozenset({"apiVersion", "kind", "metadata", "spec", "status"}), "")
    app = app_pb2.App()
    M.read(data.get("metadata"), app.meta, namespace)
    spec = M.mapping(data.get("spec"), "spec")
    M.known(spec, SPEC_KEYS, "spec")
    app.spec.replicas = integer(spec.get("replicas"), "spec.replicas", default=1)
    app.spec.template.CopyFrom(template_from(spec.get("template"), "spec.template", "Always"))
    selector = selector_labels(spec.get("selector"), "spec.selector")
    labels = app.spec.template.labels
    if any(labels.get(k) != v for k, v in selector.items()):
        raise Invalid("spec.template.metadata.labels", "`selector` does not match them")
    app.spec.upgrade.CopyFrom(strategy_from(spec.get("strategy"), "spec.strategy"))
    return app


def _bound(count: int, percent: int, default: str) -> int | str:
    if percent:
        return f"{percent}%"
    return count if count else default


def conditions(app: app_pb2.App) -> list[dict[str, Any]]:
    """Available and Progressing, from the App's counts (the controller's, not ours)."""
    status = app.status
    target = status.target_replicas or app.spec.replicas
    since = M.rfc3339(app.meta.creation_timestamp)
    available = status.available_replicas >= min(status.min_available, target)
    done = (
        status.observed_generation >= app.meta.generation
        and status.updated_replicas >= target
        and status.replicas == status.updated_replicas
        and status.available_replicas >= status.updated_replicas
    )
    return [
        {
            "type": "Available",
            "status": "True" if available else "False",
            "reason": "MinimumReplicasAvailable" if available else "MinimumReplicasUnavailable",
            "message": f"{status.available_replicas} of {target} replicas available",
            "lastTransitionTime": since,
            "lastUpdateTime": since,
        },
        {
            "type": "Progressing",
            "status": "True",
            "reason": "NewReplicaSetAvailable" if done else "ReplicaSetUpdated",
            "message": f"App {app.meta.name!r} "
            + ("has successfully progressed" if done else "is progressing"),
            "lastTransitionTime": since,
            "lastUpdateTime": since,
        },
    ]


def deployment(app: app_pb2.App) -> dict[str, Any]:
    upgrade = app.spec.upgrade
    status = app.status
    body: dict[str, Any] = {
        "apiVersion": API_VERSION,
        "kind": "Deployment",
        "metadata": M.metadata(app.meta),
        "spec": {
            "replicas": app.spec.replicas,
            "selector": {"matchLabels": dict(sorted(app.spec.template.labels.items()))},
            "template": template_to(app.spec.template),
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {
                    "maxUnavailable": _bound(
                        upgrade.max_unavailable, upgrade.max_unavailable_percent, "25%"
                    ),
                    "maxSurge": _bound(upgrade.max_surge, upgrade.max_surge_percent, "25%"),
                },
            },
        },
        "status": {
            "observedGeneration": status.observed_generation,
            "replicas": status.replicas,
            "updatedReplicas": status.updated_replicas,
            "readyReplicas": status.ready_replicas,
            "availableReplicas": status.available_replicas,
            "unavailableReplicas": max(0, status.replicas - status.available_replicas),
            "conditions": conditions(app),
        },
    }
    return body


def scale(app: app_pb2.App) -> dict[str, Any]:
    """The ``autoscaling/v1`` Scale of the App (the ``scale`` subresource)."""
    labels = ",".join(f"{k}={v}" for k, v in sorted(app.spec.template.labels.items()))
    head = M.metadata(app.meta)
    return {
        "apiVersion": "autoscaling/v1",
        "kind": "Scale",
        "metadata": {
            k: head[k]
            for k in ("name", "namespace", "uid", "resourceVersion", "creationTimestamp")
            if k in head
        },
        "spec": {"replicas": app.spec.replicas},
        "status": {"replicas": app.status.replicas, "selector": labels},
    }


def replicas_from_scale(data: dict[str, Any]) -> int:
    spec = M.mapping(data.get("spec"), "spec")
    value = integer(spec.get("replicas"), "spec.replicas")
    if value < 0:
        raise Invalid("spec.replicas", "must not be negative")
    return value


def qos_name(value: int) -> str:
    return meta_pb2.QoSClass.Name(value).removeprefix("QOS_CLASS_") if value else ""
