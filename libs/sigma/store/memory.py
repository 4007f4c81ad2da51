"""The embedded store: etcd v3's data model in one process (single-machine default, tests).

It keeps what etcd keeps, so code written against it behaves the same on etcd. The store is the
port's face over three parts, each with one job, composed as etcd composes its own:

* ``Keyspace`` (``_memory_kv``): revisions, per-key MVCC history, the event log, compaction;
* ``Lessor`` (``_memory_leases``): leases, whose expiry deletes their keys in one revision,
  emitting DELETE events, checked at every call and by a timer on the injected clock;
* ``WatchHub`` (``_memory_watch``): watchers as cursors into the log, so a slow watcher never
  holds up a writer.

Every method runs without awaiting inside, so each call is atomic on the event loop.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

from sigma.clock import Clock, SystemClock
from sigma.errors import Unavailable
from sigma.store._memory_kv import Keyspace, check_keys
from sigma.store._memory_leases import Lessor
from sigma.store._memory_watch import WatchHub
from sigma.store._types import Compare, Delete, KeyValue, ListResult, Op, Put, TxnResult, WatchEvent


class MemoryStore:
    """The ``Store`` port in memory. ``clock`` drives lease expiry (default: monotonic time)."""

    def __init__(self, *, clock: Clock | None = None) -> None:
        self._leases = Lessor(clock or SystemClock())
        self._kv = Keyspace(self._leases)
        self._hub = WatchHub(self._kv, self._enter)
        self._closed = False

    # ---- reads

    async def get(self, key: str) -> KeyValue | None:
        self._enter()
        return self._kv.live.get(key)

    async def list(
        self, prefix: str, *, revision: int = 0, limit: int = 0, start_after: str = ""
    ) -> ListResult:
        self._enter()
        return self._kv.range(prefix, revision, limit, start_after)

    async def revision(self) -> int:
        self._enter()
        return self._kv.rev

    # ---- writes

    async def put(self, key: str, value: bytes, *, lease: int = 0) -> int:
        self._enter()
        op = Put(key, value, lease)
        check_keys([op])
        self._leases.check([op])
        self._kv.apply([op])
        return self._kv.rev

    async def delete(self, key: str) -> int | None:
        self._enter()
        if key not in self._kv.live:
            return None
        self._kv.apply([Delete(key)])
        return self._kv.rev

    async def txn(
        self, compares: Sequence[Compare], success: Sequence[Op], failure: Sequence[Op] = ()
    ) -> TxnResult:
        self._enter()
        check_keys(success)
        check_keys(failure)
        ok = all(self._kv.mod_revision(c.key) == c.mod_revision for c in compares)
        ops = success if ok else failure
        self._leases.check(ops)  # like etcd: only the branch taken must name live leases
        self._kv.apply(ops)
        return TxnResult(ok, self._kv.rev)

    async def compact(self, revision: int) -> None:
        self._enter()
        self._hub.compacted(revision, *self._kv.compact(revision))

    # ---- watch

    @property
    def watchers(self) -> int:
        """How many watches are open: a caller that gave up must leave none behind."""
        return len(self._hub)

    def watch(self, prefix: str, *, start_revision: int) -> AsyncIterator[WatchEvent]:
        """Replays the log from ``start_revision`` (0: from now), then follows it live.

        Ends quietly when the store is closed; raises ``Compacted`` when compaction passes the
        watcher's cursor (at once if ``start_revision`` is already below the compaction point).
        """
        return self._hub.watch(prefix, start_revision)

    # ---- leases

    async def grant_lease(self, ttl: int) -> int:
        self._enter()
        return self._leases.grant(ttl)

    async def keep_alive(self, lease: int) -> int:
        self._enter()
        return self._leases.keep_alive(lease)

    async def revoke_lease(self, lease: int) -> None:
        self._enter()
        self._kv.apply(self._leases.revoke(lease))

    async def close(self) -> None:
        self._closed = True
        self._hub.close()
        await self._leases.close()

    def _enter(self) -> None:
        if self._closed:
            raise Unavailable("store is closed")
        self._leases.expire_due()
