"""``apps/v1`` Deployments over Sigma's Apps, with the ``scale`` subresource.

A Deployment is an App seen through the Kubernetes schema: what the schema can say
(replicas, template, rolling update) is read and written; what only an App has (QoS class,
spreading, time-sharing) is kept as it is on a replace or a patch, and set through
``apps.sigma.io``.
"""

from __future__ import annotations

from typing import Any

from google.protobuf.message import Message

from sigma.apiserver.kube import meta as M
from sigma.apiserver.kube.calls import Call
from sigma.apiserver.kube.kinds import deployments
from sigma.apiserver.kube.served.base import Names, Served, Sub
from sigma.apiserver.kube.served.changes import carry_out, deployment_field, plan
from sigma.apiserver.kube.served.core import precondition
from sigma.errors import Invalid
from sigma.v1 import apiserver_pb2 as rpc
from sigma.v1 import app_pb2

ALL = ("create", "delete", "get", "list", "patch", "update", "watch")
KEPT = ("qos_class", "priority", "spread", "min_replicas", "time_sharing", "min_available")


def propagation(options: dict[str, Any]) -> None:
    if options.get("propagationPolicy") == "Orphan" or options.get("orphanDependents"):
        raise Invalid("propagationPolicy", "Orphan is not supported: an owner takes its pods")


class Deployments(Served):
    names = Names(
        "apps",
        "v1",
        "Deployment",
        "deployments",
        short_names=("deploy",),
        categories=("all",),
        verbs=ALL,
        subresources=(
            Sub("scale", "Scale", ("get", "patch", "update"), group="autoscaling"),
            Sub("status", "Deployment", ("get",), group="apps"),
        ),
    )
    servicer, event_field, message = "apps", "app", app_pb2.App
    requests = (rpc.GetAppRequest, rpc.ListAppsRequest, rpc.WatchAppsRequest)
    render = staticmethod(deployments.deployment)

    def read(self, body: dict[str, Any], namespace: str) -> app_pb2.App:
        return deployments.app_from(body, namespace)

    def rename(self, field: str) -> str:
        return deployment_field(field)

    async def create(self, call: Call, namespace: str, body: dict[str, Any], dry: bool) -> Any:
        app = self.read(body, namespace)
        return await self.create_whole(call, app, rpc.CreateAppRequest, "app", dry)

    async def replace(
        self, call: Call, namespace: str, name: str, body: dict[str, Any], dry: bool
    ) -> Any:
        current = await self.get(call, namespace, name)
        wanted = self.read(body, namespace)
        if wanted.meta.name != name:
            raise Invalid("metadata.name", f"must be {name!r}, the name in the path")
        self.keep_own(current, wanted)
        steps = plan(current, wanted)
        version = M.body_version(body)
        with self.renamed():
            app = await carry_out(call, namespace, name, wanted, steps, version, dry)
        return app or current

    def keep_own(self, current: app_pb2.App, wanted: app_pb2.App) -> None:
        """What the Deployment schema cannot say stays as the App has it."""
        for field in KEPT:
            value = getattr(current.spec, field)
            if isinstance(value, Message):
                getattr(wanted.spec, field).CopyFrom(value)
            else:
                setattr(wanted.spec, field, value)

    async def delete(
        self, call: Call, namespace: str, name: str, options: dict[str, Any], dry: bool
    ) -> Any:
        propagation(options)
        request = rpc.DeleteAppRequest(
            namespace=namespace, name=name, resource_version=precondition(options), dry_run=dry
        )
        return (await call.unary(call.backend.apps, "Delete", request)).app

    async def scale(
        self, call: Call, namespace: str, name: str, body: dict[str, Any] | None, dry: bool
    ) -> dict[str, Any]:
        """GET (``body`` None) or write the ``scale`` subresource."""
        if body is None:
            return deployments.scale(await self.get(call, namespace, name))
        replicas = deployments.replicas_from_scale(body)
        version = M.body_version(body)
        request = rpc.ScaleAppRequest(
            namespace=namespace,
            name=name,
            replicas=replicas,
            resource_version=version,
            dry_run=dry,
        )
        with self.renamed():
            app = (await call.unary(call.backend.apps, "Scale", request)).app
        return deployments.scale(app)
