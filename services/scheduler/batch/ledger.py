"""Every instance of one job, in a few bytes each: its state, its failures, the queue.

All of a job's instances share one flat numbering (task ``t``'s instance ``i`` is
``offset[t] + i``); ``state`` is one byte each, ``failures`` two. Queued work is a cursor per
task over never-run instances plus a deque of the few that came back (retries, lost workers),
so what grows with the job is the two arrays, never an object per instance (jobs reach
~100k). The counts per task move with the states: ``done[t]`` is always the number of DONE
bytes of task ``t``, and so on. What to do with an instance is the master's; the ledger only
keeps the books.
"""

from __future__ import annotations

import bisect
from array import array
from collections import deque
from collections.abc import Mapping
from typing import NamedTuple

import numpy as np

from sigma.errors import Invalid
from sigma.scheduler.batch.spec import JobSpec

# Instance states, one byte each.
QUEUED, RUNNING, DONE, FAILED = 0, 1, 2, 3


class Restored(NamedTuple):
    """A task's progress as a checkpoint kept it: which instances are done, and the failures
    so far of those that are not (their re-runs stay used across a resume)."""

    done: np.ndarray  # bool, one per instance
    failures: Mapping[int, int]  # instance index -> failures


class Ledger:
    def __init__(self, spec: JobSpec) -> None:
        self.spec = spec
        self.n = [t.instances for t in spec.tasks]
        self.off = [0] * len(self.n)
        for t in range(1, len(self.n)):
            self.off[t] = self.off[t - 1] + self.n[t - 1]
        self.budget = [t.max_retries for t in spec.tasks]
        total = sum(self.n)
        self.state = bytearray(total)
        self.failures = array("H", bytes(2 * total))
        self.cursor = [0] * len(self.n)
        self.returned: list[deque[int]] = [deque() for _ in self.n]
        self.done = [0] * len(self.n)
        self.running = [0] * len(self.n)
        self.failed = [0] * len(self.n)  # out of re-runs
        self.retries = [0] * len(self.n)  # failures accepted, over all instances

    def key(self, task: int, index: int) -> int:
        """The flat number of instance ``index`` of task number ``task``, checked."""
        if not 0 <= task < len(self.n):
            raise Invalid("task", f"job {self.spec.name} has no task number {task}")
        if not 0 <= index < self.n[task]:
            raise Invalid("index", f"task {self.spec.tasks[task].name} has no instance {index}")
        return self.off[task] + index

    def task_of(self, key: int) -> int:
        return bisect.bisect_right(self.off, key) - 1

    def arrays(self, t: int) -> tuple[np.ndarray, np.ndarray]:
        """Task number ``t``'s instance states and failures, as views (no copy)."""
        off, n = self.off[t], self.n[t]
        state = np.frombuffer(self.state, dtype=np.uint8)[off : off + n]
        return state, np.frombuffer(self.failures, dtype=np.uint16)[off : off + n]

    def left(self, t: int) -> int:
        """Instances of task ``t`` neither done nor failed for good."""
        return self.n[t] - self.done[t] - self.failed[t]

    def has_work(self, t: int) -> bool:
        return bool(self.returned[t]) or self.cursor[t] < self.n[t]

    def take(self, t: int) -> tuple[int, bool]:
        """The next queued instance of task ``t`` (-1: what was left was not queued: adopted,
        or finished by a late report), and whether it is a first run."""
        returned, state = self.returned[t], self.state
        while returned:
            key = returned.popleft()
            if state[key] == QUEUED:
                return key, False
        off, n = self.off[t], self.n[t]
        c = self.cursor[t]
        while c < n:
            key = off + c
            c += 1
            if state[key] == QUEUED:
                self.cursor[t] = c
                return key, True
        self.cursor[t] = c
        return -1, False

    def give_back(self, t: int, key: int) -> None:
        """A running instance back to the queue, ahead of never-run ones."""
        self.state[key] = QUEUED
        self.running[t] -= 1
        self.returned[t].append(key)

    def restore(self, t: int, record: Restored) -> None:
        """Task ``t``'s books from its checkpoint (before anything runs)."""
        n = self.n[t]
        if len(record.done) != n:
            raise Invalid(
                "checkpoint",
                f"task {self.spec.tasks[t].name}: {len(record.done)} instances recorded, "
                f"the spec has {n}",
            )
        state, _ = self.arrays(t)
        state[record.done] = DONE
        self.done[t] = int(np.count_nonzero(record.done))
        for index, count in record.failures.items():
            self.failures[self.off[t] + index] = min(count, 0xFFFF)
            self.retries[t] += count
            if count > self.budget[t] and state[index] != DONE:
                state[index] = FAILED
                self.failed[t] += 1
