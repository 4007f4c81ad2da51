"""sigma.v1.Tasks: the read-only view of the apiserver's work units, to follow a rollout."""

from __future__ import annotations

from typing import Any

from sigma.apiserver import validation
from sigma.apiserver.api._common import Api, Reads, Where
from sigma.apiserver.api._common import service as common_service
from sigma.resources import TASK
from sigma.rpc import Service
from sigma.v1 import apiserver_pb2, apiserver_pb2_grpc, task_pb2


class TasksServicer(Reads[task_pb2.Task], apiserver_pb2_grpc.TasksServicer):
    kind = TASK
    list_response = apiserver_pb2.ListTasksResponse

    def object_name(self, request: Any) -> str:
        """Task names are dotted (``app.web.scale.3.1f0c9a2e``), so they follow subdomain rules."""
        validation.subdomain(request.name, "name")
        return str(request.name)

    def where(self, request: Any) -> tuple[Where | None, str]:
        target = getattr(request, "target_name", "")
        state = getattr(request, "state", 0)
        if state:
            validation.enum(state, task_pb2.TaskState, "state")
        if not target and not state:
            return None, ""

        def keep(task: task_pb2.Task) -> bool:
            return (not target or task.spec.target_name == target) and (
                not state or task.status.state == state
            )

        return keep, f"target={target},state={state}"


def service(api: Api) -> Service:
    return common_service(
        "sigma.v1.Tasks", TasksServicer(api), apiserver_pb2_grpc.add_TasksServicer_to_server
    )
