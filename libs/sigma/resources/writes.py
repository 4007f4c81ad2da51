"""Several objects written in one store transaction: all of them or none.

A change to an App and the Task that carries it out must land together, or a crash between the
two writes leaves intent nobody acts on (or a task acting on intent never stored). ``Writes``
collects the compare-and-put pairs of each object, commits them in one ``Store.txn``, fills every
written object's resource_version from the transaction's revision, and turns a failed
comparison into the error of the object that failed it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from google.protobuf.message import Message

from sigma.errors import AlreadyExists, Conflict, NotFound
from sigma.resources.kinds import Kind
from sigma.store import Compare, Delete, Op, Put, Store
from sigma.store.codec import encode


@dataclass(slots=True)
class Writes:
    """An all-or-nothing batch of creates, CAS updates and CAS deletes."""

    compares: list[Compare] = field(default_factory=list)
    ops: list[Op] = field(default_factory=list)
    _kinds: dict[str, str] = field(default_factory=dict)  # key -> kind name, for errors
    _written: list[Message] = field(default_factory=list)

    def create(self, kind: Kind[Message], obj: Message) -> Writes:
        """Put ``obj`` only if its key is absent."""
        return self._put(kind, obj, 0)

    def update(self, kind: Kind[Message], obj: Message) -> Writes:
        """Put ``obj`` only if the stored one is still at ``obj.meta.resource_version``."""
        expected = obj.meta.resource_version  # type: ignore[attr-defined]
        if expected <= 0:
            raise ValueError("an update names the resource_version it read")
        return self._put(kind, obj, expected)

    def delete(self, kind: Kind[Message], obj: Message) -> Writes:
        """Delete ``obj`` only if the stored one is still at its resource_version."""
        key = _key(kind, obj)
        self.compares.append(Compare(key, obj.meta.resource_version))  # type: ignore[attr-defined]
        self.ops.append(Delete(key))
        self._kinds[key] = kind.name
        return self

    async def commit(self, store: Store) -> int:
        """Apply every write or none; returns the revision they were written at."""
        result = await store.txn(self.compares, self.ops)
        if not result.succeeded:
            await self._raise_for(store)
        for obj in self._written:
            obj.meta.resource_version = result.revision  # type: ignore[attr-defined]
        return result.revision

    def _put(self, kind: Kind[Message], obj: Message, expected: int) -> Writes:
        key = _key(kind, obj)
        self.compares.append(Compare(key, expected))
        self.ops.append(Put(key, encode(obj)))
        self._kinds[key] = kind.name
        self._written.append(obj)
        return self

    async def _raise_for(self, store: Store) -> None:
        """Name the first object whose comparison failed, with the error its state means."""
        for cmp in self.compares:
            current = await store.get(cmp.key)
            at = current.mod_revision if current else 0
            if at == cmp.mod_revision:
                continue
            what = f"{self._kinds[cmp.key]} {_short(cmp.key)}"
            if cmp.mod_revision == 0:
                raise AlreadyExists(f"{what} already exists")
            if current is None:
                raise NotFound(f"{what} not found")
            raise Conflict(f"{what} is at revision {at}, not {cmp.mod_revision}")
        raise Conflict("a concurrent write changed the objects; re-read and retry")


def _key(kind: Kind[Message], obj: Message) -> str:
    meta = obj.meta  # type: ignore[attr-defined]
    return kind.key(meta.namespace, meta.name)


def _short(key: str) -> str:
    return "/".join(key.split("/")[4:])
