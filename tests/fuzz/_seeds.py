"""A valid request for every RPC: the starting point of the fuzzer's one-field corruptions.

Requests that carry an object get a whole valid one (``sigma.apiserver.samples``); the others get
their namespace and the name of an object the fleet was seeded with, found by field name, so an
RPC added later gets a useful seed without an entry here.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from google.protobuf.message import Message

from sigma.apiserver import samples
from sigma.v1 import apiserver_pb2 as api
from sigma.v1 import node_pb2, pod_pb2, scheduler_pb2, slave_pb2
from tests.fuzz._servers import SYSTEM, TEAM

_BY_FIELD = {"name": "web", "node_name": "node-1", "pod_key": f"{TEAM}/web-0", "target": "web"}


def _specific() -> dict[str, Message]:
    template = samples.template()
    relabel = api.MetadataChange(
        set_labels={"tier": "gold"}, remove_annotations=["note"], overwrite=True
    )
    return {
        "CreateAppRequest": api.CreateAppRequest(namespace=TEAM, app=samples.app("shop")),
        "UpgradeAppRequest": api.UpgradeAppRequest(namespace=TEAM, name="web", template=template),
        "ScaleAppRequest": api.ScaleAppRequest(namespace=TEAM, name="web", replicas=2),
        "TimeShareAppRequest": api.TimeShareAppRequest(
            namespace=TEAM, name="web", replicas=1, reason="Trough"
        ),
        "CreateBatchJobRequest": api.CreateBatchJobRequest(
            namespace=TEAM, job=samples.batch_job("nightly")
        ),
        "CancelBatchJobRequest": api.CancelBatchJobRequest(namespace=TEAM, name="etl", reason="x"),
        "RegisterNodeRequest": api.RegisterNodeRequest(
            namespace=SYSTEM, node=samples.node("node-2")
        ),
        "HeartbeatRequest": api.HeartbeatRequest(
            namespace=SYSTEM, node_name="node-1", lease_id=1, ready=True
        ),
        "UpdateNodeStatusRequest": api.UpdateNodeStatusRequest(
            namespace=SYSTEM,
            node_name="node-1",
            status=node_pb2.NodeStatus(phase=node_pb2.NODE_PHASE_READY),
            resource_version=1,
        ),
        "UpdatePodStatusRequest": api.UpdatePodStatusRequest(
            namespace=TEAM,
            name="web-0",
            status=pod_pb2.PodStatus(phase=pod_pb2.POD_PHASE_RUNNING),
            resource_version=1,
        ),
        "ExplainRequest": scheduler_pb2.ExplainRequest(
            namespace=TEAM, hypothetical=pod_pb2.PodSpec(template=template, owner_name="web")
        ),
        "DrainRequest": slave_pb2.DrainRequest(reason="fuzz", batch_only=True),
        **{
            f"Update{kind}MetadataRequest": getattr(api, f"Update{kind}MetadataRequest")(
                namespace=TEAM, name=name, change=relabel
            )
            for kind, name in (("App", "web"), ("BatchJob", "etl"), ("Pod", "web-0"))
        },
        "UpdateNodeMetadataRequest": api.UpdateNodeMetadataRequest(
            namespace=SYSTEM, node_name="node-1", change=relabel
        ),
        # Cluster-scoped rule sets: written by the system team, the one seeded is "web".
        "CreateInterferenceRuleSetRequest": api.CreateInterferenceRuleSetRequest(
            namespace=SYSTEM, rule_set=samples.interference_rule_set("shop", TEAM)
        ),
        "UpdateInterferenceRuleSetRequest": api.UpdateInterferenceRuleSetRequest(
            namespace=SYSTEM, rule_set=samples.interference_rule_set("web", TEAM)
        ),
        "DeleteInterferenceRuleSetRequest": api.DeleteInterferenceRuleSetRequest(
            namespace=SYSTEM, name="web"
        ),
        "UpdateInterferenceRuleSetMetadataRequest": api.UpdateInterferenceRuleSetMetadataRequest(
            namespace=SYSTEM, name="web", change=relabel
        ),
    }


def seed(cls: type[Message], versions: Mapping[str, int] | None = None) -> Message:
    """A valid request of type ``cls``; ``versions`` names the resource_version to send, by
    request type, for writes conditional on the version of a seeded object."""
    specific: Any = _specific().get(cls.DESCRIPTOR.name)
    if specific is not None:
        version = (versions or {}).get(cls.DESCRIPTOR.name)
        if version is not None:
            specific.resource_version = version
        return specific
    out: Any = cls()
    fields = cls.DESCRIPTOR.fields_by_name
    if "namespace" in fields:
        out.namespace = SYSTEM if "node_name" in fields else TEAM
    for field, value in _BY_FIELD.items():
        if field in fields and fields[field].type == fields[field].TYPE_STRING:
            setattr(out, field, value)
    return out
