"""The store port: a key-value store with revisions, after etcd v3.

Every write bumps one cluster-wide revision; every key remembers the revision that created it
and the one that last changed it. That is all optimistic concurrency needs: a writer names the
``mod_revision`` it read, and the write happens only if nobody changed the key since
(``mod_revision == 0`` means "the key must not exist").
"""

from __future__ import annotations

import enum
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class KeyValue:
    key: str
    value: bytes
    create_revision: int
    mod_revision: int
    version: int
    lease: int = 0


class EventType(enum.Enum):
    PUT = "PUT"
    DELETE = "DELETE"


@dataclass(frozen=True, slots=True)
class WatchEvent:
    """One change. For DELETE, ``kv.value`` is empty; ``kv.mod_revision`` is the delete's revision.

    ``prev`` is the key's state just before the change (etcd's ``prev_kv``): what a deleted object
    was, and which revision an update replaced. None when the key did not exist before; etcd may
    also leave it out when that older revision is already compacted.
    """

    type: EventType
    kv: KeyValue
    prev: KeyValue | None = None

    @property
    def revision(self) -> int:
        return self.kv.mod_revision


@dataclass(frozen=True, slots=True)
class ListResult:
    items: list[KeyValue]
    revision: int  # the store revision the listing was read at
    more: bool = False  # True when ``limit`` cut the listing short


@dataclass(frozen=True, slots=True)
class Compare:
    """Holds when ``key``'s mod_revision equals ``mod_revision`` (0: the key is absent)."""

    key: str
    mod_revision: int


@dataclass(frozen=True, slots=True)
class Put:
    key: str
    value: bytes
    lease: int = 0


@dataclass(frozen=True, slots=True)
class Delete:
    key: str


Op = Put | Delete


@dataclass(frozen=True, slots=True)
class TxnResult:
    succeeded: bool
    revision: int  # the store revision after the transaction (unchanged if nothing was written)


@runtime_checkable
class Store(Protocol):
    """What every tier needs from the source of truth. Adapters: memory, etcd."""

    async def get(self, key: str) -> KeyValue | None: ...

    async def list(
        self, prefix: str, *, revision: int = 0, limit: int = 0, start_after: str = ""
    ) -> ListResult:
        """Keys under ``prefix`` in key order, read at ``revision`` (0: now).

        Raises ``Compacted`` when ``revision`` is older than the compaction point.
        """
        ...

    async def put(self, key: str, value: bytes, *, lease: int = 0) -> int:
        """Unconditional write; returns the new revision."""
        ...

    async def delete(self, key: str) -> int | None:
        """Unconditional delete; the revision of the delete, or None if the key was absent."""
        ...

    async def txn(
        self, compares: Sequence[Compare], success: Sequence[Op], failure: Sequence[Op] = ()
    ) -> TxnResult:
        """All compares hold → apply ``success`` atomically, else ``failure``. One revision."""
        ...

    def watch(self, prefix: str, *, start_revision: int) -> AsyncIterator[WatchEvent]:
        """Every change under ``prefix`` from ``start_revision`` on, in revision order, forever.

        Raises ``Compacted`` (at once or later) when history from ``start_revision`` is gone;
        the caller relists. Raises ``Unavailable`` when the backend is lost.
        """
        ...

    async def revision(self) -> int:
        """The store's current revision."""
        ...

    async def compact(self, revision: int) -> None:
        """Drop history older than ``revision``."""
        ...

    async def grant_lease(self, ttl: int) -> int:
        """A new lease of ``ttl`` seconds; keys put with it vanish when it expires."""
        ...

    async def keep_alive(self, lease: int) -> int:
        """Renew ``lease``; returns its TTL. Raises ``NotFound`` if it already expired."""
        ...

    async def revoke_lease(self, lease: int) -> None: ...

    async def close(self) -> None: ...
