"""The memory store only: what etcd gives for free (a fresh store's first revision, watchers
that never block writers, expiry without traffic, a watcher overtaken by compaction)."""

from __future__ import annotations

import asyncio

import pytest

from sigma.errors import Compacted
from sigma.store import EventType
from sigma.store.memory import MemoryStore
from sigma.testing.clock import ManualClock
from tests.contract._events import take


async def test_empty_memory_store_starts_at_revision_one() -> None:
    s = MemoryStore()
    assert await s.revision() == 1
    assert await s.put("k", b"v") == 2
    await s.close()


async def test_memory_slow_watcher_never_blocks_writers() -> None:
    s = MemoryStore()
    events = aiter(s.watch("k/", start_revision=2))
    for i in range(5000):
        await s.put(f"k/{i % 50}", str(i).encode())
    assert [e.kv.value for e in await take(events, 5000)] == [str(i).encode() for i in range(5000)]
    # A caught-up watcher survives a compaction that drops only others' history.
    await s.put("other", b"1")
    await s.compact(await s.revision())
    r = await s.put("k/x", b"live")
    (ev,) = await take(events, 1)
    assert ev.revision == r
    await s.close()


async def test_memory_watcher_overtaken_by_compaction_is_compacted() -> None:
    s = MemoryStore()
    start = await s.revision() + 1
    events = aiter(s.watch("k/", start_revision=start))
    await s.put("k/a", b"1")  # never read by the watcher before the compaction below
    await s.put("k/b", b"2")
    await s.compact(await s.revision())
    with pytest.raises(Compacted) as info:
        await anext(events)
    assert (info.value.revision, info.value.compact_revision) == (start, start + 1)
    await s.close()


async def test_memory_expiry_runs_without_traffic() -> None:
    clock = ManualClock()
    s = MemoryStore(clock=clock)
    lease = await s.grant_lease(10)
    r = await s.put("x", b"1", lease=lease)
    events = aiter(s.watch("", start_revision=r + 1))
    pending = asyncio.ensure_future(anext(events))
    await asyncio.sleep(0)
    clock.advance(10)
    ev = await asyncio.wait_for(pending, 1)  # only the timer task can have deleted it
    assert (ev.type, ev.kv.key, ev.revision) == (EventType.DELETE, "x", r + 1)
    await s.close()
