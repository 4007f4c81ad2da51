"""The informer's local store: objects by key, each with the store revision it was read at, and
indexes over them, as client-go keeps its ``Indexer`` apart from the reflector that fills it.

No I/O here: ``_put`` and ``_pop`` (for what fills it, never for its readers) keep every index
current with the objects, so a reader's ``by_index`` is a lookup, never a scan. The informer
(``informer.Informer``) is one of these, kept equal to a store prefix by listing and watching it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from google.protobuf.message import Message

M = TypeVar("M", bound=Message)


@dataclass(slots=True)
class Entry(Generic[M]):
    obj: M
    mod_revision: int


class Indexer(Generic[M]):
    def __init__(self) -> None:
        self._cache: dict[str, Entry[M]] = {}
        self._indexers: dict[str, Callable[[M], list[str]]] = {}
        self._indexes: dict[str, dict[str, set[str]]] = {}

    def get(self, key: str) -> M | None:
        entry = self._cache.get(key)
        return entry.obj if entry else None

    def mod_revision(self, key: str) -> int | None:
        """The store revision ``key``'s object was last written at, as held here."""
        entry = self._cache.get(key)
        return entry.mod_revision if entry else None

    def items(self) -> Iterator[tuple[str, M]]:
        for key, entry in self._cache.items():
            yield key, entry.obj

    def __len__(self) -> int:
        return len(self._cache)

    def add_index(self, name: str, fn: Callable[[M], list[str]]) -> None:
        """Maintain ``by_index(name, value)``: the keys whose ``fn(obj)`` contains ``value``."""
        self._indexers[name] = fn
        index: dict[str, set[str]] = {}
        for key, entry in self._cache.items():
            for value in fn(entry.obj):
                index.setdefault(value, set()).add(key)
        self._indexes[name] = index

    def by_index(self, name: str, value: str) -> list[M]:
        return [self._cache[k].obj for k in sorted(self._indexes[name].get(value, ()))]

    def index_values(self, name: str) -> list[str]:
        """Every value some cached object has under the index ``name``, sorted."""
        return sorted(self._indexes[name])

    def _put(self, key: str, obj: M, mod_revision: int) -> M | None:
        """Hold ``obj`` under ``key``; the object it replaces, if any."""
        old = self._cache.get(key)
        self._cache[key] = Entry(obj, mod_revision)
        self._reindex(key, old.obj if old else None, obj)
        return old.obj if old else None

    def _pop(self, key: str) -> M | None:
        """Drop ``key``; the object it held, if any."""
        old = self._cache.pop(key, None)
        if old is None:
            return None
        self._reindex(key, old.obj, None)
        return old.obj

    def _reindex(self, key: str, old: M | None, new: M | None) -> None:
        for name, fn in self._indexers.items():
            index = self._indexes[name]
            for value in fn(old) if old is not None else ():
                keys = index.get(value)
                if keys is not None:
                    keys.discard(key)
                    if not keys:
                        del index[value]
            for value in fn(new) if new is not None else ():
                index.setdefault(value, set()).add(key)
