"""Leader election over a real store: one leader at a time, takeover when its lease lapses."""

from __future__ import annotations

import asyncio
import uuid

from sigma.election import Elector
from sigma.testing.wait import eventually
from tests.integration.apiserver._fakes import Backend, Partition

TTL = 1  # etcd's smallest lease with the test engine's settings


class Seat:
    """Counts who is acting as leader right now, and the most ever acting at once."""

    def __init__(self) -> None:
        self.holders: list[str] = []
        self.most = 0
        self.turns: list[str] = []

    def body(self, who: str):  # type: ignore[no-untyped-def]
        async def lead() -> None:
            self.holders.append(who)
            self.turns.append(who)
            self.most = max(self.most, len(self.holders))
            try:
                await asyncio.Event().wait()
            finally:
                self.holders.remove(who)

        return lead


async def _true(value: bool) -> bool:
    return value


async def test_one_leader_and_takeover_after_lease_lapses(backend: Backend) -> None:
    b = backend
    name = f"test-{uuid.uuid4().hex[:8]}"
    seat = Seat()
    cut = Partition(b.store)
    a = Elector(cut, name, "a", ttl=TTL, clock=b.clock, retry_delay=0.05)  # type: ignore[arg-type]
    runs = [asyncio.ensure_future(a.run(seat.body("a")))]
    await eventually(lambda: _true(seat.holders == ["a"]), what="a leads")
    c = Elector(b.store, name, "c", ttl=TTL, clock=b.clock)
    runs.append(asyncio.ensure_future(c.run(seat.body("c"))))
    try:
        await b.elapse(TTL * 1.5)  # renewals keep a in office; c only watches
        assert seat.holders == ["a"] and await c.leader() == "a" and not c.is_leader
        cut.cut = True  # a can no longer renew: it steps down, the store expires its lease
        await b.elapse(TTL * 2)
        await eventually(lambda: _true(seat.holders == ["c"]), what="c takes over")
        assert await c.leader() == "c" and not a.is_leader
        cut.cut = False
        d = Elector(b.store, name, "d", ttl=TTL, clock=b.clock)
        runs.append(asyncio.ensure_future(d.run(seat.body("d"))))
        runs[1].cancel()  # a leader that stops resigns: a standby follows without waiting a TTL
        await asyncio.gather(runs[1], return_exceptions=True)
        await eventually(
            lambda: _true(len(seat.holders) == 1 and seat.holders[0] in "ad"), what="handover"
        )
        assert seat.turns[:2] == ["a", "c"] and seat.most == 1
    finally:
        for run in runs:
            run.cancel()
        await asyncio.gather(*runs, return_exceptions=True)


async def test_fence_refuses_a_deposed_leader(backend: Backend) -> None:
    from sigma.store import Put

    b = backend
    e = Elector(b.store, f"test-{uuid.uuid4().hex[:8]}", "x", ttl=TTL, clock=b.clock)
    await e.campaign()
    fence = e.fence
    key = f"/fence-test/{uuid.uuid4().hex}"
    assert (await b.store.txn(fence, [Put(key, b"1")])).succeeded
    await e.resign()
    assert not (await b.store.txn(fence, [Put(key, b"2")])).succeeded and e.fence == []
