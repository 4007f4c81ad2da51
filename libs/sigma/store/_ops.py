"""Compare-and-swap helpers every adapter shares, written once over ``Store.txn``."""

from __future__ import annotations

from sigma.errors import AlreadyExists, Conflict, NotFound
from sigma.store._types import Compare, Delete, Put, Store


async def create(store: Store, key: str, value: bytes, *, lease: int = 0) -> int:
    """Write ``key`` only if it does not exist; returns the new revision."""
    res = await store.txn([Compare(key, 0)], [Put(key, value, lease)])
    if not res.succeeded:
        raise AlreadyExists(f"{key} already exists")
    return res.revision


async def update(
    store: Store, key: str, value: bytes, *, expected_mod_revision: int, lease: int = 0
) -> int:
    """Write ``key`` only if it is still at ``expected_mod_revision``; returns the new revision."""
    if expected_mod_revision <= 0:
        raise ValueError("expected_mod_revision must be positive; use create() for new keys")
    res = await store.txn([Compare(key, expected_mod_revision)], [Put(key, value, lease)])
    if not res.succeeded:
        await _raise_for(store, key, expected_mod_revision)
    return res.revision


async def delete_if(store: Store, key: str, *, expected_mod_revision: int) -> int:
    """Delete ``key`` only if it is still at ``expected_mod_revision``."""
    res = await store.txn([Compare(key, expected_mod_revision)], [Delete(key)])
    if not res.succeeded:
        await _raise_for(store, key, expected_mod_revision)
    return res.revision


async def _raise_for(store: Store, key: str, expected: int) -> None:
    current = await store.get(key)
    if current is None:
        raise NotFound(f"{key} not found")
    raise Conflict(f"{key} is at revision {current.mod_revision}, not {expected}")
