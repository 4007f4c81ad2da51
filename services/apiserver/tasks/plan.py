"""What a task does next, decided from the target and its pods as they are now: pure, no I/O.

Planning is level-triggered: the worker reads the target and its pods, asks ``plan`` for one
step, applies it, and asks again. Nothing is remembered between steps, so a worker resuming a
task after another one crashed makes exactly the decisions the first would have made.

An App task (publish, scale or upgrade) always converges the App's pods to the App as it is:
``desired_replicas`` pods stamped from the current template. Scale-down removes the least
valuable pods first (``pods.value_key``). A template change replaces pods while at most
``max_unavailable`` replicas are missing or unready; surge is not used, so the bound is at
least one (otherwise a rollout with max_unavailable 0 could never start).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from sigma.apiserver.controllers import batchjob
from sigma.apiserver.tasks import pods as P
from sigma.v1 import app_pb2, batch_pb2, pod_pb2, task_pb2

Target = app_pb2.App | batch_pb2.BatchJob

SUPERSEDED = "superseded"
GONE = "gone"


@dataclass(frozen=True, slots=True)
class Step:
    """One round of work. ``wait``: nothing can be done until pods change (a rollout waits
    for replacements to become ready, a destroy for nodes to stop pods)."""

    create: Sequence[pod_pb2.Pod] = ()  # may stamp pods as read: slice what you need
    remove: tuple[pod_pb2.Pod, ...] = ()
    delete_target: bool = False
    done: bool = False
    wait: bool = False
    failed: str = ""
    progress: tuple[int, int] = (0, 0)
    message: str = ""


def owner_kind(task: task_pb2.Task) -> str:
    return (
        P.JOB_KIND if task.spec.target_kind == task_pb2.TASK_TARGET_KIND_BATCH_JOB else P.APP_KIND
    )


def check_target(task: task_pb2.Task, target: Target | None) -> str:
    """Why the task should finish without acting ("" when it should go on).

    GONE: the target no longer exists, or a same-named object replaced it. SUPERSEDED: the
    target's spec moved on (a later task carries the newer intent) or it is being destroyed.
    A destroy is never superseded, and a vanished target is what it wants.
    """
    if task.spec.kind == task_pb2.TASK_KIND_DESTROY:
        return ""
    if target is None or (task.spec.target_uid and target.meta.uid != task.spec.target_uid):
        return GONE
    if target.meta.HasField("deletion_timestamp"):
        return SUPERSEDED
    if task.spec.target_generation and target.meta.generation > task.spec.target_generation:
        return SUPERSEDED
    return ""


def desired_replicas(app: app_pb2.App) -> int:
    """spec.replicas, or the time-sharing loop's current ask (never below the floor)."""
    spec = app.spec
    shared = app.status.time_sharing_replicas
    if not spec.time_sharing.enabled or shared <= 0:
        return spec.replicas
    floor = spec.min_replicas or spec.replicas
    return max(min(shared, spec.replicas), min(floor, spec.replicas))


def max_unavailable(policy: app_pb2.RollingUpgradePolicy, replicas: int) -> int:
    """The larger of the count and the (rounded-down) percentage; 25% when nothing is set."""
    percent = policy.max_unavailable_percent
    if not (
        policy.max_unavailable
        or policy.max_unavailable_percent
        or policy.max_surge
        or policy.max_surge_percent
    ):
        percent = 25
    return max(1, policy.max_unavailable, math.floor(replicas * percent / 100))


def plan(task: task_pb2.Task, target: Target | None, pods: Sequence[pod_pb2.Pod]) -> Step:
    """The next step of ``task``; ``pods`` are the pods owned by the task's target."""
    kind = task.spec.kind
    if kind == task_pb2.TASK_KIND_DESTROY:
        return plan_destroy(target, pods, task.status.progress_total)
    if isinstance(target, app_pb2.App) and kind in (
        task_pb2.TASK_KIND_PUBLISH,
        task_pb2.TASK_KIND_SCALE,
        task_pb2.TASK_KIND_UPGRADE,
    ):
        return plan_app(target, pods)
    if isinstance(target, batch_pb2.BatchJob) and kind == task_pb2.TASK_KIND_PUBLISH:
        decision = batchjob.decide(target, pods, now=0.0)
        created = len(decision.create)
        return Step(create=decision.create, done=not created, progress=(0, created))
    return Step(failed=f"{task_pb2.TaskKind.Name(kind)} does not apply to {owner_kind(task)}")


def plan_destroy(target: Target | None, pods: Sequence[pod_pb2.Pod], seen_total: int) -> Step:
    """Remove every pod (placed ones are stopped by their node first), then the target.

    The target itself goes only when it is marked deleted: a cancelled BatchJob keeps its
    record (phase CANCELLED) for inspection once its pods are gone.
    """
    total = max(seen_total, len(pods))
    progress = (total - len(pods), total)
    remove = tuple(p for p in pods if not P.terminating(p) or P.removable_at_once(p))
    if pods:
        return Step(
            remove=remove, wait=not remove, progress=progress, message=f"{len(pods)} pods left"
        )
    if target is not None and target.meta.HasField("deletion_timestamp"):
        return Step(delete_target=True, progress=progress, message="deleting the target")
    return Step(done=True, progress=progress)


def plan_app(app: app_pb2.App, pods: Sequence[pod_pb2.Pod]) -> Step:
    """Converge ``pods`` to the App: count first, then the template, within the budget."""
    want = desired_replicas(app)
    digest = P.template_hash(app.spec.template)
    live = [p for p in pods if not P.terminating(p) and not P.finished(p)]
    remove = [p for p in pods if P.finished(p) and not P.terminating(p)]
    create_n = 0
    if len(live) > want:
        excess = P.least_valuable(live, digest)[: len(live) - want]
        remove += excess
        live = [p for p in live if p not in excess]
    else:
        create_n = want - len(live)
    budget = max_unavailable(app.spec.upgrade, want) - (want - sum(map(P.ready, live)))
    stale = [p for p in P.least_valuable(live, digest) if p.spec.template_hash != digest]
    for pod in stale:
        if P.ready(pod):
            if budget <= 0:
                continue
            budget -= 1
        remove.append(pod)
        create_n += 1
    terminating = sum(map(P.terminating, pods))
    updated = sum(1 for p in live if p.spec.template_hash == digest)
    progress = (min(updated, want), want)
    if not remove and not create_n:
        done = not stale and not terminating
        message = "" if done else f"waiting: {len(stale)} stale, {terminating} stopping"
        return Step(done=done, wait=not done, progress=progress, message=message)
    return Step(
        create=tuple(P.app_pod(app, n, digest) for n in _free_ordinals(pods, create_n)),
        remove=tuple(remove),
        progress=progress,
        message=f"creating {create_n}, removing {len(remove)}",
    )


def _free_ordinals(pods: Sequence[pod_pb2.Pod], n: int) -> list[int]:
    """The ``n`` lowest ordinals no pod holds (a stopping pod still holds its name)."""
    taken = {p.spec.instance_index for p in pods}
    out: list[int] = []
    ordinal = 0
    while len(out) < n:
        if ordinal not in taken:
            out.append(ordinal)
        ordinal += 1
    return out
