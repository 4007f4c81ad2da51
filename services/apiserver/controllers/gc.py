"""Garbage collection: pods whose owner is gone, pods of batch jobs finished longer ago than a
retention, and tasks finished longer ago than a retention.

A finished job keeps its status (phase, finish time, per-task counts); its pods go, as with
Kubernetes' TTL after finished but keeping the job: otherwise every pod a cluster ever ran
stays in the store and every whole-store pass reads it.

A pod is an orphan when the App or BatchJob it names in its owner references no longer exists,
or exists with another uid (deleted and re-created under the same name). The cache a pass
starts from may lag behind the store, so ``reconcile`` re-reads each suspected owner before it
removes anything: a pod created a moment after its owner is never mistaken for an orphan.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from sigma.apiserver.controllers.cache import APP_OWNER, JOB_OWNER, ControllerCache
from sigma.apiserver.tasks import pods as P
from sigma.apiserver.tasks.writes import Fence, fenced, remove_pod
from sigma.resources import APP, BATCH_JOB, TASK
from sigma.store import Compare, Delete, Store
from sigma.store.codec import decode
from sigma.v1 import batch_pb2, pod_pb2, task_pb2

OWNER_KINDS = {P.APP_KIND: APP, P.JOB_KIND: BATCH_JOB}
FINISHED = frozenset({task_pb2.TASK_STATE_SUCCEEDED, task_pb2.TASK_STATE_FAILED})
Owners = Mapping[tuple[str, str, str], str]  # (kind, namespace, name) → uid


JOB_DONE = frozenset({batch_pb2.BATCH_JOB_PHASE_SUCCEEDED, batch_pb2.BATCH_JOB_PHASE_FAILED})
Finished = Mapping[tuple[str, str], tuple[str, float]]  # (namespace, job) → (uid, finished at)


@dataclass(slots=True)
class GcDecision:
    orphans: list[pod_pb2.Pod] = field(default_factory=list)
    expired: list[task_pb2.Task] = field(default_factory=list)
    done: list[pod_pb2.Pod] = field(default_factory=list)  # stopped pods of finished jobs


def of_finished_job(pod: pod_pb2.Pod, finished: Finished, now: float, retention: float) -> bool:
    """True for a stopped pod of this incarnation of a job that finished ``retention`` ago."""
    if not P.removable_at_once(pod):
        return False
    for ref in pod.meta.owner_references:
        if ref.kind == P.JOB_KIND:
            uid, at = finished.get((pod.meta.namespace, ref.name), ("", 0.0))
            return bool(uid) and uid == ref.uid and now - at >= retention
    return False


def orphaned(pod: pod_pb2.Pod, owners: Owners) -> bool:
    """True when an owner the pod names is absent or a different incarnation."""
    for ref in pod.meta.owner_references:
        if ref.kind in OWNER_KINDS:
            uid = owners.get((ref.kind, pod.meta.namespace, ref.name))
            if uid is None or (ref.uid and uid != ref.uid):
                return True
    return False


def decide(
    pods: Sequence[pod_pb2.Pod],
    owners: Owners,
    tasks: Sequence[task_pb2.Task],
    now: float,
    retention: float,
    finished: Finished | None = None,
    pod_retention: float = 0.0,
) -> GcDecision:
    """Orphaned pods (not already stopping), finished tasks past ``retention`` seconds, and
    stopped pods of jobs finished ``pod_retention`` seconds ago."""
    out = GcDecision()
    if finished:
        out.done = [
            p
            for p in pods
            if not orphaned(p, owners) and of_finished_job(p, finished, now, pod_retention)
        ]
    out.orphans = [
        p for p in pods if orphaned(p, owners) and (not P.terminating(p) or P.removable_at_once(p))
    ]
    out.expired = [
        t
        for t in tasks
        if t.status.state in FINISHED
        and t.status.HasField("finished_at")
        and now - t.status.finished_at.ToNanoseconds() / 1e9 >= retention
    ]
    return out


async def reconcile(
    store: Store,
    now: float,
    *,
    retention: float,
    pod_retention: float = 3600.0,
    fence: Fence = (),
    cache: ControllerCache | None = None,
) -> int:
    """One pass; returns how many pods and tasks it removed."""
    cache = cache or await ControllerCache.snapshot(store)
    owners: dict[tuple[str, str, str], str] = {}
    finished: dict[tuple[str, str], tuple[str, float]] = {}
    for kind_name, owner_kind in ((P.APP_KIND, APP_OWNER), (P.JOB_KIND, JOB_OWNER)):
        for _, obj in cache.owners(owner_kind).items():
            owners[(kind_name, obj.meta.namespace, obj.meta.name)] = obj.meta.uid
            if owner_kind == JOB_OWNER and obj.status.phase in JOB_DONE:
                at = obj.status.finish_time.ToNanoseconds() / 1e9
                finished[(obj.meta.namespace, obj.meta.name)] = (obj.meta.uid, at)
    pods = suspects(cache, owners, finished, now, pod_retention)
    tasks = [t for _, t in cache.tasks.items()]
    decision = decide(pods, owners, tasks, now, retention, finished, pod_retention)
    removed = 0
    for pod in decision.done:
        removed += await remove_pod(store, pod, now, fence)
    for pod in decision.orphans:
        if await _confirmed_orphan(store, pod):
            removed += await remove_pod(store, pod, now, fence)
    for task in decision.expired:
        key = TASK.key(task.meta.namespace, task.meta.name)
        removed += await fenced(
            store, fence, [Compare(key, task.meta.resource_version)], [Delete(key)]
        )
    return removed


def suspects(
    cache: ControllerCache, owners: Owners, finished: Finished, now: float, pod_retention: float
) -> list[pod_pb2.Pod]:
    """The pods ``decide`` may remove, found by owner reference rather than by reading every
    pod: those naming an owner that is gone or another incarnation, and those of jobs finished
    ``pod_retention`` ago."""
    out: dict[str, pod_pb2.Pod] = {}  # by key: a pod naming two suspect owners is one pod
    for kind, ns, name, uid in cache.references():
        if kind not in OWNER_KINDS:
            continue
        current = owners.get((kind, ns, name))
        done = finished.get((ns, name)) if kind == P.JOB_KIND else None
        if (
            current is None
            or (uid and uid != current)
            or (done is not None and done[0] == uid and now - done[1] >= pod_retention)
        ):
            for pod in cache.referring(kind, ns, name, uid):
                out[f"{pod.meta.namespace}/{pod.meta.name}"] = pod
    return list(out.values())


async def _confirmed_orphan(store: Store, pod: pod_pb2.Pod) -> bool:
    """Re-read the owners from the store: the listing above may predate a fresh owner."""
    fresh: dict[tuple[str, str, str], str] = {}
    for ref in pod.meta.owner_references:
        kind = OWNER_KINDS.get(ref.kind)
        if kind is not None:
            kv = await store.get(kind.key(pod.meta.namespace, ref.name))
            if kv is not None:
                fresh[(ref.kind, pod.meta.namespace, ref.name)] = decode(kind.message, kv).meta.uid
    return orphaned(pod, fresh)
