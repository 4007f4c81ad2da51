"""The kinds of stored object and where each lives in the store.

Layout (one prefix per kind, so an informer watches exactly one kind)::

    /sigma/v1/apps/<namespace>/<name>          App
    /sigma/v1/batchjobs/<namespace>/<name>     BatchJob
    /sigma/v1/pods/<namespace>/<name>          Pod
    /sigma/v1/tasks/<namespace>/<name>         Task
    /sigma/v1/nodes/<name>                     Node            (cluster-scoped)
    /sigma/v1/allocations/<name>               NodeAllocation  (cluster-scoped; scheduler CAS)
    /sigma/v1/interferencerulesets/<name>      InterferenceRuleSet (cluster-scoped)

Every tier reads this table instead of spelling keys itself.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Generic, TypeVar

from google.protobuf.message import Message

from sigma.errors import Invalid
from sigma.v1 import app_pb2, batch_pb2, interference_pb2, node_pb2, pod_pb2, task_pb2

M = TypeVar("M", bound=Message)
ROOT = "/sigma/v1/"


@dataclass(frozen=True, slots=True)
class Kind(Generic[M]):
    name: str  # as in manifests and Event.kind
    plural: str  # the key segment
    message: type[M]
    namespaced: bool = True
    event_field: str = ""  # the Event oneof field carrying this kind

    @property
    def prefix(self) -> str:
        return f"{ROOT}{self.plural}/"

    def namespace_prefix(self, namespace: str) -> str:
        """Keys of this kind in ``namespace`` (every key for a cluster-scoped kind or for "")."""
        return f"{self.prefix}{namespace}/" if self.namespaced and namespace else self.prefix

    def key(self, namespace: str, name: str) -> str:
        return f"{self.prefix}{namespace}/{name}" if self.namespaced else f"{self.prefix}{name}"

    def object_key(self, key: str) -> str:
        """The short form used on the wire and as the Kafka key: "namespace/name" or "name"."""
        return key[len(self.prefix) :]


APP = Kind("App", "apps", app_pb2.App, event_field="app")
BATCH_JOB = Kind("BatchJob", "batchjobs", batch_pb2.BatchJob, event_field="batch_job")
POD = Kind("Pod", "pods", pod_pb2.Pod, event_field="pod")
TASK = Kind("Task", "tasks", task_pb2.Task, event_field="task")
NODE = Kind("Node", "nodes", node_pb2.Node, namespaced=False, event_field="node")
NODE_ALLOCATION = Kind(
    "NodeAllocation",
    "allocations",
    node_pb2.NodeAllocation,
    namespaced=False,
    event_field="node_allocation",
)
INTERFERENCE_RULE_SET = Kind(
    "InterferenceRuleSet",
    "interferencerulesets",
    interference_pb2.InterferenceRuleSet,
    namespaced=False,
    event_field="interference_rule_set",
)

KINDS: dict[str, Kind[Message]] = {
    k.name: k  # type: ignore[misc]
    for k in (APP, BATCH_JOB, POD, TASK, NODE, NODE_ALLOCATION, INTERFERENCE_RULE_SET)
}


def kind_of_key(key: str) -> Kind[Message] | None:
    """The kind a store key belongs to, or None for keys outside the object tree."""
    if not key.startswith(ROOT):
        return None
    plural = key[len(ROOT) :].split("/", 1)[0]
    for kind in KINDS.values():
        if kind.plural == plural:
            return kind
    return None


def kind_named(name: str) -> Kind[Message]:
    try:
        return KINDS[name]
    except KeyError:
        raise Invalid("kind", f"unknown kind {name!r}; one of {sorted(KINDS)}") from None
