"""``apply``: make the cluster hold what a manifest declares, with the calls the API offers.

The decision (``plan``) is pure: from the manifest's object and the stored one (or None) it
picks create, the Upgrade and Scale that an App change needs, or nothing. A change the API
cannot make in place (an App's QoS class, spread, time-sharing; any change to a BatchJob's
spec) is refused with the field that differs, rather than silently ignored. Labels the
manifest declares are set where they differ (UpdateMetadata); labels it does not mention are
left, as ``sigmactl label`` may have put them there. Nodes are registered: Register creates or
updates a node's spec and labels, so every Node apply is one call.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from google.protobuf.message import Message

from sigma.ctl._convert import camel
from sigma.ctl._manifest import Manifest
from sigma.ctl._writes import Writer
from sigma.errors import Invalid, NotFound
from sigma.v1 import apiserver_pb2 as api
from sigma.v1 import app_pb2

# AppSpec fields Scale and Upgrade cannot change; compared only where the manifest sets them,
# so values the server filled in do not count as differences.
_APP_FIXED = ("qos_class", "priority", "spread", "min_replicas", "time_sharing")
SYSTEM_PREFIX = "sigma.io/"  # labels the system owns: UpdateMetadata refuses to change them
# Kinds one call changes whole (spec and labels): Nodes.Register, InterferenceRuleSets.Update.
_WHOLE = ("Node", "InterferenceRuleSet")


@dataclass(frozen=True, slots=True)
class Plan:
    action: str  # "create", "configure" (changed in place) or "unchanged"
    scale: int | None = None  # Apps.Scale to this many replicas
    upgrade: app_pb2.RollingUpgradePolicy | None = None  # with Apps.Upgrade, if it changed
    template: Any = None  # Apps.Upgrade to this template
    labels: dict[str, str] = field(default_factory=dict)  # UpdateMetadata sets these
    changes: list[str] = field(default_factory=list)  # what differs, for the user


def plan(desired: Message, current: Message | None) -> Plan:
    """What to call so that ``current`` (stored, or None) becomes ``desired``."""
    if current is None:
        return Plan("create")
    labels = _label_changes(desired, current)
    if desired.DESCRIPTOR.name in _WHOLE:  # one call sets the spec and the labels together
        changed = [*(["spec"] if desired.spec != current.spec else []), *_said(labels)]  # type: ignore[attr-defined]
        return Plan("configure", changes=changed) if changed else Plan("unchanged")
    if isinstance(desired, app_pb2.App):
        p = _plan_app(desired, current)  # type: ignore[arg-type]
    elif desired.spec != current.spec:  # type: ignore[attr-defined]
        raise Invalid("spec", f"a {desired.DESCRIPTOR.name} cannot change; delete it first")
    else:
        p = Plan("unchanged")
    if not labels:
        return p
    return replace(p, action="configure", labels=labels, changes=[*p.changes, *_said(labels)])


def _said(labels: dict[str, str]) -> list[str]:
    return [f"metadata.labels.{k}={v}" for k, v in sorted(labels.items())]


def _label_changes(desired: Message, current: Message) -> dict[str, str]:
    """The declared labels the stored object lacks or holds with another value."""
    held = current.meta.labels  # type: ignore[attr-defined]
    out = {k: v for k, v in desired.meta.labels.items() if held.get(k) != v}  # type: ignore[attr-defined]
    fixed = sorted(k for k in out if k.startswith(SYSTEM_PREFIX))
    if fixed and desired.DESCRIPTOR.name not in _WHOLE:
        raise Invalid(
            f"metadata.labels.{fixed[0]}", "the system's labels cannot change; delete it first"
        )
    return out


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


async def apply(writer: Writer, m: Manifest, system_namespace: str) -> str:
    """Carry out the plan for one manifest; returns the line to print (``app/web created``)."""
    namespace = m.obj.meta.namespace  # type: ignore[attr-defined]
    req_ns = namespace if m.kind.namespaced else system_namespace
    try:
        current = await writer.client.api(
            m.kind.service, "Get", m.kind.request("Get", req_ns, name=m.name)
        )
    except NotFound:
        current = None
    p = plan(m.obj, current)
    label = f"{m.kind.singular}/{m.name}"
    if p.action == "unchanged":
        return f"{label} unchanged{writer.suffix}"
    if m.kind.name == "Node":
        await writer.send(
            "Nodes", "Register", api.RegisterNodeRequest(namespace=req_ns, node=m.obj)
        )
    elif m.kind.name == "InterferenceRuleSet":
        await _apply_rule_set(writer, req_ns, m.obj, current)
    elif p.action == "create":
        if m.kind.name == "App":
            await writer.send("Apps", "Create", api.CreateAppRequest(namespace=req_ns, app=m.obj))
        else:
            request = api.CreateBatchJobRequest(namespace=req_ns, job=m.obj)
            await writer.send("BatchJobs", "Create", request)
    else:
        if p.template is not None:
            upgrade = api.UpgradeAppRequest(namespace=req_ns, name=m.name, template=p.template)
            if p.upgrade is not None:
                upgrade.upgrade.CopyFrom(p.upgrade)
            await writer.send("Apps", "Upgrade", upgrade)
        if p.scale is not None:
            scale = api.ScaleAppRequest(namespace=req_ns, name=m.name, replicas=p.scale)
            await writer.send("Apps", "Scale", scale)
        if p.labels:
            change = api.MetadataChange(set_labels=p.labels, overwrite=True)
            message = getattr(api, f"Update{m.kind.name}MetadataRequest")
            request = message(namespace=req_ns, name=m.name, change=change)
            await writer.send(m.kind.service, "UpdateMetadata", request)
    verb = "created" if p.action == "create" else "configured"
    detail = f" ({', '.join(p.changes)})" if p.changes else ""
    return f"{label} {verb}{detail}{writer.suffix}"


async def _apply_rule_set(writer: Writer, namespace: str, obj: Any, current: Any) -> None:
    """Create the set, or Update it to the manifest's rules; labels and annotations the
    manifest does not mention stay (Update replaces them, so the stored ones are sent too)."""
    if current is None:
        request = api.CreateInterferenceRuleSetRequest(namespace=namespace, rule_set=obj)
        await writer.send("InterferenceRuleSets", "Create", request)
        return
    wanted = type(obj)()
    wanted.CopyFrom(obj)
    for part in ("labels", "annotations"):
        merged = {**getattr(current.meta, part), **getattr(obj.meta, part)}
        getattr(wanted.meta, part).update(merged)
    update = api.UpdateInterferenceRuleSetRequest(
        namespace=namespace, rule_set=wanted, resource_version=current.meta.resource_version
    )
    await writer.send("InterferenceRuleSets", "Update", update)
