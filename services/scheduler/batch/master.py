"""The job master (Fuxi's JobMaster): one job's DAG and instance state, in memory.

Events go in (a worker granted or resized, a worker revoked or lost, an instance finished ok
or failed); actions come out (``dispatch``: which instance to run on which worker;
``release``: which workers to give back). No I/O, no clock: the tier's loop feeds events from
the workers' streams and acts on what it is told, and the benchmark and the tests drive the
same object directly.

Instance state is the ``Ledger``'s, a few bytes per instance; only in-flight instances sit in
a set, on the worker that holds them.

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
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import IntEnum
from typing import NamedTuple

from sigma.errors import Invalid
from sigma.scheduler.batch.ledger import DONE, FAILED, QUEUED, RUNNING, Ledger, Restored
from sigma.scheduler.batch.spec import JobSpec


class Phase(IntEnum):
    """Task and job phases; the values are the proto's ``BatchTaskPhase`` numbers."""

    WAITING = 1
    PENDING = 2
    RUNNING = 3
    SUCCEEDED = 4
    FAILED = 5
    CANCELLED = 6


FINAL = frozenset({Phase.SUCCEEDED, Phase.FAILED, Phase.CANCELLED})


class Dispatch(NamedTuple):
    """Run instance ``index`` of task number ``task`` on ``worker``; ``attempt`` counts the
    failures before it (0 on the first run), so a worker can name the run in its logs."""

    worker: str
    task: int
    index: int
    attempt: int


@dataclass(slots=True)
class Worker:
    """A leased worker pod: ``slots`` instances at once, ``held`` the ones it runs now."""

    id: str
    node: str
    slots: int
    held: set[int] = field(default_factory=set)


class JobMaster:
    """One job's master. ``blacklist_after`` 0 never blacklists a node; ``restored``: per
    task number, what its last checkpoint recorded (a resume)."""

    def __init__(
        self,
        spec: JobSpec,
        *,
        blacklist_after: int = 3,
        restored: Mapping[int, Restored] | None = None,
    ) -> None:
        self.spec = spec
        self.blacklist_after = blacklist_after
        self.ledger = books = Ledger(spec)
        # The books' arrays and counts, read often enough to be named here too.
        self.state, self.failures = books.state, books.failures
        self.done, self.running, self.failed, self.retries = (
            books.done,
            books.running,
            books.failed,
            books.retries,
        )
        tasks = spec.tasks
        self._dependents: list[list[int]] = [[] for _ in tasks]
        for t, task in enumerate(tasks):
            for d in task.depends_on:
                self._dependents[d].append(t)
        self._ready: list[int] = []  # released tasks that may have queued work, in order
        self.phase = [Phase.WAITING] * len(tasks)
        self.workers: dict[str, Worker] = {}
        self._room: dict[str, None] = {}  # usable workers with a free slot, in grant order
        self._streak: dict[str, int] = {}  # failures in a row per node
        self.blacklisted: set[str] = set()
        self.dirty: set[int] = set()  # tasks changed since their last checkpoint
        self.dispatched = self.duplicates = self.stale = 0
        self.job_phase = Phase.PENDING
        self.message = ""
        for t, record in (restored or {}).items():
            books.restore(t, record)
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
            key = self.ledger.key(task, index)
            if self.state[key] == QUEUED:
                self.state[key] = RUNNING
                self.running[task] += 1
                w.held.add(key)
                self._started(task)
        usable = w.node not in self.blacklisted and self.job_phase not in FINAL
        if usable and len(w.held) < w.slots:
            self._room[w.id] = None
        else:
            self._room.pop(w.id, None)

    def revoke(self, worker: str) -> None:
        """The worker is gone (released, evicted, or its node lost): its in-flight instances
        go back to the queue, without using a re-run."""
        w = self.workers.pop(worker, None)
        if w is None:
            return
        self._room.pop(worker, None)
        for key in sorted(w.held):
            if self.state[key] == RUNNING:
                self._requeue(self.ledger.task_of(key), key)

    def finished(self, worker: str, task: int, index: int, ok: bool) -> None:
        """Instance ``index`` of task number ``task`` ended on ``worker``."""
        key = self.ledger.key(task, index)
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
            if self.done[task] == self.ledger.n[task]:
                self._succeeded(task)
            return
        if holder is None:
            self.stale += 1
            return
        self._failed_on(holder.node)
        self.retries[task] += 1
        self.dirty.add(task)
        failures = self.failures[key] + 1
        self.failures[key] = min(failures, 0xFFFF)
        budget = self.ledger.budget[task]
        if failures <= budget:
            self._requeue(task, key)
            return
        self.state[key] = FAILED
        self.running[task] -= 1
        self.failed[task] += 1
        name = self.spec.tasks[task].name
        self._fail(
            task, f"instance {index} of task {name} failed {failures} times (max_retries {budget})"
        )

    # ---- actions ------------------------------------------------------------------------

    def dispatch(self) -> list[Dispatch]:
        """Fill every free slot of every usable worker from the released tasks, in
        dependency order then instance order (re-runs first)."""
        out: list[Dispatch] = []
        room = self._room
        if not room or not self._ready:
            return out
        state, failures, off, take = self.state, self.failures, self.ledger.off, self.ledger.take
        for wid in list(room):
            w = self.workers[wid]
            free = w.slots - len(w.held)
            while free > 0:
                t = self._next_task()
                if t < 0:
                    break
                key, first = take(t)
                if key < 0:
                    continue
                if first:
                    self._started(t)
                state[key] = RUNNING
                w.held.add(key)
                self.running[t] += 1
                out.append(Dispatch(wid, t, key - off[t], failures[key]))
                free -= 1
            if free > 0:
                break  # no queued work left
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
        live = (Phase.PENDING, Phase.RUNNING)
        return sum(self.ledger.left(t) for t, p in enumerate(self.phase) if p in live)

    @property
    def queued(self) -> int:
        """Instances of released tasks waiting for a slot."""
        return self.backlog - sum(
            self.running[t] for t, p in enumerate(self.phase) if p in (Phase.PENDING, Phase.RUNNING)
        )

    # ---- internals ----------------------------------------------------------------------

    def _next_task(self) -> int:
        """The first released task with queued work (-1: none); drops exhausted ones."""
        ready = self._ready
        while ready:
            t = ready[0]
            if self.ledger.has_work(t):
                return t
            ready.pop(0)
        return -1

    def _requeue(self, t: int, key: int) -> None:
        self.ledger.give_back(t, key)
        if self.phase[t] not in FINAL and t not in self._ready:
            bisect.insort(self._ready, t)

    def _started(self, t: int) -> None:
        if self.phase[t] == Phase.PENDING:
            self.phase[t] = Phase.RUNNING
            if self.job_phase == Phase.PENDING:
                self.job_phase = Phase.RUNNING

    def _release_if_ready(self, t: int) -> None:
        if self.phase[t] != Phase.WAITING:
            return
        if any(self.phase[d] != Phase.SUCCEEDED for d in self.spec.tasks[t].depends_on):
            return
        self.phase[t] = Phase.PENDING
        if self.done[t] == self.ledger.n[t]:
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
        """Task ``t`` is out of re-runs: it and the job fail, every other unfinished task is
        cancelled, and nothing more is dispatched."""
        self.phase[t] = Phase.FAILED
        for other, phase in enumerate(self.phase):
            if phase not in FINAL:
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
