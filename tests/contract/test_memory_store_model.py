"""The memory store against a plain dict model, with hypothesis.

Random puts, deletes, transactions and compactions go to the store and to the model; after each
one the store's revision and listing must match the model, and at the end its watch log must
rebuild every retained revision and its listings at past revisions must match the model's
snapshots. Pure and fast; etcd needs no such check (it is the reference the memory store
imitates).
"""

from __future__ import annotations

import asyncio

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sigma.errors import Compacted
from sigma.store import Compare, Delete, EventType, Put, WatchEvent
from sigma.store.memory import MemoryStore
from tests.contract._events import take

Row = tuple[bytes, int, int, int]  # value, create revision, mod revision, version
Op = tuple[str, object, object]

_KEYS = ["a", "a/1", "a/2", "b", "b/1"]
_op = st.one_of(
    st.tuples(st.just("put"), st.sampled_from(_KEYS), st.binary(max_size=3)),
    st.tuples(st.just("delete"), st.sampled_from(_KEYS), st.none()),
    st.tuples(
        st.just("txn"),
        st.tuples(st.sampled_from(_KEYS), st.booleans()),
        st.tuples(
            st.lists(st.sampled_from(_KEYS), unique=True, max_size=3),
            st.lists(st.sampled_from(_KEYS), unique=True, max_size=3),
            st.binary(max_size=2),
        ),
    ),
    st.tuples(st.just("compact"), st.integers(0, 30), st.none()),
)


class Model:
    """The store as a dict: the state now, the state at every revision, the compaction point."""

    def __init__(self) -> None:
        self.now: dict[str, Row] = {}
        self.snapshots: dict[int, dict[str, Row]] = {1: {}}
        self.rev = 1
        self.compacted = 0

    def apply(self, writes: list[tuple[str, bytes | None]]) -> None:
        """One revision for the writes (a value, or None to delete) if any changes something."""
        changed = [(k, v) for k, v in writes if v is not None or k in self.now]
        if not changed:
            return
        self.rev += 1
        for k, v in changed:
            if v is None:
                del self.now[k]
            else:
                old = self.now.get(k)
                self.now[k] = (v, old[1] if old else self.rev, self.rev, old[3] + 1 if old else 1)
        self.snapshots[self.rev] = dict(self.now)


@settings(max_examples=150, deadline=None)
@given(st.lists(_op, max_size=40))
def test_memory_store_matches_a_dict_model(ops: list[Op]) -> None:
    asyncio.run(_check_model(ops))


async def _check_model(ops: list[Op]) -> None:
    s, model = MemoryStore(), Model()
    for op in ops:
        before = await s.revision()
        await _step(s, model, op)
        await _check_now(s, model, op[0], before)
    if model.rev > 1:  # replaying the retained log rebuilds every retained revision
        await _check_replay(s, model)
    await _check_history(s, model)
    await s.close()


async def _step(s: MemoryStore, model: Model, op: Op) -> None:
    """``op`` done to the store and to the model alike."""
    kind, a, b = op
    if kind == "put":
        assert isinstance(a, str) and isinstance(b, bytes)
        await s.put(a, b)
        model.apply([(a, b)])
    elif kind == "delete":
        assert isinstance(a, str)
        await s.delete(a)
        model.apply([(a, None)])
    elif kind == "txn":
        (ckey, fresh), (puts, dels, val) = a, b  # type: ignore[misc]
        mod = model.now[ckey][2] if ckey in model.now else 0
        expect = mod if fresh else mod + 1
        success = [Put(k, val) for k in puts]
        failure = [Delete(k) for k in dels]
        res = await s.txn([Compare(ckey, expect)], success, failure)
        assert res.succeeded == fresh
        model.apply([(k, val) for k in puts] if fresh else [(k, None) for k in dels])
        assert res.revision == model.rev
    else:
        assert isinstance(a, int)
        target = min(model.rev, model.compacted + 1 + a)
        if target > model.compacted:
            await s.compact(target)
            model.compacted = target


async def _check_now(s: MemoryStore, model: Model, kind: str, before: int) -> None:
    """The store's revision and listing are the model's, and a write took one revision."""
    after = await s.revision()
    assert after == model.rev and after >= before
    if kind != "compact" and after != before:
        assert after == before + 1
    listed = await s.list("")
    assert {
        kv.key: (kv.value, kv.create_revision, kv.mod_revision, kv.version) for kv in listed.items
    } == model.now
    assert [kv.key for kv in listed.items] == sorted(model.now)


async def _check_replay(s: MemoryStore, model: Model) -> None:
    """The watch log from the oldest retained revision rebuilds the model's snapshot at each."""
    start = max(model.compacted, 2)
    events = aiter(s.watch("", start_revision=start))
    await s.put("z-end", b"")  # a marker after the last revision under test
    log: list[WatchEvent] = []
    while not log or log[-1].kv.key != "z-end":
        log += await take(events, 1, timeout=1)
    del log[-1]
    state = dict(model.snapshots[start - 1])
    for i, ev in enumerate(log):
        if ev.type is EventType.DELETE:
            del state[ev.kv.key]
        else:
            kv = ev.kv
            state[kv.key] = (kv.value, kv.create_revision, kv.mod_revision, kv.version)
        if i + 1 == len(log) or log[i + 1].revision != ev.revision:
            assert state == model.snapshots[ev.revision]
    assert [e.revision for e in log] == sorted(e.revision for e in log)
    assert {e.revision for e in log} == set(range(start, model.rev + 1))


async def _check_history(s: MemoryStore, model: Model) -> None:
    """Every snapshot lists as the model has it, by pages and by prefix; compacted ones fail."""
    for at, snap in model.snapshots.items():
        if at < model.compacted:
            with pytest.raises(Compacted):
                await s.list("", revision=at)
            continue
        pages: list[str] = []
        after_key = ""
        while True:
            page = await s.list("", revision=at, limit=2, start_after=after_key)
            pages += [kv.key for kv in page.items]
            if not page.more:
                break
            after_key = page.items[-1].key
        assert pages == sorted(snap)
        assert [kv.key for kv in (await s.list("a/", revision=at)).items] == sorted(
            k for k in snap if k.startswith("a/")
        )
