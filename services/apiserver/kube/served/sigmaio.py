"""The ``sigma.io/v1`` group: Sigma's own kinds, whole, for clients that speak Kubernetes.

``kubectl get apps.sigma.io`` lists Apps with their time-sharing columns; an App created or
applied here takes every App field (QoS class, spreading, time-sharing), changed afterwards
through the same verbs a Deployment's changes take. BatchJobs are created and deleted whole;
nodes' batch capacity and tasks are read-only.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from sigma.apiserver.kube.kinds import sigmaio
from sigma.apiserver.kube.served.apps import Deployments
from sigma.apiserver.kube.served.base import Names, Served
from sigma.apiserver.kube.served.batch import Jobs
from sigma.v1 import apiserver_pb2 as rpc
from sigma.v1 import app_pb2, batch_pb2, node_pb2, task_pb2

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
