"""What a task does next, decided from the target and its pods as they are now: pure, no I/O.

Planning is level-triggered: the worker reads the target and its pods, asks ``plan`` for one
step, applies it, and asks again. Nothing is remembered between steps, so a worker resuming a
task after another one crashed makes exactly the decisions the first would have made.

An App task (publish, scale or upgrade) always converges the App's pods to the App as it is:
``target_replicas`` pods stamped from the current template. Scale-down removes the least
valuable pods first (``pods.value_key``). A template change replaces pods while at most
``max_unavailable`` replicas are missing or unready, or fewer than ``spec.min_available`` when
that is set (the disruption budget, ``sigma.resources.apps``); surge is not used, so the bound
is at least one (otherwise a rollout with max_unavailable 0 could never start).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sigma.apiserver.controllers import batchjob
from sigma.apiserver.tasks import pods as P
from sigma.resources.apps import min_available, target_replicas
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
    held: int = 0  # ready pods the disruption budget keeps from going this round


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


class _Budget:
    """The removals a disruption budget pays for: ready pods above min_available; unready
    ones are free. Counts the ready pods it had to refuse."""

    def __init__(self, allowance: int) -> None:
        self.allowance, self.held = allowance, 0

    def pays_for(self, pod: pod_pb2.Pod) -> bool:
        if not P.ready(pod):
            return True
        if self.allowance <= 0:
            self.held += 1
            return False
        self.allowance -= 1
        return True


def plan_app(app: app_pb2.App, pods: Sequence[pod_pb2.Pod]) -> Step:
    """Converge ``pods`` to the App: count first, then the template, within the budget.

    Removing a ready pod (a scale-down's surplus or a stale replica) spends the disruption
    budget: the ready pods above ``min_available``. Unready and finished pods go first and
    cost nothing; a ready pod the budget cannot pay for stays until others become ready.
    """
    want = target_replicas(app)
    digest = P.template_hash(app.spec.template)
    live = [p for p in pods if not P.terminating(p) and not P.finished(p)]
    remove = [p for p in pods if P.finished(p) and not P.terminating(p)]
    floor = min_available(app)
    budget = _Budget(sum(map(P.ready, live)) - floor)
    surplus = len(live) - want
    for pod in P.least_valuable(live, digest) if surplus > 0 else ():
        if surplus <= 0:
            break
        if budget.pays_for(pod):
            remove.append(pod)
            surplus -= 1
    create_n = max(0, want - len(live))
    stale = [
        p
        for p in P.least_valuable(live, digest)
        if p.spec.template_hash != digest and p not in remove
    ]
    for pod in stale:
        if budget.pays_for(pod):
            remove.append(pod)
            create_n += 1
    held = budget.held
    terminating = sum(map(P.terminating, pods))
    updated = sum(1 for p in live if p.spec.template_hash == digest)
    progress = (min(updated, want), want)
    if not remove and not create_n:
        done = not stale and not terminating and not held
        message = "" if done else f"waiting: {len(stale)} stale, {terminating} stopping"
        if held:
            ready = sum(map(P.ready, live))
            message += f"; disruption budget holds {held} (ready {ready}, min available {floor})"
        return Step(done=done, wait=not done, progress=progress, message=message, held=held)
    return Step(
        create=tuple(P.app_pod(app, n, digest) for n in _free_ordinals(pods, create_n)),
        remove=tuple(remove),
        progress=progress,
        message=f"creating {create_n}, removing {len(remove)}",
        held=held,
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
