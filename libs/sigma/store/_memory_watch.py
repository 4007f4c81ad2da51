"""The embedded store's watchers: cursors into the keyspace's event log.

Slow watchers: a watcher is a cursor into the event log, not a queue. Writers never wait for
watchers and never buffer per watcher; a watcher that falls behind reads the log at its own pace,
like an unsynced etcd watcher. The only way to lose it is compaction passing its cursor, which ends
it with ``Compacted`` (relist, then rewatch). Memory is bounded by compaction, which a caller owns
(as with etcd, whose history also grows until compacted).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from sigma.errors import Compacted
from sigma.store._memory_kv import Keyspace
from sigma.store._types import WatchEvent

_SCAN_CHUNK = 1024  # events a watcher copies out of the log per step, so replays stay incremental


@dataclass(slots=True, eq=False)  # identity: watchers live in a set
class _Watcher:
    prefix: str
    next_rev: int  # the first revision this watcher has not yet scanned


class WatchHub:
    """Every open watch on one keyspace. ``enter`` is the store's own check at the start of a
    watch (closed? leases due?), run when the watch is first iterated, as any call would."""

    def __init__(self, keyspace: Keyspace, enter: Callable[[], None]) -> None:
        self._ks = keyspace
        self._enter = enter
        self._watchers: set[_Watcher] = set()
        self._closed = False

    def __len__(self) -> int:
        return len(self._watchers)

    async def watch(self, prefix: str, start_revision: int) -> AsyncIterator[WatchEvent]:
        """Replays the log from ``start_revision`` (0: from now), then follows it live.

        Ends quietly when the hub is closed; raises ``Compacted`` when compaction passes the
        watcher's cursor (at once if ``start_revision`` is already below the compaction point).
        """
        self._enter()
        ks = self._ks
        w = _Watcher(prefix, start_revision if start_revision > 0 else ks.rev + 1)
        self._watchers.add(w)
        try:
            while not self._closed:
                if w.next_rev < ks.compact_rev:
                    raise Compacted(w.next_rev, ks.compact_rev)
                batch, caught_up = self._scan(w)
                for ev in batch:
                    yield ev
                if caught_up and not batch and not self._closed:
                    await ks.changed.wait()
        finally:
            self._watchers.discard(w)

    def compacted(self, revision: int, revs: list[int], events: list[WatchEvent]) -> None:
        """Compaction to ``revision`` dropped ``events`` (at ``revs``) from the log: move the
        cursors behind it over them when they hold nothing for the watcher, so it survives."""
        for w in self._watchers:
            if w.next_rev >= revision:
                continue
            start = bisect_left(revs, w.next_rev)
            if not any(ev.kv.key.startswith(w.prefix) for ev in events[start:]):
                w.next_rev = revision

    def close(self) -> None:
        """End every watch quietly: wake the waiting ones so they see the hub closed."""
        self._closed = True
        self._ks.changed.set()

    def _scan(self, w: _Watcher) -> tuple[list[WatchEvent], bool]:
        """The next chunk of ``w``'s events, and whether the log is exhausted for it."""
        revs = self._ks.event_revs
        i = bisect_left(revs, w.next_rev)
        end = min(i + _SCAN_CHUNK, len(revs))
        if end < len(revs):
            end = bisect_right(revs, revs[end - 1])  # never split one revision's events
        batch = [ev for ev in self._ks.events[i:end] if ev.kv.key.startswith(w.prefix)]
        if end == len(revs):
            w.next_rev = max(w.next_rev, self._ks.rev + 1)
            return batch, True
        w.next_rev = revs[end - 1] + 1
        return batch, False
