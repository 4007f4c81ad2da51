"""sigma.v1.Apps: publish, scale, upgrade and destroy online services.

Each change persists the desired App and the Task that carries it out in one transaction and
returns at once; the task workers of any replica make the pods follow.
"""

from __future__ import annotations

from typing import Any

from sigma.apiserver import validation
from sigma.apiserver.api._common import Api, Changes, change, new_task
from sigma.apiserver.api._common import service as common_service
from sigma.apiserver.tasks.pods import template_hash
from sigma.auth import WRITE
from sigma.errors import FailedPrecondition, Invalid
from sigma.resources import APP
from sigma.rpc import Service
from sigma.v1 import apiserver_pb2, apiserver_pb2_grpc, app_pb2, task_pb2

_APP = task_pb2.TASK_TARGET_KIND_APP


def _not_deleting(app: app_pb2.App) -> None:
    if app.meta.HasField("deletion_timestamp"):
        raise FailedPrecondition(f"App {app.meta.namespace}/{app.meta.name} is being deleted")


class AppsServicer(Changes[app_pb2.App], apiserver_pb2_grpc.AppsServicer):
    kind = APP
    target_kind = _APP
    access = {**Changes.access, "Scale": WRITE, "Upgrade": WRITE, "TimeShare": WRITE}
    change_response = apiserver_pb2.AppChangeResponse
    response_field = "app"
    list_response = apiserver_pb2.ListAppsResponse

    def validate(self, obj: app_pb2.App, namespace: str) -> None:
        validation.app(obj, namespace, self.api.limits)

    def initial(self, obj: app_pb2.App) -> None:
        """The App's status names the template hash its pods converge to, from the start."""
        obj.status.current_template_hash = template_hash(obj.spec.template)

    async def Scale(
        self, request: apiserver_pb2.ScaleAppRequest, context: Any
    ) -> apiserver_pb2.AppChangeResponse:
        namespace = self.api.namespace(request.namespace)
        validation.scale_app(request, self.api.limits)

        def apply(app: app_pb2.App) -> task_pb2.Task:
            _not_deleting(app)
            if request.replicas < app.spec.min_replicas:
                raise Invalid("replicas", f"below the app's min_replicas {app.spec.min_replicas}")
            app.spec.replicas = request.replicas
            app.meta.generation += 1  # a repeated scale re-asserts intent: a fresh task
            task = new_task(self.api, app, _APP, task_pb2.TASK_KIND_SCALE, "scale")
            task.spec.scale_replicas = request.replicas
            return task

        return await self.changed(namespace, request, apply)

    async def Upgrade(
        self, request: apiserver_pb2.UpgradeAppRequest, context: Any
    ) -> apiserver_pb2.AppChangeResponse:
        namespace = self.api.namespace(request.namespace)
        validation.upgrade_app(request, self.api.limits)
        digest = template_hash(request.template)

        def apply(app: app_pb2.App) -> task_pb2.Task:
            _not_deleting(app)
            app.spec.template.CopyFrom(request.template)
            if request.HasField("upgrade"):
                app.spec.upgrade.CopyFrom(request.upgrade)
            app.status.current_template_hash = digest
            app.meta.generation += 1
            task = new_task(self.api, app, _APP, task_pb2.TASK_KIND_UPGRADE, "upgrade")
            task.spec.upgrade_template_hash = digest
            return task

        return await self.changed(namespace, request, apply)

    async def TimeShare(
        self, request: apiserver_pb2.TimeShareAppRequest, context: Any
    ) -> apiserver_pb2.AppChangeResponse:
        """Time-sharing's ask in the status and a SCALE task, in one write; the user's
        spec.replicas (the peak) is left as it is, and target_replicas reads the ask."""
        namespace = self.api.namespace(request.namespace)
        validation.time_share_app(request, self.api.limits)
        at = self.api.wall_ns() // 10**9
        action = f"timeshare{request.replicas}at{at}"

        def apply(app: app_pb2.App) -> task_pb2.Task | None:
            _not_deleting(app)
            if not app.spec.time_sharing.enabled:
                raise FailedPrecondition(f"App {namespace}/{app.meta.name} has time-sharing off")
            if request.replicas > app.spec.replicas:
                raise Invalid("replicas", f"above the app's spec.replicas {app.spec.replicas}")
            app.status.time_sharing_replicas = request.replicas
            return new_task(self.api, app, _APP, task_pb2.TASK_KIND_SCALE, action)

        current = await self.repo.get(namespace, request.name)
        if (
            current.spec.time_sharing.enabled
            and current.status.time_sharing_replicas == request.replicas
        ):
            return apiserver_pb2.AppChangeResponse(app=current)  # asked already: no write
        app, task = await change(self.api, APP, namespace, request.name, 0, apply)
        return apiserver_pb2.AppChangeResponse(app=app, task=task)


def service(api: Api) -> Service:
    return common_service(
        "sigma.v1.Apps", AppsServicer(api), apiserver_pb2_grpc.add_AppsServicer_to_server
    )
