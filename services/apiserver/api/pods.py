"""sigma.v1.Pods: read pods, delete or evict them, and let slaves report their status.

There is no Create: pods are stamped from Apps and BatchJobs by the task workers. A slave lists
and watches every namespace's pods on its node by sending an empty namespace with node_name set
(an empty namespace alone lists every pod of the cluster).
"""

from __future__ import annotations

from typing import Any

from sigma.apiserver import validation
from sigma.apiserver.api._common import (
    Api,
    Reads,
    Where,
    change,
    replace_status,
    update_metadata,
)
from sigma.apiserver.api._common import service as common_service
from sigma.auth import WRITE
from sigma.errors import Conflict
from sigma.resources import POD, disruption
from sigma.rpc import Service
from sigma.v1 import apiserver_pb2, apiserver_pb2_grpc, pod_pb2

GRACE_SECONDS_MAX = validation.GRACE_SECONDS_MAX


class PodsServicer(Reads[pod_pb2.Pod], apiserver_pb2_grpc.PodsServicer):
    kind = POD
    list_response = apiserver_pb2.ListPodsResponse
    # An empty namespace (a slave's view of its node, `sigmactl get pods -A`) is cluster-wide.
    access = {
        **Reads.access,
        **dict.fromkeys(("Delete", "UpdateStatus", "Evict", "UpdateMetadata"), WRITE),
    }

    def scope_all(self, request: Any) -> str:
        node_name = getattr(request, "node_name", "")
        if node_name:
            validation.node_name(node_name, "node_name")
        return ""

    def where(self, request: Any) -> tuple[Where | None, str]:
        node = getattr(request, "node_name", "")
        owner = getattr(request, "owner_name", "")
        if not node and not owner:
            return None, ""

        def keep(pod: pod_pb2.Pod) -> bool:
            return (not node or pod.spec.node_name == node) and (
                not owner or pod.spec.owner_name == owner
            )

        return keep, f"node={node},owner={owner}"

    async def Delete(self, request: apiserver_pb2.DeletePodRequest, context: Any) -> pod_pb2.Pod:
        """An unplaced pod goes at once; a placed one is marked, and its slave stops it."""
        namespace = self.api.namespace(request.namespace)
        validation.name(request.name, "name")
        validation.resource_version(request.resource_version)
        if request.HasField("grace_period"):
            validation.duration(request.grace_period, GRACE_SECONDS_MAX, "grace_period")
        pod = await self.repo.get(namespace, request.name)
        if not pod.spec.node_name:
            if request.dry_run:
                version = request.resource_version
                if version and version != pod.meta.resource_version:
                    raise Conflict(f"Pod {namespace}/{request.name} is not at version {version}")
                return pod
            await self.repo.delete(
                namespace,
                request.name,
                resource_version=request.resource_version or pod.meta.resource_version,
            )
            return pod

        def apply(pod: pod_pb2.Pod) -> None:
            if not pod.meta.HasField("deletion_timestamp"):
                pod.meta.deletion_timestamp.CopyFrom(self.api.now())
            if request.HasField("grace_period"):
                pod.spec.template.termination_grace_period.CopyFrom(request.grace_period)

        marked, _ = await change(
            self.api,
            POD,
            namespace,
            request.name,
            request.resource_version,
            apply,
            dry_run=request.dry_run,
        )
        return marked

    async def Evict(self, request: apiserver_pb2.EvictPodRequest, context: Any) -> pod_pb2.Pod:
        """Delete, if the pod's App keeps its disruption budget (RESOURCE_EXHAUSTED if not)."""
        namespace = self.api.namespace(request.namespace)
        validation.name(request.name, "name")
        reason = request.reason or "Evicted"
        validation.camel_case(reason, "reason")
        grace = None
        if request.HasField("grace_period"):
            validation.duration(request.grace_period, GRACE_SECONDS_MAX, "grace_period")
            grace = request.grace_period.ToTimedelta().total_seconds()
        return await disruption.evict(
            self.api.store,
            namespace,
            request.name,
            reason,
            self.api.wall_ns(),
            grace=grace,
            recorder=self.api.recorder,
        )

    async def UpdateMetadata(
        self, request: apiserver_pb2.UpdatePodMetadataRequest, context: Any
    ) -> pod_pb2.Pod:
        namespace = self.api.namespace(request.namespace)
        validation.name(request.name, "name")
        return await update_metadata(self.api, POD, namespace, request.name, request)

    async def UpdateStatus(
        self, request: apiserver_pb2.UpdatePodStatusRequest, context: Any
    ) -> pod_pb2.Pod:
        namespace = self.api.namespace(request.namespace)
        validation.name(request.name, "name")
        validation.pod_status(request.status)

        def fill(pod: pod_pb2.Pod) -> None:
            pod.status.CopyFrom(request.status)

        return await replace_status(
            self.api, POD, namespace, request.name, request.resource_version, fill
        )


def service(api: Api) -> Service:
    return common_service(
        "sigma.v1.Pods", PodsServicer(api), apiserver_pb2_grpc.add_PodsServicer_to_server
    )
