"""The embedded store's leases: ids, deadlines, the keys each lease holds, and their expiry.

A lease is only bookkeeping here; deleting its keys is the keyspace's job (as in etcd, where
the lessor hands expired leases to the MVCC store to delete in one revision). The keyspace
registers itself for those deletes with ``on_expire`` when it is built on the lessor.

Expiry is checked lazily (the store calls ``expire_due`` at every call) and by a timer task
driven by the injected clock, so watchers see keys vanish even when nobody calls the store.
Deadlines sit in a heap; a renewal pushes a new entry and leaves the old one to be skipped
when it comes up, which keeps a keep-alive O(log n).
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sigma.clock import Clock
from sigma.errors import NotFound
from sigma.store._types import Delete, Op, Put

Deleter = Callable[[Sequence[Op]], None]


@dataclass(slots=True)
class _Lease:
    id: int
    ttl: int
    deadline: float
    keys: set[str] = field(default_factory=set)


class Lessor:
    """Leases and their expiry timer; single-threaded like the store that owns it."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._leases: dict[int, _Lease] = {}
        self._deadlines: list[tuple[float, int]] = []  # heap; stale entries skipped on pop
        self._ids = itertools.count(1)
        self._delete: Deleter = _no_keyspace
        self._timer: asyncio.Task[None] | None = None
        self._timer_target = float("inf")
        self._closed = False

    def on_expire(self, delete: Deleter) -> None:
        """Where an expired lease's keys go to be deleted: the keyspace, which is built on the
        lessor, so it registers itself here rather than being passed in."""
        self._delete = delete

    def grant(self, ttl: int) -> int:
        ttl = max(1, int(ttl))
        lease = _Lease(next(self._ids), ttl, self._clock.now() + ttl)
        self._leases[lease.id] = lease
        heapq.heappush(self._deadlines, (lease.deadline, lease.id))
        self._arm_timer()
        return lease.id

    def keep_alive(self, lease: int) -> int:
        found = self._leases.get(lease)
        if found is None:
            raise NotFound(f"lease {lease:x} not found (expired or revoked)")
        found.deadline = self._clock.now() + found.ttl
        heapq.heappush(self._deadlines, (found.deadline, lease))
        return found.ttl

    def revoke(self, lease: int) -> list[Delete]:
        """Forget ``lease``; the deletes of its keys, in key order, for the caller to apply."""
        found = self._leases.pop(lease, None)
        if found is None:
            raise NotFound(f"lease {lease:x} not found (expired or revoked)")
        return [Delete(k) for k in sorted(found.keys)]

    def check(self, ops: Sequence[Op]) -> None:
        """Every put in ``ops`` names a live lease (or none), as etcd demands."""
        for op in ops:
            if isinstance(op, Put) and op.lease and op.lease not in self._leases:
                raise NotFound(f"lease {op.lease:x} not found")

    def attach(self, lease: int, key: str) -> None:
        self._leases[lease].keys.add(key)

    def detach(self, lease: int, key: str) -> None:
        """``key`` no longer holds ``lease`` (overwritten or deleted); a gone lease is fine."""
        found = self._leases.get(lease)
        if found is not None:
            found.keys.discard(key)

    def expire_due(self) -> None:
        now = self._clock.now()
        while self._deadlines and self._deadlines[0][0] <= now:
            deadline, lease_id = heapq.heappop(self._deadlines)
            lease = self._leases.get(lease_id)
            if lease is not None and lease.deadline == deadline:
                self._delete(self.revoke(lease_id))

    async def close(self) -> None:
        self._closed = True
        if self._timer is not None:
            self._timer.cancel()
            await asyncio.gather(self._timer, return_exceptions=True)
            self._timer = None

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
            self.expire_due()
            if not self._deadlines:
                self._timer_target = float("inf")
                return
            self._timer_target = self._deadlines[0][0]
            await self._clock.sleep(self._timer_target - self._clock.now())


def _no_keyspace(ops: Sequence[Op]) -> None:
    raise RuntimeError("a lease expired before a keyspace was registered to delete its keys")
