"""The batch job controller: releases DAG tasks, retries failed instances, keeps job status.

It runs jobs of one pod per instance attempt; a job on workers (``spec.workers``) is run by
its job master in the scheduler tier instead, and this controller leaves it alone.

``decide`` is pure: from a job and its pods it says which pods to create (instances of tasks
whose dependencies all succeeded, and re-runs of failed or evicted instances within their retry
budget), which to stop (the rest of a job that failed), and the job's new status. ``reconcile``
applies it with compare-and-swap writes; pod names are deterministic
(``<job>-<task>-<index>-<attempt>``), so a repeated pass never creates an instance twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import overload

from google.protobuf.timestamp_pb2 import Timestamp

from sigma.apiserver.controllers.cache import JOB_OWNER, ControllerCache, visit
from sigma.apiserver.tasks import pods as P
from sigma.apiserver.tasks.writes import Fence, create_pod, fenced, remove_pod
from sigma.resources import BATCH_JOB
from sigma.store import Compare, Put, Store
from sigma.store.codec import encode
from sigma.v1 import batch_pb2, pod_pb2

T = batch_pb2
DONE_JOB = frozenset(
    {T.BATCH_JOB_PHASE_SUCCEEDED, T.BATCH_JOB_PHASE_FAILED, T.BATCH_JOB_PHASE_CANCELLED}
)
_STARTED = frozenset(
    {pod_pb2.POD_PHASE_RUNNING, pod_pb2.POD_PHASE_SUCCEEDED, pod_pb2.POD_PHASE_FAILED}
)


class Instances(Sequence[pod_pb2.Pod]):
    """The pods to create, stamped only when read: a task worker creating a few pods per step
    of a job with thousands of instances reads a few, not thousands, per step."""

    def __init__(self, job: batch_pb2.BatchJob) -> None:
        self.job = job
        self._todo: list[tuple[batch_pb2.BatchTask, int, int]] = []
        self._made: dict[int, pod_pb2.Pod] = {}

    def add(self, task: batch_pb2.BatchTask, index: int, attempt: int) -> None:
        self._todo.append((task, index, attempt))

    def clear(self) -> None:
        self._todo.clear()
        self._made.clear()

    def __len__(self) -> int:
        return len(self._todo)

    @overload
    def __getitem__(self, i: int) -> pod_pb2.Pod: ...
    @overload
    def __getitem__(self, i: slice) -> list[pod_pb2.Pod]: ...
    def __getitem__(self, i: int | slice) -> pod_pb2.Pod | list[pod_pb2.Pod]:
        if isinstance(i, slice):
            return [self._pod(n) for n in range(len(self._todo))[i]]
        return self._pod(range(len(self._todo))[i])

    def _pod(self, n: int) -> pod_pb2.Pod:
        """Stamped once: every read of one instance is the same pod."""
        pod = self._made.get(n)
        if pod is None:
            pod = self._made[n] = P.batch_pod(self.job, *self._todo[n])
        return pod


@dataclass(slots=True)
class JobDecision:
    create: Sequence[pod_pb2.Pod] = field(default_factory=list)
    stop: list[pod_pb2.Pod] = field(default_factory=list)
    status: batch_pb2.BatchJobStatus | None = None  # None: unchanged


def retries_allowed(job: batch_pb2.BatchJob, task: batch_pb2.BatchTask) -> int:
    """The task's own max_retries when set (even 0), else the job's."""
    return task.max_retries if task.HasField("max_retries") else job.spec.max_retries


def decide(job: batch_pb2.BatchJob, pods: Sequence[pod_pb2.Pod], now: float) -> JobDecision:
    """What to do for ``job`` given its pods (this incarnation's only); ``now`` in epoch seconds.

    A job on workers (``spec.workers``) is its master's, in the scheduler tier: nothing here."""
    if job.status.phase in DONE_JOB or job.spec.HasField("workers"):
        return JobDecision()
    attempts: dict[tuple[str, int], list[pod_pb2.Pod]] = {}
    for pod in pods:
        attempts.setdefault((pod.spec.batch_task_name, pod.spec.instance_index), []).append(pod)
    for runs in attempts.values():
        runs.sort(key=P.attempt_of)
    tasks = {t.name: t for t in job.spec.tasks}
    instances = Instances(job)
    out = JobDecision(create=instances)
    statuses: dict[str, batch_pb2.BatchTaskStatus] = {}

    def visit(name: str) -> batch_pb2.BatchTaskStatus:
        if name not in statuses:
            task = tasks[name]
            deps = [visit(d).phase for d in task.depends_on if d in tasks]
            statuses[name] = _task_status(job, task, deps, attempts, instances)
        return statuses[name]

    status = batch_pb2.BatchJobStatus()
    status.CopyFrom(job.status)
    del status.tasks[:]
    status.tasks.extend(visit(t.name) for t in job.spec.tasks)
    status.observed_generation = job.meta.generation
    phases = [t.phase for t in status.tasks]
    failed = [t.name for t in status.tasks if t.phase == T.BATCH_TASK_PHASE_FAILED]
    if failed:
        status.phase = T.BATCH_JOB_PHASE_FAILED
        status.message = f"task {failed[0]} ran out of retries"
        instances.clear()
        out.stop = [p for p in pods if not P.finished(p) and not P.terminating(p)]
    elif all(p == T.BATCH_TASK_PHASE_SUCCEEDED for p in phases):
        status.phase = T.BATCH_JOB_PHASE_SUCCEEDED
        status.message = "every task succeeded"
    elif any(p.status.phase in _STARTED or p.status.HasField("start_time") for p in pods):
        status.phase = T.BATCH_JOB_PHASE_RUNNING
        status.message = ""
    else:
        status.phase = T.BATCH_JOB_PHASE_PENDING
    if status.phase != T.BATCH_JOB_PHASE_PENDING and not status.HasField("start_time"):
        status.start_time.CopyFrom(_stamp(now))
    if status.phase in DONE_JOB:
        status.finish_time.CopyFrom(_stamp(now))
    if status != job.status:
        out.status = status
    return out


def _task_status(
    job: batch_pb2.BatchJob,
    task: batch_pb2.BatchTask,
    deps: list[int],
    attempts: dict[tuple[str, int], list[pod_pb2.Pod]],
    create: Instances,
) -> batch_pb2.BatchTaskStatus:
    """One task's counts and phase; adds the instances it needs created to ``create``."""
    st = batch_pb2.BatchTaskStatus(name=task.name)
    if any(d in (T.BATCH_TASK_PHASE_FAILED, T.BATCH_TASK_PHASE_CANCELLED) for d in deps):
        st.phase = T.BATCH_TASK_PHASE_CANCELLED
        return st
    if any(d != T.BATCH_TASK_PHASE_SUCCEEDED for d in deps):
        st.phase = T.BATCH_TASK_PHASE_WAITING
        return st
    budget = retries_allowed(job, task)
    for index in range(task.instances):
        runs = attempts.get((task.name, index), [])
        last = runs[-1] if runs else None
        attempt = P.attempt_of(last) if last is not None else -1
        st.retries += max(attempt, 0)
        phase = last.status.phase if last is not None else None
        if last is None or (
            phase in (pod_pb2.POD_PHASE_FAILED, pod_pb2.POD_PHASE_EVICTED) and attempt < budget
        ):
            create.add(task, index, attempt + 1)
            st.pending += 1
        elif phase == pod_pb2.POD_PHASE_SUCCEEDED:
            st.succeeded += 1
        elif phase in (pod_pb2.POD_PHASE_FAILED, pod_pb2.POD_PHASE_EVICTED):
            st.failed += 1
        elif phase == pod_pb2.POD_PHASE_RUNNING:
            st.running += 1
        else:
            st.pending += 1
    if st.failed:
        st.phase = T.BATCH_TASK_PHASE_FAILED
    elif st.succeeded == task.instances:
        st.phase = T.BATCH_TASK_PHASE_SUCCEEDED
    elif st.running or st.succeeded or st.retries:
        st.phase = T.BATCH_TASK_PHASE_RUNNING
    else:
        st.phase = T.BATCH_TASK_PHASE_PENDING
    return st


def _stamp(now: float) -> Timestamp:
    ts = Timestamp()
    ts.FromNanoseconds(int(now * 1e9))
    return ts


async def reconcile(
    store: Store, now: float, *, fence: Fence = (), cache: ControllerCache | None = None
) -> int:
    """One pass over the jobs that changed (every job without a ``cache``, or on a resync);
    returns the number of writes made."""
    cache = cache or await ControllerCache.snapshot(store)
    writes = 0
    for job in visit(cache, JOB_OWNER, now):
        if job.meta.HasField("deletion_timestamp"):
            continue  # a destroy task is tearing it down
        meta = job.meta
        pods = [
            p
            for p in cache.owned(JOB_OWNER, meta.namespace, meta.name)
            if P.owned_by(p, P.JOB_KIND, meta.name, meta.uid)
        ]
        decision = decide(job, pods, now)
        for pod in decision.create:
            writes += await create_pod(store, pod, now, fence)
        for pod in decision.stop:
            writes += await remove_pod(store, pod, now, fence)
        if decision.status is not None:
            job.status.CopyFrom(decision.status)
            key = BATCH_JOB.key(meta.namespace, meta.name)
            ops = [Put(key, encode(job))]
            writes += await fenced(store, fence, [Compare(key, meta.resource_version)], ops)
    return writes
