"""The store contract for keys: every adapter (memory, etcd) keeps keys, values and revisions
alike, compares and swaps alike, and lists alike (in key order, at a past revision, by pages).
The ``backend`` fixture runs each test on every adapter."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from sigma.errors import AlreadyExists, Conflict, Invalid, NotFound
from sigma.store import Compare, Delete, Put, create, delete_if, update

if TYPE_CHECKING:
    from tests.contract.conftest import Backend


# ---- keys, values, revisions


async def test_put_get_versions_and_revisions(backend: Backend) -> None:
    s, k = backend.store, backend.prefix + "a"
    assert await s.get(k) is None
    r1 = await s.put(k, b"1")
    assert r1 == await s.revision()
    kv = await s.get(k)
    assert kv is not None
    assert (kv.key, kv.value, kv.create_revision, kv.mod_revision, kv.version, kv.lease) == (
        k,
        b"1",
        r1,
        r1,
        1,
        0,
    )
    r2 = await s.put(k, b"2")
    assert r2 == r1 + 1
    kv = await s.get(k)
    assert kv and (kv.value, kv.create_revision, kv.mod_revision, kv.version) == (b"2", r1, r2, 2)
    r3 = await s.delete(k)
    assert r3 == r2 + 1 and await s.get(k) is None
    assert await s.delete(k) is None
    assert await s.revision() == r3  # deleting nothing writes nothing
    r4 = await s.put(k, "é".encode())
    kv = await s.get(k)
    assert kv and (kv.create_revision, kv.version, kv.value) == (r4, 1, "é".encode())


async def test_bad_requests_are_invalid_or_not_found(backend: Backend) -> None:
    s, p = backend.store, backend.prefix
    with pytest.raises(Invalid):
        await s.put("", b"x")
    with pytest.raises(Invalid):
        await s.txn([], [Put(p + "a", b"1"), Put(p + "a", b"2")])
    with pytest.raises(NotFound):
        await s.put(p + "a", b"x", lease=0x7EADBEEF)
    with pytest.raises(Invalid):
        await s.list(p, revision=await s.revision() + 100)
    assert await s.get(p + "a") is None


# ---- compare-and-swap helpers


async def test_create_update_delete_if(backend: Backend) -> None:
    s, k = backend.store, backend.prefix + "obj"
    r1 = await create(s, k, b"v1")
    with pytest.raises(AlreadyExists):
        await create(s, k, b"again")
    r2 = await update(s, k, b"v2", expected_mod_revision=r1)
    with pytest.raises(Conflict):
        await update(s, k, b"stale", expected_mod_revision=r1)
    kv = await s.get(k)
    assert kv and kv.value == b"v2" and kv.mod_revision == r2
    assert await s.revision() == r2  # the failed update wrote nothing
    with pytest.raises(Conflict):
        await delete_if(s, k, expected_mod_revision=r1)
    r3 = await delete_if(s, k, expected_mod_revision=r2)
    assert r3 == r2 + 1 and await s.get(k) is None
    with pytest.raises(NotFound):
        await update(s, k, b"gone", expected_mod_revision=r2)


async def test_txn_is_atomic_with_one_revision(backend: Backend) -> None:
    s, p = backend.store, backend.prefix
    r0 = await s.put(p + "c", b"old")
    res = await s.txn(
        [Compare(p + "a", 0), Compare(p + "c", r0)],
        [Put(p + "a", b"A"), Put(p + "b", b"B"), Delete(p + "c")],
        [Put(p + "failed", b"x")],
    )
    assert res.succeeded and res.revision == r0 + 1
    items = (await s.list(p)).items
    assert [(kv.key, kv.value, kv.mod_revision) for kv in items] == [
        (p + "a", b"A", res.revision),
        (p + "b", b"B", res.revision),
    ]
    # A stale compare: nothing of the success branch happens, the failure branch does.
    res2 = await s.txn(
        [Compare(p + "a", 0)], [Put(p + "a", b"lost"), Delete(p + "b")], [Put(p + "f", b"F")]
    )
    assert not res2.succeeded and res2.revision == res.revision + 1
    assert [kv.value for kv in (await s.list(p)).items] == [b"A", b"B", b"F"]
    # Failing with no failure ops writes nothing and keeps the revision.
    res3 = await s.txn([Compare(p + "a", 1)], [Put(p + "a", b"no")])
    assert not res3.succeeded and res3.revision == res2.revision


# ---- list


async def test_list_in_key_order_at_a_past_revision(backend: Backend) -> None:
    s, p = backend.store, backend.prefix
    for name in ["b", "a", "c/1", "c/0"]:
        await s.put(p + name, name.encode())
    await s.put(p[:-1] + "-outside", b"x")  # shares the prefix minus its slash: not listed
    past = await s.revision()
    await s.put(p + "a", b"changed")
    await s.delete(p + "b")
    await s.put(p + "d", b"new")
    now = await s.list(p)
    assert [(kv.key[len(p) :], kv.value) for kv in now.items] == [
        ("a", b"changed"),
        ("c/0", b"c/0"),
        ("c/1", b"c/1"),
        ("d", b"new"),
    ]
    assert now.revision == await s.revision() and not now.more
    old = await s.list(p, revision=past)
    assert old.revision == past
    assert [(kv.key[len(p) :], kv.value) for kv in old.items] == [
        ("a", b"a"),
        ("b", b"b"),
        ("c/0", b"c/0"),
        ("c/1", b"c/1"),
    ]
    assert [kv.key[len(p) :] for kv in (await s.list(p + "c/")).items] == ["c/0", "c/1"]


async def test_list_pagination(backend: Backend) -> None:
    s, p = backend.store, backend.prefix
    names = [f"k{i:02}" for i in range(7)]
    for n in names:
        await s.put(p + n, b"v")
    at = await s.revision()
    await s.put(p + "k99", b"after the snapshot")
    seen: list[str] = []
    after = ""
    while True:
        page = await s.list(p, revision=at, limit=3, start_after=after)
        seen += [kv.key[len(p) :] for kv in page.items]
        assert page.revision == at
        if not page.more:
            break
        assert len(page.items) == 3
        after = page.items[-1].key
    assert seen == names
    exact = await s.list(p, revision=at, limit=7)
    assert len(exact.items) == 7 and not exact.more
