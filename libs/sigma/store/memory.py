"""The embedded store: etcd v3's data model in one process (single-machine default, tests).

It keeps what etcd keeps, so code written against it behaves the same on etcd:

* one global revision (1 when empty; every write that changes something takes the next one);
  per key ``create_revision``, ``mod_revision`` and ``version`` (reset by a delete);
* an MVCC history per key, so ``list`` reads at a past revision, and a log of every event, so a
  watch replays from any revision still held; ``compact(c)`` drops what only revisions before
  ``c`` could see, exactly as etcd does (reads at ``c`` itself still work);
* leases whose expiry deletes their keys in one revision, emitting DELETE events. Expiry is checked
  lazily at every call and by a timer task driven by the injected clock, so watchers see it even
  when nobody calls.

Slow watchers: a watcher is a cursor into the event log, not a queue. Writers never wait for
watchers and never buffer per watcher; a watcher that falls behind reads the log at its own pace,
like an unsynced etcd watcher. The only way to lose it is compaction passing its cursor, which ends
it with ``Compacted`` (relist, then rewatch). Memory is bounded by compaction, which a caller owns
(as with etcd, whose history also grows until compacted).

Every method runs without awaiting inside, so each call is atomic on the event loop.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from bisect import bisect_left, bisect_right, insort
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field

from sigma.clock import Clock, SystemClock
from sigma.errors import Compacted, Invalid, NotFound, Unavailable
from sigma.store._types import (
    Compare,
    Delete,
    EventType,
    KeyValue,
    ListResult,
    Op,
    Put,
    TxnResult,
    WatchEvent,
)

_SCAN_CHUNK = 1024  # events a watcher copies out of the log per step, so replays stay incremental


class _History:
    """One key's versions in revision order; ``None`` marks a delete (tombstone)."""

    __slots__ = ("kvs", "revs")

    def __init__(self) -> None:
        self.revs: list[int] = []
        self.kvs: list[KeyValue | None] = []

    def at(self, revision: int) -> KeyValue | None:
        i = bisect_right(self.revs, revision)
        return self.kvs[i - 1] if i else None


@dataclass(slots=True)
class _Lease:
    id: int
    ttl: int
    deadline: float
    keys: set[str] = field(default_factory=set)


@dataclass(slots=True, eq=False)  # identity: watchers live in a set
class _Watcher:
    prefix: str
    next_rev: int  # the first revision this watcher has not yet scanned


class MemoryStore:
    """The ``Store`` port in memory. ``clock`` drives lease expiry (default: monotonic time)."""

    def __init__(self, *, clock: Clock | None = None) -> None:
        self._clock: Clock = clock or SystemClock()
        self._rev = 1
        self._compact_rev = 0
        self._live: dict[str, KeyValue] = {}
        self._hist: dict[str, _History] = {}
        self._keys: list[str] = []  # every key with history, sorted: prefix scans by bisect
        self._dirty: set[str] = (
            set()
        )  # keys compaction may shrink (several versions or a tombstone)
        self._event_revs: list[int] = []
        self._events: list[WatchEvent] = []
        self._watchers: set[_Watcher] = set()
        self._changed = asyncio.Event()
        self._leases: dict[int, _Lease] = {}
        self._deadlines: list[tuple[float, int]] = []  # heap; stale entries skipped on pop
        self._lease_ids = itertools.count(1)
        self._timer: asyncio.Task[None] | None = None
        self._timer_target = float("inf")
        self._closed = False

    # ---- reads

    async def get(self, key: str) -> KeyValue | None:
        self._enter()
        return self._live.get(key)

    async def list(
        self, prefix: str, *, revision: int = 0, limit: int = 0, start_after: str = ""
    ) -> ListResult:
        self._enter()
        at = revision or self._rev
        if at < self._compact_rev:
            raise Compacted(at, self._compact_rev)
        if at > self._rev:
            raise Invalid("revision", f"{at} is a future revision (current {self._rev})")
        keys = self._keys
        i = bisect_left(keys, prefix)
        if start_after and start_after >= prefix:
            i = max(i, bisect_right(keys, start_after))
        items: list[KeyValue] = []
        more = False
        for j in range(i, len(keys)):
            key = keys[j]
            if not key.startswith(prefix):
                break
            kv = self._live.get(key) if at == self._rev else self._hist[key].at(at)
            if kv is None:
                continue
            if limit and len(items) == limit:
                more = True
                break
            items.append(kv)
        return ListResult(items, at, more)

    async def revision(self) -> int:
        self._enter()
        return self._rev

    # ---- writes

    async def put(self, key: str, value: bytes, *, lease: int = 0) -> int:
        self._enter()
        op = Put(key, value, lease)
        self._check_keys([op])
        self._check_leases([op])
        self._apply([op])
        return self._rev

    async def delete(self, key: str) -> int | None:
        self._enter()
        if key not in self._live:
            return None
        self._apply([Delete(key)])
        return self._rev

    async def txn(
        self, compares: Sequence[Compare], success: Sequence[Op], failure: Sequence[Op] = ()
    ) -> TxnResult:
        self._enter()
        self._check_keys(success)
        self._check_keys(failure)
        ok = all(self._mod_revision(c.key) == c.mod_revision for c in compares)
        ops = success if ok else failure
        self._check_leases(ops)  # like etcd: only the branch taken must name live leases
        self._apply(ops)
        return TxnResult(ok, self._rev)

    async def compact(self, revision: int) -> None:
        self._enter()
        if revision <= self._compact_rev:
            raise Compacted(revision, self._compact_rev)
        if revision > self._rev:
            raise Invalid("revision", f"{revision} is a future revision (current {self._rev})")
        self._advance_watchers(revision)
        gone = self._compact_history(revision)
        if gone:
            self._keys = [k for k in self._keys if k not in gone]
        cut = bisect_left(self._event_revs, revision)
        del self._event_revs[:cut]
        del self._events[:cut]
        self._compact_rev = revision

    # ---- watch

    @property
    def watchers(self) -> int:
        """How many watches are open: a caller that gave up must leave none behind."""
        return len(self._watchers)

    async def watch(self, prefix: str, *, start_revision: int) -> AsyncIterator[WatchEvent]:
        """Replays the log from ``start_revision`` (0: from now), then follows it live.

        Ends quietly when the store is closed; raises ``Compacted`` when compaction passes the
        watcher's cursor (at once if ``start_revision`` is already below the compaction point).
        """
        self._enter()
        w = _Watcher(prefix, start_revision if start_revision > 0 else self._rev + 1)
        self._watchers.add(w)
        try:
            while not self._closed:
                if w.next_rev < self._compact_rev:
                    raise Compacted(w.next_rev, self._compact_rev)
                batch, caught_up = self._scan(w)
                for ev in batch:
                    yield ev
                if caught_up and not batch and not self._closed:
                    await self._changed.wait()
        finally:
            self._watchers.discard(w)

    def _scan(self, w: _Watcher) -> tuple[list[WatchEvent], bool]:
        """The next chunk of ``w``'s events, and whether the log is exhausted for it."""
        revs = self._event_revs
        i = bisect_left(revs, w.next_rev)
        end = min(i + _SCAN_CHUNK, len(revs))
        if end < len(revs):
            end = bisect_right(revs, revs[end - 1])  # never split one revision's events
        batch = [ev for ev in self._events[i:end] if ev.kv.key.startswith(w.prefix)]
        if end == len(revs):
            w.next_rev = max(w.next_rev, self._rev + 1)
            return batch, True
        w.next_rev = revs[end - 1] + 1
        return batch, False

    def _advance_watchers(self, revision: int) -> None:
        """Move cursors over compacted revisions that hold nothing for them, so they survive."""
        stop = bisect_left(self._event_revs, revision)
        for w in self._watchers:
            if w.next_rev >= revision:
                continue
            start = bisect_left(self._event_revs, w.next_rev)
            if not any(ev.kv.key.startswith(w.prefix) for ev in self._events[start:stop]):
                w.next_rev = revision

    # ---- leases

    async def grant_lease(self, ttl: int) -> int:
        self._enter()
        ttl = max(1, int(ttl))
        lease = _Lease(next(self._lease_ids), ttl, self._clock.now() + ttl)
        self._leases[lease.id] = lease
        heapq.heappush(self._deadlines, (lease.deadline, lease.id))
        self._arm_timer()
        return lease.id

    async def keep_alive(self, lease: int) -> int:
        self._enter()
        found = self._leases.get(lease)
        if found is None:
            raise NotFound(f"lease {lease:x} not found (expired or revoked)")
        found.deadline = self._clock.now() + found.ttl
        heapq.heappush(self._deadlines, (found.deadline, lease))
        return found.ttl

    async def revoke_lease(self, lease: int) -> None:
        self._enter()
        if lease not in self._leases:
            raise NotFound(f"lease {lease:x} not found (expired or revoked)")
        self._revoke(lease)

    async def close(self) -> None:
        self._closed = True
        self._changed.set()
        if self._timer is not None:
            self._timer.cancel()
            await asyncio.gather(self._timer, return_exceptions=True)
            self._timer = None

    # ---- internals

    def _enter(self) -> None:
        if self._closed:
            raise Unavailable("store is closed")
        self._expire_due()

    def _mod_revision(self, key: str) -> int:
        kv = self._live.get(key)
        return kv.mod_revision if kv else 0

    @staticmethod
    def _check_keys(ops: Sequence[Op]) -> None:
        seen: set[str] = set()
        for op in ops:
            if not op.key:
                raise Invalid("key", "a key must not be empty")
            if op.key in seen:
                raise Invalid("key", f"{op.key!r} appears twice in one transaction branch")
            seen.add(op.key)

    def _check_leases(self, ops: Sequence[Op]) -> None:
        for op in ops:
            if isinstance(op, Put) and op.lease and op.lease not in self._leases:
                raise NotFound(f"lease {op.lease:x} not found")

    def _apply(self, ops: Sequence[Op]) -> None:
        """Apply ``ops`` as one revision; no revision is used when nothing changes (as in etcd)."""
        rev = self._rev + 1
        events: list[WatchEvent] = []
        for op in ops:
            prev = self._live.get(op.key)
            if prev is not None and prev.lease and prev.lease in self._leases:
                self._leases[prev.lease].keys.discard(op.key)
            if isinstance(op, Put):
                kv = KeyValue(
                    op.key,
                    op.value,
                    prev.create_revision if prev else rev,
                    rev,
                    prev.version + 1 if prev else 1,
                    op.lease,
                )
                if op.lease:
                    self._leases[op.lease].keys.add(op.key)
                self._live[op.key] = kv
                events.append(WatchEvent(EventType.PUT, kv, prev))
            elif prev is not None:
                del self._live[op.key]
                tombstone = KeyValue(op.key, b"", 0, rev, 0)
                events.append(WatchEvent(EventType.DELETE, tombstone, prev))
        if not events:
            return
        for ev in events:
            key = ev.kv.key
            hist = self._hist.get(key)
            if hist is None:
                hist = self._hist[key] = _History()
                insort(self._keys, key)
            hist.revs.append(rev)
            hist.kvs.append(ev.kv if ev.type is EventType.PUT else None)
            if len(hist.revs) > 1 or ev.type is EventType.DELETE:
                self._dirty.add(key)
            self._event_revs.append(rev)
            self._events.append(ev)
        self._rev = rev
        self._changed.set()  # wakes every waiting watcher; clearing keeps later waits blocking
        self._changed.clear()

    def _compact_history(self, revision: int) -> set[str]:
        """Keep per key only the version visible at ``revision`` and later; return emptied keys."""
        gone: set[str] = set()
        for key in list(self._dirty):
            hist = self._hist[key]
            i = bisect_right(hist.revs, revision) - 1
            if i < 0:
                continue
            if hist.kvs[i] is None:
                i += 1  # a tombstone at or before the compaction point is not needed any more
            del hist.revs[:i]
            del hist.kvs[:i]
            if not hist.revs:
                del self._hist[key]
                gone.add(key)
            if len(hist.revs) <= 1 and (not hist.kvs or hist.kvs[-1] is not None):
                self._dirty.discard(key)
        return gone

    def _expire_due(self) -> None:
        now = self._clock.now()
        while self._deadlines and self._deadlines[0][0] <= now:
            deadline, lease_id = heapq.heappop(self._deadlines)
            lease = self._leases.get(lease_id)
            if lease is not None and lease.deadline == deadline:
                self._revoke(lease_id)

    def _revoke(self, lease_id: int) -> None:
        lease = self._leases.pop(lease_id)
        self._apply([Delete(k) for k in sorted(lease.keys)])

    def _arm_timer(self) -> None:
        """Make sure the timer wakes by the earliest deadline (restart it if a sooner one came)."""
        if not self._deadlines:
            return
        soonest = self._deadlines[0][0]
        if self._timer is not None and not self._timer.done():
            if soonest >= self._timer_target:
                return
            self._timer.cancel()
        self._timer_target = soonest
        self._timer = asyncio.get_running_loop().create_task(self._run_timer())

    async def _run_timer(self) -> None:
        while not self._closed:
            self._expire_due()
            if not self._deadlines:
                self._timer_target = float("inf")
                return
            self._timer_target = self._deadlines[0][0]
            await self._clock.sleep(self._timer_target - self._clock.now())
