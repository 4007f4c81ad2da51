"""Task workers: every apiserver replica runs one; any of them may carry out any task.

A worker watches tasks (an ``Informer``) and task claims. It claims a PENDING task, or a
RUNNING one whose claim vanished (its holder's lease expired), in one transaction: the task is
rewritten RUNNING with owner, attempts + 1 and lease, and the claim key
``/sigma/v1/taskclaims/<ns>/<name>`` is created with a fresh store lease, only if the task is
still at the revision read and the claim key is absent. Liveness is the store's to judge: a
claim lives exactly as long as its lease.

While it holds the claim the worker keeps the lease alive and repeats: read the target and its
pods, ask ``plan.plan`` for a step, apply it, record progress. Every write is fenced on the claim
key, so a worker that lost its claim can no longer write anything; pod names are
deterministic and creates are create-if-absent, so a resumed task never makes a second copy.
The finishing write (SUCCEEDED or FAILED, with the claim deleted in the same transaction)
can happen once only. Attempts are bounded: a task that kills every worker ends FAILED.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable
from dataclasses import dataclass

from google.protobuf.wrappers_pb2 import StringValue

from sigma.apiserver.tasks import plan as planner
from sigma.apiserver.tasks import pods as P
from sigma.apiserver.tasks.writes import FenceLost, check_fence, create_pod, fenced, remove_pod
from sigma.clock import Clock, SystemClock
from sigma.election import keep_lease, while_held
from sigma.errors import SigmaError
from sigma.log import get_logger, request_scope
from sigma.resources import APP, BATCH_JOB, POD, TASK
from sigma.store import Compare, Delete, Put, Store
from sigma.store.codec import decode, encode
from sigma.store.informer import Handler, Informer
from sigma.v1 import app_pb2, batch_pb2, pod_pb2, task_pb2

log = get_logger("sigma.apiserver.tasks")
CLAIMS = "/sigma/v1/taskclaims/"
S = task_pb2
OPEN = frozenset({S.TASK_STATE_UNSPECIFIED, S.TASK_STATE_PENDING, S.TASK_STATE_RUNNING})


def claim_key(task_key: str) -> str:
    return CLAIMS + TASK.object_key(task_key)


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


@dataclass(frozen=True, slots=True)
class TaskSettings:
    lease_ttl: int = 10  # seconds a claim lives without renewal
    concurrency: int = 4  # tasks one worker runs at a time
    max_attempts: int = 5  # claims of one task before it fails for good
    step_size: int = 10  # pods created or removed per step (a job's instances: doubling)
    step_interval: float = 0.0  # seconds between steps (pacing; see ApiServerSettings)
    poll: float = 1.0  # seconds a waiting step waits at most for its pods to change


class TaskWorker:
    """Claims and runs tasks until cancelled; ``concurrency`` tasks at a time at most.

    ``wall`` gives epoch seconds for the timestamps written into objects; ``clock`` paces the
    lease renewals and waits (inject a ``ManualClock`` in tests).
    """

    def __init__(
        self,
        store: Store,
        identity: str,
        *,
        clock: Clock | None = None,
        wall: Callable[[], float] = time.time,
        settings: TaskSettings | None = None,
    ) -> None:
        self.store = store
        self.identity = identity
        self.clock = clock or SystemClock()
        self.wall = wall
        s = settings or TaskSettings()
        self.lease_ttl = s.lease_ttl
        self.concurrency = s.concurrency
        self.max_attempts = s.max_attempts
        self.step_size = s.step_size
        self.step_interval = s.step_interval
        self.poll = s.poll
        self.tasks = Informer(store, TASK.prefix, task_pb2.Task)
        self.claims = Informer(store, CLAIMS, StringValue)
        self._running: dict[str, asyncio.Task[None]] = {}
        self._open: set[str] = set()
        self._wake = asyncio.Event()
        self.finished = 0  # tasks this worker finished (for tests and metrics)

    # -- the claim loop ---------------------------------------------------------------------------
    async def run(self) -> None:
        wake = Handler(on_add=self._poke, on_update=self._poke, on_delete=self._poke)
        await self.tasks.add_handler(
            Handler(
                on_add=self._track,
                on_update=lambda k, o, n: self._track(k, n),
                on_delete=self._untrack,
            )
        )
        await self.claims.add_handler(wake)
        loops = [asyncio.ensure_future(i.run()) for i in (self.tasks, self.claims)]
        try:
            await self.tasks.wait_synced()
            await self.claims.wait_synced()
            while True:
                self._wake.clear()
                for key, task in self.candidates():
                    if len(self._running) >= self.concurrency:
                        break
                    await self._try_claim(key, task)
                await self._wake.wait()
        finally:
            for t in [*loops, *self._running.values()]:
                t.cancel()
            await asyncio.gather(*loops, *self._running.values(), return_exceptions=True)

    def _poke(self, *_: object) -> None:
        self._wake.set()

    def _track(self, key: str, task: task_pb2.Task) -> None:
        """Keep ``_open`` (the open tasks' keys), so a pass never walks finished tasks."""
        if task.status.state in OPEN:
            self._open.add(key)
        else:
            self._open.discard(key)
        self._wake.set()

    def _untrack(self, key: str, _task: task_pb2.Task) -> None:
        self._open.discard(key)
        self._wake.set()

    def candidates(self) -> list[tuple[str, task_pb2.Task]]:
        """Open tasks nobody holds: pending ones, and running ones whose claim key is gone."""
        out = []
        for key in self._open:
            task = self.tasks.get(key)
            if key in self._running or task is None or task.status.state not in OPEN:
                continue
            if task.status.state == S.TASK_STATE_RUNNING and self.claims.get(claim_key(key)):
                continue
            out.append((key, task))
        out.sort(key=lambda kt: (kt[1].meta.creation_timestamp.ToNanoseconds(), kt[0]))
        return out

    async def _try_claim(self, key: str, task: task_pb2.Task) -> None:
        with request_scope(task.meta):  # the claim's logs, and the attempt (it copies the context)
            await self._claim_and_start(key, task)

    async def _claim_and_start(self, key: str, task: task_pb2.Task) -> None:
        try:
            claim = await self.claim(key, task)
        except SigmaError as exc:
            log.warning("claim failed", extra={"task": key, "error": str(exc)})
            return
        if claim is not None:
            job = asyncio.ensure_future(self._execute(claim))
            self._running[key] = job
            job.add_done_callback(lambda _: (self._running.pop(key, None), self._wake.set()))

    async def claim(self, key: str, task: task_pb2.Task) -> Claim | None:
        """Take ``task`` (as read at its resource_version); None when someone else moved first."""
        ckey = claim_key(key)
        unclaimed = [Compare(key, task.meta.resource_version), Compare(ckey, 0)]
        now = self.wall()
        if task.status.attempts >= self.max_attempts:
            out = _finished(task, S.TASK_STATE_FAILED, "out of attempts", now)
            await self.store.txn(unclaimed, [Put(key, encode(out))])
            return None
        lease = await self.store.grant_lease(self.lease_ttl)
        new = task_pb2.Task()
        new.CopyFrom(task)
        st = new.status
        st.state, st.owner, st.lease_id = S.TASK_STATE_RUNNING, self.identity, lease
        st.attempts += 1
        st.lease_expires_at.FromNanoseconds(int((now + self.lease_ttl) * 1e9))
        if not st.HasField("started_at"):
            st.started_at.FromNanoseconds(int(now * 1e9))
        ops = [Put(key, encode(new)), Put(ckey, encode(StringValue(value=self.identity)), lease)]
        result = await self.store.txn(unclaimed, ops)
        if not result.succeeded:
            await self._revoke(lease)
            return None
        new.meta.resource_version = result.revision
        log.info("claimed", extra={"task": key, "attempt": st.attempts, "id": self.identity})
        return Claim(key, ckey, result.revision, lease, new)

    async def _revoke(self, lease: int) -> None:
        with contextlib.suppress(SigmaError):
            await self.store.revoke_lease(lease)

    # -- one task ---------------------------------------------------------------------------------
    async def _execute(self, claim: Claim) -> None:
        """Drive the task while the lease lives; a lost lease stops the drive at once."""
        keeper = keep_lease(self.store, claim.lease, self.lease_ttl, self.clock)
        drive = await while_held(self.drive(claim), keeper, lambda: self._revoke(claim.lease))
        if not drive.cancelled() and drive.exception() is not None:
            exc = drive.exception()
            if not isinstance(exc, FenceLost):
                log.error("task attempt failed", extra={"task": claim.key, "error": repr(exc)})

    async def drive(self, claim: Claim) -> None:
        """Step the task to its end; level-triggered, so any step may be the first one."""
        while True:
            try:
                if await self._step(claim):
                    return
            except FenceLost:
                raise
            except SigmaError as exc:
                if not exc.retriable:
                    raise
                log.warning("task step failed", extra={"task": claim.key, "error": str(exc)})
                await self.clock.sleep(self.poll)

    async def _step(self, claim: Claim) -> bool:
        task = claim.task
        target, target_rev = await self._target(task)
        why = planner.check_target(task, target)
        if why:
            state = S.TASK_STATE_SUCCEEDED if why == planner.SUPERSEDED else S.TASK_STATE_FAILED
            await self._finish(claim, state, f"target {why}")
            return True
        pods, revision = await self._pods(task, target)
        step = planner.plan(task, target, pods)
        if step.failed or step.done:
            state = S.TASK_STATE_FAILED if step.failed else S.TASK_STATE_SUCCEEDED
            await self._finish(claim, state, step.failed or "done", step.progress)
            return True
        now, fence = self.wall(), claim.fence
        # A job's instances start slowly, then double each step (as Kubernetes' Job controller
        # does): a step re-reads the job's pods, so a fixed step would read n²/step pods.
        size = self.step_size
        if task.spec.target_kind == S.TASK_TARGET_KIND_BATCH_JOB:
            size = max(size, len(pods))
        for pod in step.create[:size]:
            await create_pod(self.store, pod, now, fence)
        for pod in step.remove[: self.step_size]:
            await remove_pod(self.store, pod, now, fence)
        if step.delete_target and target is not None:
            key = _target_key(task)
            await fenced(self.store, fence, [Compare(key, target_rev)], [Delete(key)])
        await self._record(claim, step.progress, step.message)
        if step.wait:
            await self._await_change(_owned_prefix(task), revision)
        elif self.step_interval > 0:
            await self.clock.sleep(self.step_interval)  # pacing: see ApiServerSettings
        return False

    async def _target(
        self, task: task_pb2.Task
    ) -> tuple[app_pb2.App | batch_pb2.BatchJob | None, int]:
        kv = await self.store.get(_target_key(task))
        if kv is None:
            return None, 0
        is_job = task.spec.target_kind == S.TASK_TARGET_KIND_BATCH_JOB
        msg = batch_pb2.BatchJob if is_job else app_pb2.App
        return decode(msg, kv), kv.mod_revision

    async def _pods(
        self, task: task_pb2.Task, target: app_pb2.App | batch_pb2.BatchJob | None
    ) -> tuple[list[pod_pb2.Pod], int]:
        """The pods of exactly this incarnation of the target, and the revision read at."""
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

        waits = [
            asyncio.ensure_future(first_event()),
            asyncio.ensure_future(self.clock.sleep(self.poll)),
        ]
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waits:
                w.cancel()
            await asyncio.gather(*waits, return_exceptions=True)

    # -- writing the task -------------------------------------------------------------------
    async def _record(self, claim: Claim, progress: tuple[int, int], message: str) -> None:
        def change(task: task_pb2.Task) -> list[Put | Delete]:
            st = task.status
            st.progress_done, st.progress_total = progress
            st.message = message
            st.lease_expires_at.FromNanoseconds(int((self.wall() + self.lease_ttl) * 1e9))
            return [Put(claim.key, encode(task))]

        await self._write_task(claim, change)

    async def _finish(
        self, claim: Claim, state: int, message: str, progress: tuple[int, int] | None = None
    ) -> None:
        """The one finishing write: terminal state and claim deleted together, fenced."""

        def change(task: task_pb2.Task) -> list[Put | Delete]:
            if progress is not None:
                task.status.progress_done, task.status.progress_total = progress
            done = _finished(task, state, message, self.wall())
            return [Put(claim.key, encode(done)), Delete(claim.claim_key)]

        await self._write_task(claim, change)
        self.finished += 1
        log.info("task finished", extra={"task": claim.key, "state": S.TaskState.Name(state)})

    async def _write_task(
        self, claim: Claim, change: Callable[[task_pb2.Task], list[Put | Delete]]
    ) -> None:
        """Apply ``change`` to the task with a CAS fenced on the claim; re-read if others wrote."""
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


def _owned_prefix(task: task_pb2.Task) -> str:
    """Where the target's pods are: owned pods are named "<target>-..." (see tasks.pods)."""
    return POD.key(task.meta.namespace, f"{task.spec.target_name}-")


def _target_key(task: task_pb2.Task) -> str:
    kind = BATCH_JOB if task.spec.target_kind == S.TASK_TARGET_KIND_BATCH_JOB else APP
    return kind.key(task.meta.namespace, task.spec.target_name)


def _finished(task: task_pb2.Task, state: int, message: str, now: float) -> task_pb2.Task:
    out = task_pb2.Task()
    out.CopyFrom(task)
    out.status.state = state  # type: ignore[assignment]
    out.status.message = message
    out.status.finished_at.FromNanoseconds(int(now * 1e9))
    return out
