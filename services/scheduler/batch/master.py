"""The job master (Fuxi's JobMaster): one job's DAG and instance state, in memory.

Events go in (a worker granted or resized, a worker revoked or lost, an instance finished ok
or failed); actions come out (``dispatch``: which instance to run on which worker;
``release``: which workers to give back). No I/O, no clock: the tier's loop feeds events from
the workers' streams and acts on what it is told, and the benchmark and the tests drive the
same object directly.

Memory is a few bytes per instance, never an object per instance (jobs reach ~100k): all
instances of the job share one flat numbering (task ``t``'s instance ``i`` is
``offset[t] + i``); ``state`` is one byte each, ``failures`` two. Queued work is a cursor per
task over never-run instances plus a deque of the few that came back (retries, lost workers);
only in-flight instances sit in a set, on the worker that holds them, so the structures that
grow with the job are the two arrays.

Delivery is at least once, accounting exactly once:

- a revoked or lost worker's in-flight instances go back to the queue (they may have run);
- a success is accepted once per instance, from whichever worker reports it, even one the
  master no longer knows (a worker declared lost that was only slow, or a worker re-reporting
  to a master resumed after a failover); every further success for it is a ``duplicate``,
  ignored and counted;
- a failure counts only from the worker that holds the instance; a failure from elsewhere is
  ``stale`` (the instance was already re-queued when that worker went away).

A failure uses one of the instance's re-runs (the task's ``max_retries``, else the job's); an
instance out of re-runs fails its task, which fails the job and cancels what depends on it.
A worker's revocation or loss uses none (the instance did not fail). A node on which
``blacklist_after`` instances failed in a row (a success there resets the count) gets no
more instances: a node where everything fails is broken, one where a few fail among successes
is not.
"""

from __future__ import annotations

import bisect
from array import array
from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from typing import NamedTuple

import numpy as np

from sigma.errors import Invalid
from sigma.scheduler.batch.spec import JobSpec
from sigma.v1 import batch_pb2

# Instance states, one byte each.
QUEUED, RUNNING, DONE, FAILED = 0, 1, 2, 3


class Phase(IntEnum):
    """Task and job phases; the values are the proto's ``BatchTaskPhase`` numbers."""

    WAITING = 1
    PENDING = 2
    RUNNING = 3
    SUCCEEDED = 4
    FAILED = 5
    CANCELLED = 6


FINAL = frozenset({Phase.SUCCEEDED, Phase.FAILED, Phase.CANCELLED})
# A job's phase is kept in the same enum; the proto numbers jobs' phases apart.
JOB_PHASE = {
    Phase.PENDING: batch_pb2.BATCH_JOB_PHASE_PENDING,
    Phase.RUNNING: batch_pb2.BATCH_JOB_PHASE_RUNNING,
    Phase.SUCCEEDED: batch_pb2.BATCH_JOB_PHASE_SUCCEEDED,
    Phase.FAILED: batch_pb2.BATCH_JOB_PHASE_FAILED,
    Phase.CANCELLED: batch_pb2.BATCH_JOB_PHASE_CANCELLED,
}


class Dispatch(NamedTuple):
    """Run instance ``index`` of task number ``task`` on ``worker``; ``attempt`` counts the
    failures before it (0 on the first run), so a worker can name the run in its logs."""

    worker: str
    task: int
    index: int
    attempt: int


class Restored(NamedTuple):
    """A task's progress as a checkpoint kept it: which instances are done, and the failures
    so far of those that are not (their re-runs stay used across a resume)."""

    done: np.ndarray  # bool, one per instance
    failures: Mapping[int, int]  # instance index -> failures


@dataclass(slots=True)
class Worker:
    """A leased worker pod: ``slots`` instances at once, ``held`` the ones it runs now."""

    id: str
    node: str
    slots: int
    held: set[int] = field(default_factory=set)


@dataclass(frozen=True, slots=True)
class TaskProgress:
    """One task's figures, what its status and the change stream carry."""

    name: str
    phase: Phase
    total: int
    pending: int
    running: int
    done: int
    failed: int
    retries: int
    workers: int  # workers holding one of its instances now


class JobMaster:
    """One job's master. ``blacklist_after`` 0 never blacklists a node."""

    def __init__(
        self,
        spec: JobSpec,
        *,
        blacklist_after: int = 3,
        restored: Mapping[int, Restored] | None = None,
    ) -> None:
        """``restored``: per task number, what its last checkpoint recorded (a resume)."""
        self.spec = spec
        self.blacklist_after = blacklist_after
        tasks = spec.tasks
        self._n = [t.instances for t in tasks]
        self._off = [0] * len(tasks)
        for t in range(1, len(tasks)):
            self._off[t] = self._off[t - 1] + self._n[t - 1]
        self._budget = [t.max_retries for t in tasks]
        self._dependents: list[list[int]] = [[] for _ in tasks]
        for t, task in enumerate(tasks):
            for d in task.depends_on:
                self._dependents[d].append(t)
        total = spec.instances
        self.state = bytearray(total)
        self.failures = array("H", bytes(2 * total))
        self._cursor = [0] * len(tasks)
        self._requeue: list[deque[int]] = [deque() for _ in tasks]
        self._ready: list[int] = []  # released tasks that may have queued work, in order
        self.phase = [Phase.WAITING] * len(tasks)
        self.done = [0] * len(tasks)
        self.running = [0] * len(tasks)
        self.failed = [0] * len(tasks)
        self.retries = [0] * len(tasks)
        self.workers: dict[str, Worker] = {}
        self._room: dict[str, None] = {}  # workers with a free slot, in grant order
        self._streak: dict[str, int] = {}  # failures in a row per node
        self.blacklisted: set[str] = set()
        self.dirty: set[int] = set()  # tasks changed since their last checkpoint
        self.dispatched = 0
        self.duplicates = 0
        self.stale = 0
        self.job_phase = Phase.PENDING
        self.message = ""
        for t, record in (restored or {}).items():
            self._restore(t, record)
        for t in range(len(tasks)):
            self._release_if_ready(t)
        for t in range(len(tasks)):
            if self.failed[t] and self.job_phase not in FINAL:
                self._fail(t, f"task {tasks[t].name} had failed before the resume")

    # ---- events -------------------------------------------------------------------------

    def grant(
        self, worker: str, node: str, slots: int, running: Iterable[tuple[int, int]] = ()
    ) -> None:
        """A worker is up on ``node`` with ``slots`` (again: a resize). ``running`` are the
        ``(task, index)`` it reports running, as a worker re-joining a resumed master does:
        they are adopted, not run again."""
        if slots < 0:
            raise Invalid("slots", f"{slots} is negative")
        w = self.workers.get(worker)
        if w is None:
            w = self.workers[worker] = Worker(worker, node, slots)
        w.slots = slots
        for task, index in running:
            key = self._key(task, index)
            if self.state[key] == QUEUED:
                self.state[key] = RUNNING
                self.running[task] += 1
                w.held.add(key)
                self._started(task)
        self._update_room(w)

    def revoke(self, worker: str) -> None:
        """The worker is gone (released, evicted, or its node lost): its in-flight instances
        go back to the queue, without using a re-run."""
        w = self.workers.pop(worker, None)
        if w is None:
            return
        self._room.pop(worker, None)
        for key in sorted(w.held):
            if self.state[key] == RUNNING:
                t = self._task_of(key)
                self.state[key] = QUEUED
                self.running[t] -= 1
                self._requeue_key(t, key)

    def finished(self, worker: str, task: int, index: int, ok: bool) -> None:
        """Instance ``index`` of task number ``task`` ended on ``worker``."""
        key = self._key(task, index)
        w = self.workers.get(worker)
        holder = w if w is not None and key in w.held else None
        if holder is not None:
            holder.held.discard(key)
            if holder.node not in self.blacklisted and self.job_phase not in FINAL:
                self._room[worker] = None
        st = self.state[key]
        if st >= DONE:  # DONE or FAILED: already accounted
            self.duplicates += 1
            return
        if ok:
            self.state[key] = DONE
            if st == RUNNING:
                self.running[task] -= 1
            self.done[task] += 1
            self.dirty.add(task)
            if holder is not None:
                self._streak[holder.node] = 0
            if self.done[task] == self._n[task]:
                self._succeeded(task)
            return
        if holder is None:
            self.stale += 1
            return
        self._failed_on(holder.node)
        self.running[task] -= 1
        self.retries[task] += 1
        self.dirty.add(task)
        failures = self.failures[key] + 1
        self.failures[key] = min(failures, 0xFFFF)
        if failures > self._budget[task]:
            self.state[key] = FAILED
            self.failed[task] += 1
            name, budget = self.spec.tasks[task].name, self._budget[task]
            self._fail(
                task,
                f"instance {index} of task {name} failed {failures} times (max_retries {budget})",
            )
        else:
            self.state[key] = QUEUED
            self._requeue_key(task, key)

    # ---- actions ------------------------------------------------------------------------

    def dispatch(self) -> list[Dispatch]:
        """Fill every free slot of every usable worker from the released tasks, in
        dependency order then instance order (re-runs first)."""
        out: list[Dispatch] = []
        room = self._room
        if not room or not self._ready:
            return out
        state, failures, off = self.state, self.failures, self._off
        for wid in list(room):
            w = self.workers[wid]
            free = w.slots - len(w.held)
            while free > 0:
                t = self._next_task()
                if t < 0:
                    return out
                key = self._take(t)
                if key < 0:
                    continue
                state[key] = RUNNING
                w.held.add(key)
                self.running[t] += 1
                out.append(Dispatch(wid, t, key - off[t], failures[key]))
                free -= 1
            del room[wid]
        self.dispatched += len(out)
        return out

    def release(self) -> list[str]:
        """Workers to give back: all of them once the job is over, else the idle ones on a
        blacklisted node. (Releasing for want of backlog is the sizing's call.)"""
        over = self.job_phase in FINAL
        return [
            w.id
            for w in self.workers.values()
            if over or (w.node in self.blacklisted and not w.held)
        ]

    # ---- views --------------------------------------------------------------------------

    @property
    def backlog(self) -> int:
        """Instances of released tasks still to run (queued or running)."""
        return sum(
            self._n[t] - self.done[t] - self.failed[t]
            for t in range(len(self._n))
            if self.phase[t] in (Phase.PENDING, Phase.RUNNING)
        )

    @property
    def queued(self) -> int:
        """Instances of released tasks waiting for a slot."""
        return sum(
            self._n[t] - self.done[t] - self.failed[t] - self.running[t]
            for t in range(len(self._n))
            if self.phase[t] in (Phase.PENDING, Phase.RUNNING)
        )

    def arrays(self, t: int) -> tuple[np.ndarray, np.ndarray]:
        """Task number ``t``'s instance states and failures, as views (no copy)."""
        off, n = self._off[t], self._n[t]
        state = np.frombuffer(self.state, dtype=np.uint8)[off : off + n]
        return state, np.frombuffer(self.failures, dtype=np.uint16)[off : off + n]

    def progress(self) -> list[TaskProgress]:
        holders = [0] * len(self._n)
        for w in self.workers.values():
            for t in {self._task_of(k) for k in w.held}:
                holders[t] += 1
        return [
            TaskProgress(
                task.name,
                self.phase[t],
                self._n[t],
                self._n[t] - self.done[t] - self.failed[t] - self.running[t],
                self.running[t],
                self.done[t],
                self.failed[t],
                self.retries[t],
                holders[t],
            )
            for t, task in enumerate(self.spec.tasks)
        ]

    def status(self) -> batch_pb2.BatchJobStatus:
        """The job's status as the API shows it (times are the caller's to stamp)."""
        out = batch_pb2.BatchJobStatus(phase=JOB_PHASE[self.job_phase], message=self.message)
        for p in self.progress():
            out.tasks.add(
                name=p.name,
                phase=int(p.phase),
                pending=p.pending,
                running=p.running,
                succeeded=p.done,
                failed=p.failed,
                retries=p.retries,
            )
        return out

    # ---- internals ----------------------------------------------------------------------

    def _restore(self, t: int, record: Restored) -> None:
        off, n = self._off[t], self._n[t]
        if len(record.done) != n:
            raise Invalid(
                "checkpoint",
                f"task {self.spec.tasks[t].name}: {len(record.done)} "
                f"instances recorded, the spec has {n}",
            )
        view = np.frombuffer(self.state, dtype=np.uint8)[off : off + n]
        view[record.done] = DONE
        self.done[t] = int(np.count_nonzero(record.done))
        for index, count in record.failures.items():
            self.failures[off + index] = min(count, 0xFFFF)
            self.retries[t] += count
            if count > self._budget[t] and view[index] != DONE:
                view[index] = FAILED
                self.failed[t] += 1

    def _key(self, task: int, index: int) -> int:
        if not 0 <= task < len(self._n):
            raise Invalid("task", f"job {self.spec.name} has no task number {task}")
        if not 0 <= index < self._n[task]:
            raise Invalid("index", f"task {self.spec.tasks[task].name} has no instance {index}")
        return self._off[task] + index

    def _task_of(self, key: int) -> int:
        return bisect.bisect_right(self._off, key) - 1 if self._n else -1

    def _next_task(self) -> int:
        """The first released task with queued work (-1: none); drops exhausted ones."""
        ready = self._ready
        while ready:
            t = ready[0]
            if self._requeue[t] or self._cursor[t] < self._n[t]:
                return t
            ready.pop(0)
        return -1

    def _take(self, t: int) -> int:
        """The next queued instance of task ``t``, or -1 if what was left was not queued
        (adopted, or finished by a late report)."""
        requeue, state = self._requeue[t], self.state
        while requeue:
            key = requeue.popleft()
            if state[key] == QUEUED:
                return key
        off, n = self._off[t], self._n[t]
        c = self._cursor[t]
        while c < n:
            key = off + c
            c += 1
            if state[key] == QUEUED:
                self._cursor[t] = c
                self._started(t)
                return key
        self._cursor[t] = c
        return -1

    def _requeue_key(self, t: int, key: int) -> None:
        self._requeue[t].append(key)
        if self.phase[t] not in FINAL and t not in self._ready:
            bisect.insort(self._ready, t)

    def _started(self, t: int) -> None:
        if self.phase[t] == Phase.PENDING:
            self.phase[t] = Phase.RUNNING
            self.job_phase = Phase.RUNNING if self.job_phase == Phase.PENDING else self.job_phase

    def _update_room(self, w: Worker) -> None:
        usable = w.node not in self.blacklisted and self.job_phase not in FINAL
        if usable and len(w.held) < w.slots:
            self._room[w.id] = None
        else:
            self._room.pop(w.id, None)

    def _release_if_ready(self, t: int) -> None:
        if self.phase[t] != Phase.WAITING:
            return
        if any(self.phase[d] != Phase.SUCCEEDED for d in self.spec.tasks[t].depends_on):
            return
        self.phase[t] = Phase.PENDING
        if self.done[t] == self._n[t]:
            self._succeeded(t)  # nothing to run (empty, or all done before a resume)
            return
        if self.done[t] or self.retries[t]:
            self._started(t)  # resumed part-way
        bisect.insort(self._ready, t)

    def _succeeded(self, t: int) -> None:
        self.phase[t] = Phase.SUCCEEDED
        self.dirty.add(t)
        for d in self._dependents[t]:
            self._release_if_ready(d)
        if all(p == Phase.SUCCEEDED for p in self.phase):
            self.job_phase = Phase.SUCCEEDED
            self.message = "every task succeeded"
            self._room.clear()

    def _fail(self, t: int, why: str) -> None:
        """Task ``t`` is out of re-runs: it and the job fail, what waits on it is cancelled,
        and nothing more is dispatched."""
        self.phase[t] = Phase.FAILED
        for other in range(len(self._n)):
            if self.phase[other] not in FINAL and other != t:
                self.phase[other] = Phase.CANCELLED
        self.job_phase = Phase.FAILED
        self.message = why
        self._ready.clear()
        self._room.clear()

    def _failed_on(self, node: str) -> None:
        streak = self._streak.get(node, 0) + 1
        self._streak[node] = streak
        if self.blacklist_after and streak >= self.blacklist_after:
            self.blacklisted.add(node)
            for w in self.workers.values():
                if w.node == node:
                    self._room.pop(w.id, None)
