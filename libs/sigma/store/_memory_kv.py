"""The embedded store's keyspace: etcd v3's MVCC data model in one process.

It keeps what etcd keeps, so code written against the embedded store behaves the same on etcd:

* one global revision (1 when empty; every write that changes something takes the next one);
  per key ``create_revision``, ``mod_revision`` and ``version`` (reset by a delete);
* an MVCC history per key, so a range reads at a past revision, and a log of every event, which
  watchers read from any revision still held; ``compact(c)`` drops what only revisions before
  ``c`` could see, exactly as etcd does (reads at ``c`` itself still work).

Every write pulses ``changed``, so watchers waiting for a new revision wake; nothing here awaits.
"""

from __future__ import annotations

import asyncio
from bisect import bisect_left, bisect_right, insort
from collections.abc import Sequence

from sigma.errors import Compacted, Invalid
from sigma.store._memory_leases import Lessor
from sigma.store._types import EventType, KeyValue, ListResult, Op, Put, WatchEvent


class _History:
    """One key's versions in revision order; ``None`` marks a delete (tombstone)."""

    __slots__ = ("kvs", "revs")

    def __init__(self) -> None:
        self.revs: list[int] = []
        self.kvs: list[KeyValue | None] = []

    def at(self, revision: int) -> KeyValue | None:
        i = bisect_right(self.revs, revision)
        return self.kvs[i - 1] if i else None


def check_keys(ops: Sequence[Op]) -> None:
    """One transaction branch names each key once, and no key is empty (etcd's rules)."""
    seen: set[str] = set()
    for op in ops:
        if not op.key:
            raise Invalid("key", "a key must not be empty")
        if op.key in seen:
            raise Invalid("key", f"{op.key!r} appears twice in one transaction branch")
        seen.add(op.key)


class Keyspace:
    """Live keys, their histories and the event log; keys put with a lease are attached to it in
    ``lessor``, whose expired leases come back here as deletes."""

    def __init__(self, lessor: Lessor) -> None:
        self.rev = 1
        self.compact_rev = 0
        self.live: dict[str, KeyValue] = {}
        self.event_revs: list[int] = []  # the log: events[i] happened at event_revs[i]
        self.events: list[WatchEvent] = []
        self.changed = asyncio.Event()
        self._hist: dict[str, _History] = {}
        self._keys: list[str] = []  # every key with history, sorted: prefix scans by bisect
        self._dirty: set[str] = set()  # keys compaction may shrink: several versions, a tombstone
        self._lessor = lessor
        lessor.on_expire(self.apply)

    def mod_revision(self, key: str) -> int:
        kv = self.live.get(key)
        return kv.mod_revision if kv else 0

    def range(self, prefix: str, revision: int, limit: int, start_after: str) -> ListResult:
        """Keys under ``prefix`` in key order at ``revision`` (0: now), after ``start_after``."""
        at = revision or self.rev
        if at < self.compact_rev:
            raise Compacted(at, self.compact_rev)
        if at > self.rev:
            raise Invalid("revision", f"{at} is a future revision (current {self.rev})")
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
            kv = self.live.get(key) if at == self.rev else self._hist[key].at(at)
            if kv is None:
                continue
            if limit and len(items) == limit:
                more = True
                break
            items.append(kv)
        return ListResult(items, at, more)

    def apply(self, ops: Sequence[Op]) -> None:
        """Apply ``ops`` as one revision; no revision is used when nothing changes (as in etcd)."""
        rev = self.rev + 1
        events: list[WatchEvent] = []
        for op in ops:
            prev = self.live.get(op.key)
            if prev is not None and prev.lease:
                self._lessor.detach(prev.lease, op.key)
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
                    self._lessor.attach(op.lease, op.key)
                self.live[op.key] = kv
                events.append(WatchEvent(EventType.PUT, kv, prev))
            elif prev is not None:
                del self.live[op.key]
                tombstone = KeyValue(op.key, b"", 0, rev, 0)
                events.append(WatchEvent(EventType.DELETE, tombstone, prev))
        if events:
            self._record(rev, events)

    def compact(self, revision: int) -> tuple[list[int], list[WatchEvent]]:
        """Drop history only revisions before ``revision`` could see; return the log's dropped
        part (its revisions and events), which watchers still behind need to judge."""
        if revision <= self.compact_rev:
            raise Compacted(revision, self.compact_rev)
        if revision > self.rev:
            raise Invalid("revision", f"{revision} is a future revision (current {self.rev})")
        gone = self._compact_history(revision)
        if gone:
            self._keys = [k for k in self._keys if k not in gone]
        cut = bisect_left(self.event_revs, revision)
        dropped = self.event_revs[:cut], self.events[:cut]
        del self.event_revs[:cut]
        del self.events[:cut]
        self.compact_rev = revision
        return dropped

    def _record(self, rev: int, events: list[WatchEvent]) -> None:
        """Add one revision's events to the histories and the log, then wake the watchers."""
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
            self.event_revs.append(rev)
            self.events.append(ev)
        self.rev = rev
        self.changed.set()  # wakes every waiting watcher; clearing keeps later waits blocking
        self.changed.clear()

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
