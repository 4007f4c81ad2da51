"""Stamping pods from their owners, and the facts about a pod every planner asks: pure, no I/O.

Pod names are deterministic (``<app>-<ordinal>``, ``<job>-<task>-<index>-<attempt>``), so a
worker that crashed after a create and a worker that resumes its task compute the same name,
and the store's create-if-absent makes the second create a no-op instead of a second copy.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable

from sigma.log import carry
from sigma.resources.pods import (
    APP_KIND,
    JOB_KIND,
    TERMINAL,
    bound,
    finished,
    live,
    owned_by,
    ready,
    terminating,
)
from sigma.v1 import app_pb2, batch_pb2, meta_pb2, pod_pb2

__all__ = [  # the pod facts of sigma.resources.pods are part of this module's vocabulary
    "APP_KIND",
    "JOB_KIND",
    "LABEL_APP",
    "LABEL_ATTEMPT",
    "LABEL_BATCH_TASK",
    "LABEL_JOB",
    "LABEL_TEMPLATE_HASH",
    "TERMINAL",
    "app_pod",
    "app_pod_name",
    "attempt_of",
    "batch_pod",
    "batch_pod_name",
    "bound",
    "finished",
    "least_valuable",
    "live",
    "owned_by",
    "ready",
    "removable_at_once",
    "template_hash",
    "terminating",
    "value_key",
]

LABEL_APP = "sigma.io/app"
LABEL_TEMPLATE_HASH = "sigma.io/template-hash"
LABEL_JOB = "sigma.io/batch-job"
LABEL_BATCH_TASK = "sigma.io/batch-task"
LABEL_ATTEMPT = "sigma.io/attempt"

_PHASE_RANK = {pod_pb2.POD_PHASE_PENDING: 0, pod_pb2.POD_PHASE_SCHEDULED: 1}


def template_hash(template: pod_pb2.PodTemplate) -> str:
    """A short stable digest of a pod template: what tells an old pod from an upgraded one.

    The apiserver stores it as ``AppStatus.current_template_hash`` and in upgrade tasks; pods
    carry it in ``spec.template_hash``. Deterministic serialisation keeps it stable across
    processes (map order does not leak in).
    """
    return hashlib.sha256(template.SerializeToString(deterministic=True)).hexdigest()[:10]


def app_pod_name(app: str, ordinal: int) -> str:
    return f"{app}-{ordinal}"


def batch_pod_name(job: str, task: str, index: int, attempt: int) -> str:
    return f"{job}-{task}-{index}-{attempt}"


def _stamp(
    meta: meta_pb2.ObjectMeta,
    name: str,
    template: pod_pb2.PodTemplate,
    owner: tuple[str, int],
    labels: dict[str, str],
) -> pod_pb2.Pod:
    """A pending pod in the owner's namespace, linked to it by kind, name and uid."""
    kind, owner_kind = owner
    pod = pod_pb2.Pod()
    pod.meta.namespace = meta.namespace
    pod.meta.name = name
    pod.meta.labels.update(template.labels)
    pod.meta.labels.update(labels)
    pod.meta.annotations.update(template.annotations)
    carry(pod.meta)  # the request of the task making it, when there is one
    pod.meta.owner_references.add(kind=kind, name=meta.name, uid=meta.uid)
    pod.spec.template.CopyFrom(template)
    pod.spec.owner_kind = owner_kind  # type: ignore[assignment]
    pod.spec.owner_name = meta.name
    pod.status.phase = pod_pb2.POD_PHASE_PENDING
    return pod


def app_pod(app: app_pb2.App, ordinal: int, digest: str) -> pod_pb2.Pod:
    """Replica ``ordinal`` of ``app`` from its current template; the App's QoS and priority win."""
    template = app.spec.template
    pod = _stamp(
        app.meta,
        app_pod_name(app.meta.name, ordinal),
        template,
        (APP_KIND, pod_pb2.POD_OWNER_KIND_APP),
        {LABEL_APP: app.meta.name, LABEL_TEMPLATE_HASH: digest},
    )
    pod.spec.priority = app.spec.priority or template.priority
    pod.spec.qos_class = app.spec.qos_class or template.qos_class or meta_pb2.QOS_CLASS_LS
    pod.spec.template_hash = digest
    pod.spec.instance_index = ordinal
    return pod


def batch_pod(
    job: batch_pb2.BatchJob, task: batch_pb2.BatchTask, index: int, attempt: int
) -> pod_pb2.Pod:
    """Attempt ``attempt`` of instance ``index`` of ``task``; batch is best effort by default."""
    template = task.template
    pod = _stamp(
        job.meta,
        batch_pod_name(job.meta.name, task.name, index, attempt),
        template,
        (JOB_KIND, pod_pb2.POD_OWNER_KIND_BATCH_JOB),
        {LABEL_JOB: job.meta.name, LABEL_BATCH_TASK: task.name, LABEL_ATTEMPT: str(attempt)},
    )
    pod.spec.priority = job.spec.priority or template.priority
    pod.spec.qos_class = job.spec.qos_class or template.qos_class or meta_pb2.QOS_CLASS_BE
    pod.spec.template_hash = template_hash(template)
    pod.spec.batch_task_name = task.name
    pod.spec.instance_index = index
    return pod


def attempt_of(pod: pod_pb2.Pod) -> int:
    value = pod.meta.labels.get(LABEL_ATTEMPT, "0")
    return int(value) if value.isdigit() else 0


def value_key(pod: pod_pb2.Pod, current_hash: str = "") -> tuple[int, int, int, int, int, int]:
    """Sort key, least valuable first: what a scale-down removes before anything else.

    Finished before live; a stale template before the current one; unplaced before placed;
    pending before scheduled before running; unready before ready; newest before oldest.
    """
    return (
        0 if finished(pod) else 1,
        0 if current_hash and pod.spec.template_hash != current_hash else 1,
        1 if bound(pod) else 0,
        _PHASE_RANK.get(pod.status.phase, 2),
        1 if ready(pod) else 0,
        -(pod.meta.creation_timestamp.seconds * 10**9 + pod.meta.creation_timestamp.nanos),
    )


def least_valuable(pods: Iterable[pod_pb2.Pod], current_hash: str = "") -> list[pod_pb2.Pod]:
    return sorted(pods, key=lambda p: (value_key(p, current_hash), -p.spec.instance_index))


def removable_at_once(pod: pod_pb2.Pod) -> bool:
    """Whether deleting the key is the whole removal (nothing runs it), or a node must stop it.

    An unplaced or finished pod has no process; a placed live pod gets a deletion timestamp
    and its node's slave stops it, then deletes it.
    """
    return not bound(pod) or finished(pod)
