"""The scheduling queue: active (ready now), backoff (failed recently), unschedulable.

Active is a heap ordered by priority (higher first), online before batch, then arrival.
A pod that fits nowhere waits in unschedulable until a cluster event that one of the plugins
that rejected it cares about (``wakes``), or until ``unschedulable_timeout`` passes; a pod that
lost a race waits out an exponential backoff. Time comes from an injected clock.
"""

from __future__ import annotations

import enum
import heapq
import itertools
from collections.abc import Callable
from dataclasses import dataclass

from sigma.clock import Clock
from sigma.scheduler.framework.interfaces import ClusterEvent
from sigma.scheduler.framework.types import Code, PodInfo, Status


class Where(enum.IntEnum):
    ACTIVE = 1
    BACKOFF = 2
    UNSCHEDULABLE = 3


@dataclass(slots=True)
class QueuedPod:
    pod: PodInfo
    where: Where
    seq: int
    enqueued_at: float
    attempts: int = 0
    ready_at: float = 0.0
    last: Status | None = None


Wakes = Callable[[frozenset[str], ClusterEvent], bool]


class SchedulingQueue:
    def __init__(
        self,
        clock: Clock,
        *,
        initial_backoff: float = 0.1,
        max_backoff: float = 10.0,
        unschedulable_timeout: float = 60.0,
        wakes: Wakes | None = None,
    ) -> None:
        self.clock = clock
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff
        self.unschedulable_timeout = unschedulable_timeout
        self._wakes = wakes or (lambda plugins, event: True)
        self._entries: dict[str, QueuedPod] = {}
        self._active: list[tuple[int, int, int, str]] = []
        self._backoff: list[tuple[float, int, str]] = []
        self._unschedulable: dict[str, QueuedPod] = {}
        self._expiry: list[tuple[float, int, str]] = []  # unschedulable, by retry deadline
        self._seq = itertools.count()

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, key: str) -> bool:
        return key in self._entries

    def add(self, pod: PodInfo) -> None:
        """A new or changed pending pod: (re)try it now."""
        entry = self._entries.get(pod.key)
        if entry is None:
            entry = QueuedPod(pod, Where.ACTIVE, 0, self.clock.now())
            self._entries[pod.key] = entry
        entry.pod = pod
        if entry.where is not Where.BACKOFF:
            self._activate(entry)

    def delete(self, key: str) -> None:
        self._entries.pop(key, None)
        self._unschedulable.pop(key, None)

    def pop(self) -> QueuedPod | None:
        """The next pod to try, removed from the queue (in flight), or None."""
        self.flush()
        while self._active:
            _, _, seq, key = heapq.heappop(self._active)
            entry = self._entries.get(key)
            if entry is not None and entry.where is Where.ACTIVE and entry.seq == seq:
                del self._entries[key]
                self._unschedulable.pop(key, None)
                entry.attempts += 1
                return entry
        return None

    def failed(self, entry: QueuedPod, status: Status) -> None:
        """Put back a pod whose attempt did not end in a binding."""
        if entry.pod.key in self._entries:  # re-added while in flight: the newer copy wins
            return
        entry.last = status
        self._entries[entry.pod.key] = entry
        if status.code in (Code.UNSCHEDULABLE, Code.UNRESOLVABLE):
            entry.where = Where.UNSCHEDULABLE
            entry.seq = next(self._seq)
            entry.ready_at = self.clock.now() + self.unschedulable_timeout
            self._unschedulable[entry.pod.key] = entry
            heapq.heappush(self._expiry, (entry.ready_at, entry.seq, entry.pod.key))
        else:
            self._to_backoff(entry)

    def on_event(self, event: ClusterEvent) -> int:
        """Wake the unschedulable pods ``event`` may help; returns how many moved."""
        moved = 0
        for entry in list(self._unschedulable.values()):
            plugins = entry.last.plugins if entry.last else frozenset()
            if (
                entry.last
                and entry.last.code is Code.UNRESOLVABLE
                and event is not (ClusterEvent.APP_UPDATE)
            ):
                continue
            if not plugins or self._wakes(plugins, event):
                self._to_backoff(entry)
                moved += 1
        return moved

    def flush(self) -> None:
        """Move due backoff pods to active, and long-waiting unschedulable pods to backoff."""
        now = self.clock.now()
        while self._backoff and self._backoff[0][0] <= now:
            _, seq, key = heapq.heappop(self._backoff)
            entry = self._entries.get(key)
            if entry is not None and entry.where is Where.BACKOFF and entry.seq == seq:
                self._activate(entry)
        while self._expiry and self._expiry[0][0] <= now:
            _, seq, key = heapq.heappop(self._expiry)
            entry = self._unschedulable.get(key)
            if entry is not None and entry.seq == seq:
                self._to_backoff(entry)

    def next_ready_at(self) -> float | None:
        """When the next backoff pod becomes active (None: nothing waits in backoff)."""
        while self._backoff:
            ready, seq, key = self._backoff[0]
            entry = self._entries.get(key)
            if entry is not None and entry.where is Where.BACKOFF and entry.seq == seq:
                return ready
            heapq.heappop(self._backoff)
        return None

    def pending(self) -> list[QueuedPod]:
        """Every waiting pod, in the order they would be tried."""
        return sorted(self._entries.values(), key=lambda e: (e.where, _order(e.pod), e.seq))

    def _activate(self, entry: QueuedPod) -> None:
        self._unschedulable.pop(entry.pod.key, None)
        entry.where = Where.ACTIVE
        entry.seq = next(self._seq)
        heapq.heappush(self._active, (*_order(entry.pod), entry.seq, entry.pod.key))

    def _to_backoff(self, entry: QueuedPod) -> None:
        self._unschedulable.pop(entry.pod.key, None)
        # The exponent is capped: a pod waiting for days reaches thousands of attempts, and
        # 2.0 ** 1024 overflows a float.
        doublings = min(max(0, entry.attempts - 1), 64)
        delay = min(self.max_backoff, self.initial_backoff * 2.0**doublings)
        entry.where = Where.BACKOFF
        entry.seq = next(self._seq)
        entry.ready_at = self.clock.now() + delay
        heapq.heappush(self._backoff, (entry.ready_at, entry.seq, entry.pod.key))


def _order(pod: PodInfo) -> tuple[int, int]:
    return (-pod.priority, int(pod.batch))
