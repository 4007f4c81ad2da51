"""An App moved from what it is to what a client sent, through the Apps service's own verbs.

The Apps service changes an App by intent, each with its task: Scale (replicas), Upgrade
(template and rolling-update policy), UpdateMetadata (labels, annotations). A replace or a
patch of a Deployment (or of an ``apps.sigma.io`` App) is the set of those the difference
calls for, made in that order; a difference no verb carries (the QoS class, spreading,
time-sharing) is refused, named, before anything is written. ``plan`` is the pure half.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sigma.apiserver.kube.calls import Call
from sigma.apiserver.kube.served.base import metadata_change
from sigma.ctl._convert import camel
from sigma.errors import Invalid
from sigma.v1 import apiserver_pb2 as rpc
from sigma.v1 import app_pb2

MOVABLE = ("replicas", "template", "upgrade")  # what Scale and Upgrade change


@dataclass(slots=True)
class Plan:
    metadata: rpc.MetadataChange | None = None
    replicas: int | None = None
    upgrade: bool = False

    @property
    def empty(self) -> bool:
        return self.metadata is None and self.replicas is None and not self.upgrade


def plan(current: app_pb2.App, wanted: app_pb2.App) -> Plan:
    """The verbs taking ``current`` to ``wanted``; Invalid for a change none of them makes."""
    for field in app_pb2.AppSpec.DESCRIPTOR.fields:
        if field.name in MOVABLE:
            continue
        if getattr(current.spec, field.name) != getattr(wanted.spec, field.name):
            raise Invalid(
                f"spec.{camel(field.name)}",
                "cannot change once the App exists (delete and create it again)",
            )
    out = Plan(metadata=metadata_change(current.meta, wanted.meta))
    if wanted.spec.replicas != current.spec.replicas:
        out.replicas = wanted.spec.replicas
    out.upgrade = wanted.spec.template != current.spec.template or policy(
        wanted.spec.upgrade
    ) != policy(current.spec.upgrade)
    return out


def policy(value: app_pb2.RollingUpgradePolicy) -> tuple[int, int, int, int]:
    """A rolling-update policy with the apiserver's default (25% and 25%) filled in."""
    bounds = (
        value.max_unavailable,
        value.max_unavailable_percent,
        value.max_surge,
        value.max_surge_percent,
    )
    return bounds if any(bounds) else (0, 25, 0, 25)


def deployment_field(field: str) -> str:
    """A field of Sigma's App as the Deployment names it (for 422 causes)."""
    f = re.sub(r"^app\.", "", field)
    if f == "replicas":
        return "spec.replicas"
    if f.startswith(("template.", "upgrade.")) or f in ("template", "upgrade"):
        f = "spec." + f
    f = re.sub(r"^spec\.template\.(labels|annotations)", r"spec.template.metadata.\1", f)
    f = re.sub(r"^spec\.template\.(?!metadata)", "spec.template.spec.", f)
    f = f.replace("spec.upgrade", "spec.strategy.rollingUpdate")
    f = f.replace("cpu_millis", "cpu").replace("memory_bytes", "memory")
    return ".".join(camel(part) for part in f.split("."))


async def carry_out(
    call: Call,
    namespace: str,
    name: str,
    wanted: app_pb2.App,
    steps: Plan,
    version: int,
    dry: bool,
) -> app_pb2.App | None:
    """Make the plan's calls (the first conditional on ``version``); the App at the end."""
    apps: Any = call.backend.apps
    app = None
    if steps.metadata is not None:
        request = rpc.UpdateAppMetadataRequest(
            namespace=namespace,
            name=name,
            change=steps.metadata,
            resource_version=version,
            dry_run=dry,
        )
        app = await call.unary(apps, "UpdateMetadata", request)
        version = 0
    if steps.replicas is not None:
        scale = rpc.ScaleAppRequest(
            namespace=namespace,
            name=name,
            replicas=steps.replicas,
            resource_version=version,
            dry_run=dry,
        )
        app = (await call.unary(apps, "Scale", scale)).app
        version = 0
    if steps.upgrade:
        upgrade = rpc.UpgradeAppRequest(
            namespace=namespace,
            name=name,
            template=wanted.spec.template,
            upgrade=wanted.spec.upgrade,
            resource_version=version,
            dry_run=dry,
        )
        app = (await call.unary(apps, "Upgrade", upgrade)).app
    return app
