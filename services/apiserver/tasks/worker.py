"""Task workers: every apiserver replica runs one; any of them may carry out any task.

A worker watches tasks (an ``Informer``) and task claims. It claims a PENDING task, or a
RUNNING one whose claim vanished (its holder's lease expired), in one transaction: the task is
rewritten RUNNING with owner, attempts + 1 and lease, and the claim key
``/sigma/v1/taskclaims/<ns>/<name>`` is created with a fresh store lease, only if the task is
still at the revision read and the claim key is absent. Liveness is the store's to judge: a
claim lives exactly as long as its lease.

While it holds the claim the worker keeps the lease alive and a ``TaskAttempt`` (see
``attempt``) steps the task to its end, every write fenced on the claim; a lost lease stops the
attempt at once. Attempts are bounded: a task that kills every worker ends FAILED.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

from google.protobuf.wrappers_pb2 import StringValue

from sigma.apiserver.tasks.attempt import Claim, TaskAttempt, finished
from sigma.apiserver.tasks.settings import TaskSettings
from sigma.apiserver.tasks.writes import FenceLost
from sigma.clock import Clock, SystemClock
from sigma.election import keep_lease, while_held
from sigma.errors import SigmaError
from sigma.log import get_logger, request_scope
from sigma.resources import TASK
from sigma.store import Compare, Put, Store
from sigma.store.codec import encode
from sigma.store.informer import Handler, Informer
from sigma.v1 import task_pb2

__all__ = ["CLAIMS", "OPEN", "Claim", "TaskSettings", "TaskWorker", "claim_key"]

log = get_logger("sigma.apiserver.tasks")
CLAIMS = "/sigma/v1/taskclaims/"
S = task_pb2
OPEN = frozenset({S.TASK_STATE_UNSPECIFIED, S.TASK_STATE_PENDING, S.TASK_STATE_RUNNING})


def claim_key(task_key: str) -> str:
    return CLAIMS + TASK.object_key(task_key)


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
        self.settings = settings or TaskSettings()
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
                    if len(self._running) >= self.settings.concurrency:
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
        now, ttl = self.wall(), self.settings.lease_ttl
        if task.status.attempts >= self.settings.max_attempts:
            out = finished(task, S.TASK_STATE_FAILED, "out of attempts", now)
            await self.store.txn(unclaimed, [Put(key, encode(out))])
            return None
        lease = await self.store.grant_lease(ttl)
        new = task_pb2.Task()
        new.CopyFrom(task)
        st = new.status
        st.state, st.owner, st.lease_id = S.TASK_STATE_RUNNING, self.identity, lease
        st.attempts += 1
        st.lease_expires_at.FromNanoseconds(int((now + ttl) * 1e9))
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
        s = self.settings
        keeper = keep_lease(self.store, claim.lease, s.lease_ttl, self.clock)
        attempt = TaskAttempt(self.store, claim, clock=self.clock, wall=self.wall, settings=s)
        drive = await while_held(attempt.drive(), keeper, lambda: self._revoke(claim.lease))
        if drive.cancelled():
            return
        exc = drive.exception()
        if exc is None:
            self.finished += 1
        elif not isinstance(exc, FenceLost):
            log.error("task attempt failed", extra={"task": claim.key, "error": repr(exc)})
