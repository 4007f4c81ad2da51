"""Small builders of Apps, BatchJobs and pods for the planning and controller tables."""

from __future__ import annotations

from collections.abc import Sequence

from sigma.apiserver.tasks import pods as P
from sigma.v1 import app_pb2, batch_pb2, meta_pb2, pod_pb2

PHASE = pod_pb2


def app(replicas: int = 3, *, command: str = "v1", max_unavailable: int = 0) -> app_pb2.App:
    a = app_pb2.App()
    a.meta.namespace, a.meta.name, a.meta.uid, a.meta.generation = "team", "web", "u-web", 1
    a.spec.replicas = replicas
    a.spec.priority = 7
    a.spec.qos_class = meta_pb2.QOS_CLASS_LSR
    a.spec.template.containers.add(name="main", command=[command])
    a.spec.template.labels["tier"] = "front"
    a.spec.upgrade.max_unavailable = max_unavailable
    return a


def app_pods(
    owner: app_pb2.App, phases: list[int], *, bound: bool = True, digest: str = ""
) -> list[pod_pb2.Pod]:
    """One pod per phase, ordinals 0.., created one second apart (later ordinal = newer)."""
    out = []
    for i, phase in enumerate(phases):
        pod = P.app_pod(owner, i, digest or P.template_hash(owner.spec.template))
        pod.status.phase = phase  # type: ignore[assignment]
        pod.meta.creation_timestamp.seconds = 1000 + i
        pod.meta.resource_version = 10 + i
        if bound and phase != PHASE.POD_PHASE_PENDING:
            pod.spec.node_name = "n1"
        out.append(pod)
    return out


def job(tasks: list[tuple[str, int, list[str]]], *, max_retries: int = 0) -> batch_pb2.BatchJob:
    """A job of (name, instances, depends_on) tasks."""
    j = batch_pb2.BatchJob()
    j.meta.namespace, j.meta.name, j.meta.uid, j.meta.generation = "team", "etl", "u-etl", 1
    j.spec.max_retries = max_retries
    for name, instances, deps in tasks:
        t = j.spec.tasks.add(name=name, instances=instances, depends_on=deps)
        t.template.containers.add(name="main", command=["run", name])
    return j


def finish(pods: Sequence[pod_pb2.Pod], phase: int) -> list[pod_pb2.Pod]:
    """``pods`` (the same objects) in ``phase``, as a list."""
    for pod in pods:
        pod.status.phase = phase  # type: ignore[assignment]
    return list(pods)
