"""``apply``: make the cluster hold what a manifest declares, with the calls the API offers.

The decision (``plan``) is pure: from the manifest's object and the stored one (or None) it
picks create, the Upgrade and Scale that an App change needs, or nothing. A change the API
cannot make in place (an App's QoS class, spread, time-sharing; any change to a BatchJob) is
refused with the field that differs, rather than silently ignored. Nodes are registered:
Register creates or updates a node's spec, so every Node apply is one call.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from google.protobuf.message import Message

from sigma.ctl._client import Client
from sigma.ctl._convert import camel
from sigma.ctl._manifest import Manifest
from sigma.errors import Invalid, NotFound
from sigma.v1 import apiserver_pb2 as api
from sigma.v1 import app_pb2

# AppSpec fields Scale and Upgrade cannot change; compared only where the manifest sets them,
# so values the server filled in do not count as differences.
_APP_FIXED = ("qos_class", "priority", "spread", "min_replicas", "time_sharing")


@dataclass(frozen=True, slots=True)
class Plan:
    action: str  # "create", "configure" (changed in place) or "unchanged"
    scale: int | None = None  # Apps.Scale to this many replicas
    upgrade: app_pb2.RollingUpgradePolicy | None = None  # with Apps.Upgrade, if it changed
    template: Any = None  # Apps.Upgrade to this template
    changes: list[str] = field(default_factory=list)  # what differs, for the user


def plan(desired: Message, current: Message | None) -> Plan:
    """What to call so that ``current`` (stored, or None) becomes ``desired``."""
    if current is None:
        return Plan("create")
    if _labels(desired) != _labels(current):
        raise Invalid("metadata.labels", "cannot change on an existing object; delete it first")
    if isinstance(desired, app_pb2.App):
        return _plan_app(desired, current)  # type: ignore[arg-type]
    if desired.DESCRIPTOR.name == "Node":
        changed = desired.spec != current.spec  # type: ignore[attr-defined]
        return Plan("configure", changes=["spec"]) if changed else Plan("unchanged")
    if desired.spec != current.spec:  # type: ignore[attr-defined]
        raise Invalid("spec", f"a {desired.DESCRIPTOR.name} cannot change; delete it first")
    return Plan("unchanged")


def _labels(obj: Message) -> dict[str, str]:
    return dict(obj.meta.labels)  # type: ignore[attr-defined]


def _plan_app(desired: app_pb2.App, current: app_pb2.App) -> Plan:
    want, have = desired.spec, current.spec
    for name in _APP_FIXED:
        f = want.DESCRIPTOR.fields_by_name[name]
        is_set = want.HasField(name) if f.message_type is not None else bool(getattr(want, name))
        if is_set and getattr(want, name) != getattr(have, name):
            raise Invalid(
                f"spec.{camel(name)}", "cannot change on an existing App; delete and re-apply it"
            )
    changes: list[str] = []
    template = upgrade = scale = None
    if want.template != have.template:
        template = want.template
        changes.append("spec.template")
    if want.HasField("upgrade") and want.upgrade != have.upgrade:
        upgrade, template = want.upgrade, want.template
        changes.append("spec.upgrade")
    if want.replicas != have.replicas:
        scale = want.replicas
        changes.append(f"spec.replicas {have.replicas} -> {want.replicas}")
    if not changes:
        return Plan("unchanged")
    return Plan("configure", scale=scale, upgrade=upgrade, template=template, changes=changes)


async def apply(client: Client, m: Manifest, system_namespace: str) -> str:
    """Carry out the plan for one manifest; returns the line to print (``app/web created``)."""
    namespace = m.obj.meta.namespace  # type: ignore[attr-defined]
    req_ns = namespace if m.kind.namespaced else system_namespace
    try:
        current = await client.api(
            m.kind.service, "Get", m.kind.request("Get", req_ns, name=m.name)
        )
    except NotFound:
        current = None
    p = plan(m.obj, current)
    label = f"{m.kind.name.lower()}/{m.name}"
    if p.action == "unchanged":
        return f"{label} unchanged"
    if m.kind.name == "Node":
        await client.api("Nodes", "Register", api.RegisterNodeRequest(namespace=req_ns, node=m.obj))
    elif p.action == "create":
        if m.kind.name == "App":
            await client.api("Apps", "Create", api.CreateAppRequest(namespace=req_ns, app=m.obj))
        else:
            request = api.CreateBatchJobRequest(namespace=req_ns, job=m.obj)
            await client.api("BatchJobs", "Create", request)
    else:
        if p.template is not None:
            upgrade = api.UpgradeAppRequest(namespace=req_ns, name=m.name, template=p.template)
            if p.upgrade is not None:
                upgrade.upgrade.CopyFrom(p.upgrade)
            await client.api("Apps", "Upgrade", upgrade)
        if p.scale is not None:
            scale = api.ScaleAppRequest(namespace=req_ns, name=m.name, replicas=p.scale)
            await client.api("Apps", "Scale", scale)
    verb = "created" if p.action == "create" else "configured"
    detail = f" ({', '.join(p.changes)})" if p.changes else ""
    return f"{label} {verb}{detail}"
