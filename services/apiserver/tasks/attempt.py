"""One attempt at a claimed task: step it to its end while the claim holds.

Each step reads the target and its pods, asks ``plan.plan`` for a step, applies it and records
progress; level-triggered, so any step may be the first one (a resumed task picks up where its
last holder stopped). Every write is fenced on the claim key, so an attempt whose claim lapsed
can no longer write anything; pod names are deterministic and creates are create-if-absent,
so a resumed task never makes a second copy. The finishing write (SUCCEEDED or FAILED, with
the claim deleted in the same transaction) can happen once only.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass

from sigma.apiserver.tasks import plan as planner
from sigma.apiserver.tasks import pods as P
from sigma.apiserver.tasks.settings import TaskSettings
from sigma.apiserver.tasks.writes import FenceLost, check_fence, create_pod, fenced, remove_pod
from sigma.clock import Clock, first_of
from sigma.errors import SigmaError
from sigma.log import get_logger
from sigma.resources import APP, BATCH_JOB, POD
from sigma.store import Compare, Delete, Put, Store
from sigma.store.codec import decode, encode
from sigma.v1 import app_pb2, batch_pb2, pod_pb2, task_pb2

log = get_logger("sigma.apiserver.tasks")
S = task_pb2
Target = app_pb2.App | batch_pb2.BatchJob


@dataclass(slots=True)
class Claim:
    key: str  # the task's store key
    claim_key: str
    claim_revision: int
    lease: int
    task: task_pb2.Task  # as last written by this worker, resource_version current

    @property
    def fence(self) -> list[Compare]:
        return [Compare(self.claim_key, self.claim_revision)]


class TaskAttempt:
    """Drives ``claim``'s task; ``wall`` gives epoch seconds for the timestamps it writes and
    ``clock`` paces its retries and waits."""

    def __init__(
        self,
        store: Store,
        claim: Claim,
        *,
        clock: Clock,
        wall: Callable[[], float],
        settings: TaskSettings,
    ) -> None:
        self.store = store
        self.claim = claim
        self.clock = clock
        self.wall = wall
        self.settings = settings

    async def drive(self) -> None:
        """Step the task to its end; a retriable failure waits ``poll`` and steps again."""
        while True:
            try:
                if await self._step():
                    return
            except FenceLost:
                raise
            except SigmaError as exc:
                if not exc.retriable:
                    raise
                log.warning("task step failed", extra={"task": self.claim.key, "error": str(exc)})
                await self.clock.sleep(self.settings.poll)

    async def _step(self) -> bool:
        task, s = self.claim.task, self.settings
        target, target_rev = await self._target()
        why = planner.check_target(task, target)
        if why:
            state = S.TASK_STATE_SUCCEEDED if why == planner.SUPERSEDED else S.TASK_STATE_FAILED
            await self._finish(state, f"target {why}")
            return True
        pods, revision = await self._pods(target)
        step = planner.plan(task, target, pods)
        if step.failed or step.done:
            state = S.TASK_STATE_FAILED if step.failed else S.TASK_STATE_SUCCEEDED
            await self._finish(state, step.failed or "done", step.progress)
            return True
        now, fence = self.wall(), self.claim.fence
        # A job's instances start slowly, then double each step (as Kubernetes' Job controller
        # does): a step re-reads the job's pods, so a fixed step would read n²/step pods.
        size = s.step_size
        if task.spec.target_kind == S.TASK_TARGET_KIND_BATCH_JOB:
            size = max(size, len(pods))
        for pod in step.create[:size]:
            await create_pod(self.store, pod, now, fence)
        for pod in step.remove[: s.step_size]:
            await remove_pod(self.store, pod, now, fence)
        if step.delete_target and target is not None:
            key = _target_key(task)
            await fenced(self.store, fence, [Compare(key, target_rev)], [Delete(key)])
        await self._record(step.progress, step.message)
        if step.wait:
            await self._await_change(_owned_prefix(task), revision)
        elif s.step_interval > 0:
            await self.clock.sleep(s.step_interval)  # pacing: see ApiServerSettings
        return False

    async def _target(self) -> tuple[Target | None, int]:
        task = self.claim.task
        kv = await self.store.get(_target_key(task))
        if kv is None:
            return None, 0
        is_job = task.spec.target_kind == S.TASK_TARGET_KIND_BATCH_JOB
        msg = batch_pb2.BatchJob if is_job else app_pb2.App
        return decode(msg, kv), kv.mod_revision

    async def _pods(self, target: Target | None) -> tuple[list[pod_pb2.Pod], int]:
        """The pods of exactly this incarnation of the target, and the revision read at."""
        task = self.claim.task
        kind, name = planner.owner_kind(task), task.spec.target_name
        # The prefix lists more than the owner's pods: ``owned_by`` decides, so "web-2" of App
        # "web" and App "web-2" stay apart.
        listing = await self.store.list(_owned_prefix(task))
        uid = task.spec.target_uid or (target.meta.uid if target is not None else "")
        pods = [decode(pod_pb2.Pod, kv) for kv in listing.items]
        return [p for p in pods if P.owned_by(p, kind, name, uid)], listing.revision

    async def _await_change(self, prefix: str, revision: int) -> None:
        """Until something under ``prefix`` changes after ``revision``, or ``poll`` passes."""

        async def first_event() -> None:
            async with contextlib.aclosing(
                self.store.watch(prefix, start_revision=revision + 1)  # type: ignore[type-var]
            ) as events:
                async for _ in events:
                    return

        await first_of(first_event(), self.clock.sleep(self.settings.poll))

    # -- writing the task -------------------------------------------------------------------
    async def _record(self, progress: tuple[int, int], message: str) -> None:
        def change(task: task_pb2.Task) -> list[Put | Delete]:
            st = task.status
            st.progress_done, st.progress_total = progress
            st.message = message
            expires = self.wall() + self.settings.lease_ttl
            st.lease_expires_at.FromNanoseconds(int(expires * 1e9))
            return [Put(self.claim.key, encode(task))]

        await self._write_task(change)

    async def _finish(
        self, state: int, message: str, progress: tuple[int, int] | None = None
    ) -> None:
        """The one finishing write: terminal state and claim deleted together, fenced."""
        claim = self.claim

        def change(task: task_pb2.Task) -> list[Put | Delete]:
            if progress is not None:
                task.status.progress_done, task.status.progress_total = progress
            done = finished(task, state, message, self.wall())
            return [Put(claim.key, encode(done)), Delete(claim.claim_key)]

        await self._write_task(change)
        log.info("task finished", extra={"task": claim.key, "state": S.TaskState.Name(state)})

    async def _write_task(self, change: Callable[[task_pb2.Task], list[Put | Delete]]) -> None:
        """Apply ``change`` to the task with a CAS fenced on the claim; re-read if others wrote."""
        claim = self.claim
        while True:
            task = task_pb2.Task()
            task.CopyFrom(claim.task)
            ops = change(task)
            compares = [Compare(claim.key, claim.task.meta.resource_version), *claim.fence]
            result = await self.store.txn(compares, ops)
            if result.succeeded:
                task.meta.resource_version = result.revision
                claim.task = task
                return
            await check_fence(self.store, claim.fence)
            kv = await self.store.get(claim.key)
            if kv is None:
                raise FenceLost(f"{claim.key} was deleted")
            claim.task = decode(task_pb2.Task, kv)


def finished(task: task_pb2.Task, state: int, message: str, now: float) -> task_pb2.Task:
    """``task`` ended in ``state`` at ``now`` (a copy: the caller writes it)."""
    out = task_pb2.Task()
    out.CopyFrom(task)
    out.status.state = state  # type: ignore[assignment]
    out.status.message = message
    out.status.finished_at.FromNanoseconds(int(now * 1e9))
    return out


def _owned_prefix(task: task_pb2.Task) -> str:
    """Where the target's pods are: owned pods are named "<target>-..." (see tasks.pods)."""
    return POD.key(task.meta.namespace, f"{task.spec.target_name}-")


def _target_key(task: task_pb2.Task) -> str:
    kind = BATCH_JOB if task.spec.target_kind == S.TASK_TARGET_KIND_BATCH_JOB else APP
    return kind.key(task.meta.namespace, task.spec.target_name)
