"""The store contract for leases: on every adapter (memory, etcd) a lease's keys vanish when it
expires or is revoked, with a delete event each, and a keep-alive extends it."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from sigma.errors import NotFound
from sigma.store import EventType
from sigma.testing.wait import eventually
from tests.contract._events import take

if TYPE_CHECKING:
    from tests.contract.conftest import Backend


async def test_keys_vanish_when_their_lease_expires(backend: Backend) -> None:
    s, p = backend.store, backend.prefix
    lease = await s.grant_lease(1)
    r = await s.put(p + "leased", b"x", lease=lease)
    await s.put(p + "kept", b"y")
    kv = await s.get(p + "leased")
    assert kv and kv.lease == lease
    events = aiter(s.watch(p + "leased", start_revision=r + 1))
    await backend.elapse(1.2)
    (ev,) = await take(events, 1)
    assert (ev.type, ev.kv.key) == (EventType.DELETE, p + "leased")
    assert await s.get(p + "leased") is None and await s.get(p + "kept") is not None
    with pytest.raises(NotFound):
        await s.keep_alive(lease)
    await events.aclose()  # type: ignore[attr-defined]


async def test_keep_alive_extends_a_lease(backend: Backend) -> None:
    s, k = backend.store, backend.prefix + "k"
    lease = await s.grant_lease(1)
    await s.put(k, b"x", lease=lease)
    for _ in range(5):
        await backend.elapse(0.3)
        assert await s.keep_alive(lease) >= 1
    assert await s.get(k) is not None  # 1.5 s after the grant, on a 1 s lease

    async def gone() -> bool:
        return await s.get(k) is None

    await backend.elapse(1.2)
    await eventually(gone, timeout=5, what="the lease's keys gone")


async def test_revoke_deletes_keys_and_emits_deletes(backend: Backend) -> None:
    s, p = backend.store, backend.prefix
    lease = await s.grant_lease(30)
    await s.put(p + "a", b"1", lease=lease)
    r = await s.put(p + "b", b"2", lease=lease)
    events = aiter(s.watch(p, start_revision=r + 1))
    await s.revoke_lease(lease)
    got = await take(events, 2)
    assert sorted((e.type, e.kv.key) for e in got) == [
        (EventType.DELETE, p + "a"),
        (EventType.DELETE, p + "b"),
    ]
    assert got[0].revision == got[1].revision == await s.revision()
    assert (await s.list(p)).items == []
    with pytest.raises(NotFound):
        await s.revoke_lease(lease)
    await events.aclose()  # type: ignore[attr-defined]
