"""``v1`` Node from Sigma's Node. Writes go through the Nodes service: ``spec.unschedulable``
is a cordon, labels and annotations a metadata change; nothing else of a node is the
client's to set (its slave registers it).

Pure.
"""

from __future__ import annotations

from typing import Any

from sigma.apiserver.kube import meta as M
from sigma.apiserver.kube import quantity
from sigma.apiserver.kube.podtemplate import taint_to
from sigma.v1 import meta_pb2, node_pb2

READY = {
    node_pb2.NODE_PHASE_READY: ("True", "SlaveReady", "the slave is posting ready status"),
    node_pb2.NODE_PHASE_NOT_READY: ("False", "SlaveNotReady", "the slave reports not ready"),
    node_pb2.NODE_PHASE_UNKNOWN: ("Unknown", "NodeStatusUnknown", "the slave stopped posting"),
}
PODS_PER_NODE = "110"  # what a kubelet advertises by default; Sigma does not cap pod counts


def resources(value: meta_pb2.ResourceList) -> dict[str, str]:
    return {
        "cpu": quantity.cpu(value.cpu_millis),
        "memory": quantity.memory(value.memory_bytes),
        "pods": PODS_PER_NODE,
    }


def status_word(value: node_pb2.Node) -> str:
    """``Ready``, ``NotReady`` or ``Unknown``, with ``SchedulingDisabled`` when cordoned."""
    word = {"True": "Ready", "False": "NotReady"}.get(ready(value)[0], "Unknown")
    return f"{word},SchedulingDisabled" if value.spec.unschedulable else word


def ready(value: node_pb2.Node) -> tuple[str, str, str]:
    return READY.get(value.status.phase, ("Unknown", "NodeStatusNeverUpdated", "no status yet"))


def address(value: node_pb2.Node) -> str:
    host = value.status.agent_address.rpartition(":")[0]
    return host.strip("[]") or ""


def node(value: node_pb2.Node) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    if value.spec.unschedulable:
        spec["unschedulable"] = True
    if value.spec.taints:
        spec["taints"] = [taint_to(t) for t in value.spec.taints]
    state, reason, message = ready(value)
    beat = M.rfc3339(value.status.last_heartbeat)
    addresses = [{"type": "Hostname", "address": value.meta.name}]
    if address(value):
        addresses.insert(0, {"type": "InternalIP", "address": address(value)})
    status = {
        "capacity": resources(value.spec.capacity),
        "allocatable": resources(value.spec.allocatable),
        "conditions": [
            {
                "type": "Ready",
                "status": state,
                "reason": reason,
                "message": message,
                "lastHeartbeatTime": beat,
                "lastTransitionTime": beat,
            }
        ],
        "addresses": addresses,
        "nodeInfo": {
            "kubeletVersion": value.status.agent_version or "sigma",
            "kubeProxyVersion": "",
            "operatingSystem": "linux",
            "architecture": "",
            "osImage": "",
            "kernelVersion": "",
            "containerRuntimeVersion": "sigma-slave",
            "machineID": "",
            "systemUUID": "",
            "bootID": "",
        },
    }
    return {
        "apiVersion": "v1",
        "kind": "Node",
        "metadata": M.metadata(value.meta, namespaced=False),
        "spec": spec,
        "status": status,
    }


def fields(value: node_pb2.Node) -> dict[str, str]:
    return {
        "metadata.name": value.meta.name,
        "spec.unschedulable": "true" if value.spec.unschedulable else "false",
    }
