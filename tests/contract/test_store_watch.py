"""The store contract for watches: every adapter (memory, etcd) replays then streams in order,
resumes without gap or duplicate, ends on close, and refuses compacted history alike."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

import pytest

from sigma.errors import Compacted, Conflict, Unavailable
from sigma.store import Delete, Put
from tests.contract._events import nothing_more, summary, take

if TYPE_CHECKING:
    from tests.contract.conftest import Backend


# ---- watch


async def test_watch_replays_then_streams_live_in_order(backend: Backend) -> None:
    s, p = backend.store, backend.prefix
    r1 = await s.put(p + "a", b"1")
    r2 = await s.put(p + "b", b"2")
    await s.put("/elsewhere/" + p, b"not watched")
    events = aiter(s.watch(p, start_revision=r1))
    assert summary(await take(events, 2)) == [
        ("PUT", p + "a", b"1", r1),
        ("PUT", p + "b", b"2", r2),
    ]
    res = await s.txn([], [Put(p + "c", b"3"), Delete(p + "a"), Put(p + "b", b"22")])
    r4 = await s.delete(p + "c")
    got = await take(events, 4)
    assert summary(got) == [
        ("PUT", p + "c", b"3", res.revision),
        ("DELETE", p + "a", b"", res.revision),
        ("PUT", p + "b", b"22", res.revision),
        ("DELETE", p + "c", b"", r4),
    ]
    assert got[2].kv.version == 2 and got[2].kv.create_revision == r2
    # Each event carries the state it replaced: None for a new key, the last value for a delete.
    assert [e.prev and (e.prev.value, e.prev.mod_revision) for e in got] == [
        None,
        (b"1", r1),
        (b"2", r2),
        (b"3", res.revision),
    ]
    await nothing_more(events)
    await events.aclose()  # type: ignore[attr-defined]


async def test_watch_resume_has_no_gap_and_no_duplicate(backend: Backend) -> None:
    s, p = backend.store, backend.prefix
    start = await s.revision() + 1
    first = aiter(s.watch(p, start_revision=start))
    for i in range(3):
        await s.put(p + f"k{i}", b"x")
    seen = await take(first, 2)
    await first.aclose()  # type: ignore[attr-defined]
    for i in range(3, 5):
        await s.put(p + f"k{i}", b"y")
    resumed = aiter(s.watch(p, start_revision=seen[-1].revision + 1))
    seen += await take(resumed, 3)
    await nothing_more(resumed)
    assert [e.kv.key[len(p) :] for e in seen] == [f"k{i}" for i in range(5)]
    revs = [e.revision for e in seen]
    assert revs == sorted(set(revs))
    await resumed.aclose()  # type: ignore[attr-defined]


async def test_watch_from_now_and_close_ends_it(backend: Backend) -> None:
    s, p = backend.store, backend.prefix
    await s.put(p + "before", b"x")
    events = aiter(s.watch(p, start_revision=await s.revision() + 1))
    pending = asyncio.ensure_future(anext(events))
    await asyncio.sleep(0.1)
    r = await s.put(p + "after", b"y")
    ev = await asyncio.wait_for(pending, 5)
    assert (ev.kv.key, ev.revision) == (p + "after", r)
    pending = asyncio.ensure_future(anext(events))
    await asyncio.sleep(0.1)
    await s.close()
    with pytest.raises(StopAsyncIteration):
        await asyncio.wait_for(pending, 5)
    with pytest.raises(Unavailable):
        await s.get(p + "after")


# ---- compaction


async def test_compaction(backend: Backend) -> None:
    s, p = backend.store, backend.prefix
    r1 = await s.put(p + "a", b"1")
    await s.put(p + "a", b"2")
    r3 = await s.put(p + "b", b"3")
    await s.compact(r3)
    with pytest.raises(Compacted) as info:
        await s.list(p, revision=r1)
    assert info.value.revision == r1 and info.value.compact_revision == r3
    with pytest.raises(Compacted) as info:
        await anext(aiter(s.watch(p, start_revision=r1)))
    assert info.value.compact_revision == r3
    assert isinstance(info.value, Conflict) and not info.value.retriable
    # The compaction point itself is still readable and watchable.
    assert [kv.value for kv in (await s.list(p, revision=r3)).items] == [b"2", b"3"]
    events = aiter(s.watch(p, start_revision=r3))
    assert summary(await take(events, 1)) == [("PUT", p + "b", b"3", r3)]
    await events.aclose()  # type: ignore[attr-defined]
    with pytest.raises(Compacted):
        await s.compact(r1)
