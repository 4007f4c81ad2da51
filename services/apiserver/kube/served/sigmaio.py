"""The ``sigma.io/v1`` group: Sigma's own kinds, whole, for clients that speak Kubernetes.

``kubectl get apps.sigma.io`` lists Apps with their time-sharing columns; an App created or
applied here takes every App field (QoS class, spreading, time-sharing), changed afterwards
through the same verbs a Deployment's changes take. BatchJobs are created and deleted whole;
interference rule sets (cluster-scoped) are created, replaced and deleted whole; nodes' batch
capacity and tasks are read-only.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from sigma.apiserver.kube import meta as M
from sigma.apiserver.kube.calls import Call
from sigma.apiserver.kube.kinds import sigmaio
from sigma.apiserver.kube.served.apps import Deployments
from sigma.apiserver.kube.served.base import Names, Served
from sigma.apiserver.kube.served.batch import Jobs
from sigma.apiserver.kube.served.core import precondition
from sigma.ctl._convert import camel
from sigma.errors import Invalid
from sigma.v1 import apiserver_pb2 as rpc
from sigma.v1 import app_pb2, batch_pb2, interference_pb2, node_pb2, task_pb2

GROUP, VERSION = "sigma.io", "v1"
WRITES = ("create", "delete", "get", "list", "patch", "update", "watch")


class SigmaApps(Deployments):
    names = Names(GROUP, VERSION, "App", "apps", categories=("sigma",), verbs=WRITES)
    render = staticmethod(partial(sigmaio.render, kind="App"))

    def read(self, body: dict[str, Any], namespace: str) -> app_pb2.App:
        return sigmaio.read(body, app_pb2.App, namespace)  # type: ignore[return-value]

    def rename(self, field: str) -> str:
        return field.removeprefix("app.")

    def keep_own(self, current: app_pb2.App, wanted: app_pb2.App) -> None:
        """Every App field is the client's here: nothing is carried over."""


class SigmaBatchJobs(Jobs):
    names = Names(GROUP, VERSION, "BatchJob", "batchjobs", categories=("sigma",), verbs=WRITES)
    render = staticmethod(partial(sigmaio.render, kind="BatchJob"))

    def read(self, body: dict[str, Any], namespace: str) -> batch_pb2.BatchJob:
        return sigmaio.read(body, batch_pb2.BatchJob, namespace)  # type: ignore[return-value]

    def rename(self, field: str) -> str:
        return field.removeprefix("job.")


class SigmaNodes(Served):
    names = Names(
        GROUP, VERSION, "Node", "nodes", namespaced=False, categories=("sigma",), layout="SigmaNode"
    )
    servicer, event_field, message = "nodes", "node", node_pb2.Node
    requests = (rpc.GetNodeRequest, rpc.ListNodesRequest, rpc.WatchNodesRequest)
    name_field = "node_name"
    render = staticmethod(partial(sigmaio.render, kind="Node", namespaced=False))


class SigmaTasks(Served):
    names = Names(GROUP, VERSION, "Task", "tasks", categories=("sigma",))
    servicer, event_field, message = "tasks", "task", task_pb2.Task
    requests = (rpc.GetTaskRequest, rpc.ListTasksRequest, rpc.WatchTasksRequest)
    render = staticmethod(partial(sigmaio.render, kind="Task"))


class SigmaInterferenceRuleSets(Served):
    """The interference rules ``<A, B, k>`` the scheduler enforces, one set an object."""

    names = Names(
        GROUP,
        VERSION,
        "InterferenceRuleSet",
        "interferencerulesets",
        namespaced=False,
        short_names=("irs",),
        categories=("sigma",),
        verbs=("create", "delete", "get", "list", "patch", "update", "watch"),
    )
    servicer, event_field = "rulesets", "interference_rule_set"
    message = interference_pb2.InterferenceRuleSet
    requests = (
        rpc.GetInterferenceRuleSetRequest,
        rpc.ListInterferenceRuleSetsRequest,
        rpc.WatchInterferenceRuleSetsRequest,
    )
    render = staticmethod(partial(sigmaio.render, kind="InterferenceRuleSet", namespaced=False))

    def read(self, body: dict[str, Any]) -> interference_pb2.InterferenceRuleSet:
        return sigmaio.read(body, self.message, "")  # type: ignore[return-value]

    def rename(self, field: str) -> str:
        return ".".join(camel(p) for p in field.removeprefix("rule_set.").split("."))

    async def create(self, call: Call, namespace: str, body: dict[str, Any], dry: bool) -> Any:
        request = rpc.CreateInterferenceRuleSetRequest(
            namespace=call.team("write"), rule_set=self.read(body), dry_run=dry
        )
        with self.renamed():
            return await call.unary(call.backend.rulesets, "Create", request)

    async def replace(
        self, call: Call, namespace: str, name: str, body: dict[str, Any], dry: bool
    ) -> Any:
        rule_set = self.read(body)
        if rule_set.meta.name != name:
            raise Invalid("metadata.name", f"must be {name!r}, the name in the path")
        request = rpc.UpdateInterferenceRuleSetRequest(
            namespace=call.team("write"),
            rule_set=rule_set,
            resource_version=M.body_version(body),
            dry_run=dry,
        )
        with self.renamed():
            return await call.unary(call.backend.rulesets, "Update", request)

    async def delete(
        self, call: Call, namespace: str, name: str, options: dict[str, Any], dry: bool
    ) -> Any:
        request = rpc.DeleteInterferenceRuleSetRequest(
            namespace=call.team("write"),
            name=name,
            resource_version=precondition(options),
            dry_run=dry,
        )
        return await call.unary(call.backend.rulesets, "Delete", request)
