"""Worker pods and the room for them: pure, from records, for the master's loop.

A worker is a BE pod of the job (owned by it, so deleting or cancelling the job takes its
workers too) whose requests are ``slots`` instance-sized shares; the online half of the
scheduler places it like any pod. Its one container only holds the sandbox the node's agent
runs instances in: it is the first task's first container (so its image has the job's
commands) with the command replaced by a sleep. Each instance's command is its own task's
first container's.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from sigma.scheduler.batch.sizing import NodeRoom
from sigma.v1 import batch_pb2, meta_pb2, node_pb2, pod_pb2

LABEL_JOB = "sigma.io/batch-job"  # as the job's instance pods carry it
LABEL_WORKER = "sigma.io/batch-worker"
HOLD = ("sleep", "2147483647")  # the worker container's command: it holds the sandbox
JOB_KIND = "BatchJob"


def worker_pod(
    job: batch_pb2.BatchJob, slots: int, cpu_millis: int, memory_bytes: int
) -> pod_pb2.Pod:
    """A new worker of ``slots`` slots for ``job``, each ``cpu_millis``/``memory_bytes``."""
    meta = job.meta
    pod = pod_pb2.Pod()
    pod.meta.namespace = meta.namespace
    pod.meta.name = f"{meta.name}-worker-{uuid.uuid4().hex[:8]}"
    pod.meta.labels[LABEL_JOB] = meta.name
    pod.meta.labels[LABEL_WORKER] = "true"
    pod.meta.owner_references.add(kind=JOB_KIND, name=meta.name, uid=meta.uid)
    first = job.spec.tasks[0].template
    template = pod.spec.template
    template.node_selector.update(first.node_selector)
    container = template.containers.add(name="worker", command=list(HOLD))
    if first.containers:
        container.image = first.containers[0].image
        container.working_dir = first.containers[0].working_dir
    container.resources.requests.cpu_millis = slots * cpu_millis
    container.resources.requests.memory_bytes = slots * memory_bytes
    pod.spec.owner_kind = pod_pb2.POD_OWNER_KIND_BATCH_JOB
    pod.spec.owner_name = meta.name
    pod.spec.qos_class = job.spec.qos_class or meta_pb2.QOS_CLASS_BE
    pod.spec.priority = job.spec.priority or first.priority
    pod.spec.worker_slots = slots
    pod.status.phase = pod_pb2.POD_PHASE_PENDING
    return pod


def is_worker_of(pod: pod_pb2.Pod, job: batch_pb2.BatchJob) -> bool:
    return pod.spec.worker_slots > 0 and any(
        r.kind == JOB_KIND and r.name == job.meta.name and r.uid == job.meta.uid
        for r in pod.meta.owner_references
    )


def command(task: batch_pb2.BatchTask) -> tuple[tuple[str, ...], dict[str, str]]:
    """An instance's argv and environment: its task template's first container's."""
    if not task.template.containers:
        return (), {}
    c = task.template.containers[0]
    return (*c.command, *c.args), dict(c.env)


def rooms(
    nodes: Iterable[node_pb2.Node], allocations: dict[str, node_pb2.NodeAllocation]
) -> list[NodeRoom]:
    """Each ready, schedulable node's batch room nobody uses: the colocator's batch capacity
    less the batch requests placed there (this job's workers included)."""
    out = []
    for node in nodes:
        if node.status.phase != node_pb2.NODE_PHASE_READY or node.spec.unschedulable:
            continue
        cap = node.status.batch_capacity
        used = allocations.get(node.meta.name, node_pb2.NodeAllocation()).batch_requested
        out.append(
            NodeRoom(
                node.meta.name,
                cap.cpu_millis - used.cpu_millis,
                cap.memory_bytes - used.memory_bytes,
            )
        )
    return out
