"""The scheduling queue: active (ready now), backoff (failed recently), unschedulable.

Active is a heap ordered by priority (higher first), online before batch, then arrival.
A pod that fits nowhere waits in unschedulable until a cluster event that one of the plugins
that rejected it cares about (``wakes``), or until ``unschedulable_timeout`` passes; a pod that
lost a race waits out an exponential backoff. Time comes from an injected clock.

Pods of one *shape* (``shape_of``: pods the framework cannot tell apart, so they fit the same
nodes) wait behind one head: only the head sits in unschedulable, the others are parked. When
the head is tried, the next of its shape is made ready behind it, so if the head fits the rest
follow one by one, and if it does not they cost nothing. A backlog of thousands of like batch
pods thus costs an event or a retry one pod per shape, not one per pod.
"""

from __future__ import annotations

import enum
import heapq
import itertools
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from sigma.clock import Clock
from sigma.scheduler.framework.interfaces import ClusterEvent
from sigma.scheduler.framework.types import Code, PodInfo, Status

# Events that may turn an unresolvable verdict (no node, whatever room is freed) around: a
# changed App (its per-host cap) or changed interference rules.
_REOPENS = frozenset({ClusterEvent.APP_UPDATE, ClusterEvent.RULES_UPDATE})


class Where(enum.IntEnum):
    ACTIVE = 1
    BACKOFF = 2
    UNSCHEDULABLE = 3
    PARKED = 4  # unschedulable, behind the head of its shape


@dataclass(slots=True)
class QueuedPod:
    pod: PodInfo
    where: Where
    seq: int
    enqueued_at: float
    attempts: int = 0
    ready_at: float = 0.0
    last: Status | None = None
    shape: Hashable | None = None


Wakes = Callable[[frozenset[str], ClusterEvent], bool]
ShapeOf = Callable[[PodInfo], Hashable | None]


class Shapes:
    """The queue's pods by shape: the head standing for each shape, and the pods parked
    behind it (unschedulable like it, so not worth trying while it fails)."""

    def __init__(self, entries: dict[str, QueuedPod]) -> None:
        self._entries = entries  # the queue's own: every pod waiting
        self._heads: dict[Hashable, str] = {}  # shape → the pod standing for it
        self._parked: dict[Hashable, OrderedDict[str, None]] = {}  # shape → pods behind it

    def park(self, entry: QueuedPod) -> bool:
        """File an unschedulable ``entry`` by its shape; False when it is to wait on its own
        (no shape) or as its shape's head, True when it was parked behind the head.

        Within a round the scheduler's view only shrinks, so once ``entry`` failed any pod of
        its shape still waiting to be tried would fail too: a head that is ready (made ready
        behind a pod that was tried, or woken) is parked again, at the front, and ``entry``
        stands for the shape."""
        shape, key = entry.shape, entry.pod.key
        if shape is None:
            return False
        head_key = self._heads.get(shape, key)
        head = self._entries.get(head_key)
        if head is None or head_key == key:
            self._heads[shape] = key
            return False
        parked = self._parked.setdefault(shape, OrderedDict())
        if head.where in (Where.ACTIVE, Where.BACKOFF):
            head.where = Where.PARKED  # its heap entry goes stale (checked on pop and flush)
            parked[head_key] = None
            parked.move_to_end(head_key, last=False)
            self._heads[shape] = key
            return False
        entry.where = Where.PARKED
        parked[key] = None  # behind the others: they came first
        return True

    def hand_over(self, entry: QueuedPod) -> QueuedPod | None:
        """``entry`` stops standing for its shape (it is being tried, or gone): the next parked
        pod of the shape stands for it instead, returned to be made ready in ``entry``'s place
        in line, so if ``entry`` fits the shape keeps the room it was woken for, pod after pod,
        as a backlog of unparked pods woken together would (they sit in line side by side);
        pods of other shapes woken after it wait their turn behind it."""
        shape = entry.shape
        if shape is None or self._heads.get(shape) != entry.pod.key:
            return None
        del self._heads[shape]
        parked = self._parked.get(shape)
        if not parked:
            return None
        key, _ = parked.popitem(last=False)
        if not parked:
            del self._parked[shape]
        self._heads[shape] = key
        return self._entries[key]

    def unpark(self, entry: QueuedPod) -> None:
        if entry.where is Where.PARKED:
            parked = self._parked.get(entry.shape)
            if parked is not None:
                parked.pop(entry.pod.key, None)
                if not parked:
                    del self._parked[entry.shape]
            entry.where = Where.ACTIVE  # until the caller files it anew


class SchedulingQueue:
    def __init__(
        self,
        clock: Clock,
        *,
        initial_backoff: float = 0.1,
        max_backoff: float = 10.0,
        unschedulable_timeout: float = 60.0,
        wakes: Wakes | None = None,
        shape_of: ShapeOf | None = None,
    ) -> None:
        self.clock = clock
        self.initial_backoff = initial_backoff
        self.max_backoff = max_backoff
        self.unschedulable_timeout = unschedulable_timeout
        self._wakes = wakes or (lambda plugins, event: True)
        self._shape_of = shape_of or (lambda pod: None)
        self._entries: dict[str, QueuedPod] = {}
        self._shapes = Shapes(self._entries)
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
        self._shapes.unpark(entry)
        self._hand_over(entry)  # its shape may change with it
        entry.pod = pod
        entry.shape = self._shape_of(pod)
        if entry.where is not Where.BACKOFF:
            self._activate(entry)

    def delete(self, key: str) -> None:
        entry = self._entries.pop(key, None)
        self._unschedulable.pop(key, None)
        if entry is not None:
            self._shapes.unpark(entry)
            self._hand_over(entry)

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
                self._hand_over(entry)
                return entry
        return None

    def failed(self, entry: QueuedPod, status: Status) -> None:
        """Put back a pod whose attempt did not end in a binding."""
        if entry.pod.key in self._entries:  # re-added while in flight: the newer copy wins
            return
        entry.last = status
        self._entries[entry.pod.key] = entry
        if status.code in (Code.UNSCHEDULABLE, Code.UNRESOLVABLE) and self._shapes.park(entry):
            return
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
            if entry.last and entry.last.code is Code.UNRESOLVABLE and event not in _REOPENS:
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

    def app_pods(self, app: str) -> list[str]:
        """The keys of the waiting pods of ``app`` ("namespace/name"). A scan: it runs when an
        App's curve or spread policy changes, which is rare beside attempts."""
        return [key for key, entry in self._entries.items() if entry.pod.app == app]

    def pending(self) -> list[QueuedPod]:
        """Every waiting pod, in the order they would be tried."""
        return sorted(self._entries.values(), key=lambda e: (e.where, _order(e.pod), e.seq))

    def _hand_over(self, entry: QueuedPod) -> None:
        """``entry`` stops standing for its shape: the next of the shape takes its place in
        line (``Shapes.hand_over``)."""
        nxt = self._shapes.hand_over(entry)
        if nxt is not None:
            self._activate(nxt, seq=entry.seq)  # its place in line: it follows right behind

    def _activate(self, entry: QueuedPod, seq: int | None = None) -> None:
        self._unschedulable.pop(entry.pod.key, None)
        entry.where = Where.ACTIVE
        entry.seq = next(self._seq) if seq is None else seq
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
