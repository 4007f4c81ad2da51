"""Typed reads and compare-and-swap writes of one kind of object over the store port.

The apiserver writes through this; the other tiers read through informers and write the few
records they own (allocations, node status, pod status) through it too, always with a CAS
on the revision they read, so two writers can never silently overwrite each other.
"""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass
from typing import Generic, TypeVar

from google.protobuf.message import Message

from sigma.errors import Conflict, Invalid, NotFound
from sigma.resources.kinds import Kind
from sigma.store import EventType, KeyValue, Store, create, delete_if, update
from sigma.store.codec import decode, encode
from sigma.v1 import event_pb2

M = TypeVar("M", bound=Message)

DEFAULT_PAGE = 500
MAX_PAGE = 5000


@dataclass(frozen=True, slots=True)
class Page(Generic[M]):
    items: list[M]
    next_page_token: str
    revision: int


def matches(labels: Mapping[str, str], selector: Mapping[str, str] | None) -> bool:
    """Equality-based selection: every selector pair must be among the labels."""
    return not selector or all(labels.get(k) == v for k, v in selector.items())


class Repository(Generic[M]):
    """CRUD of ``kind`` with optimistic concurrency; ``clock_ns`` stamps creation times."""

    def __init__(self, store: Store, kind: Kind[M], *, clock_ns: Callable[[], int] | None = None):
        import time

        self.store = store
        self.kind = kind
        self._now_ns = clock_ns or time.time_ns

    # -- reads --------------------------------------------------------------------------------
    async def get(self, namespace: str, name: str) -> M:
        kv = await self.store.get(self.kind.key(namespace, name))
        if kv is None:
            raise NotFound(f"{self.kind.name} {_ref(namespace, name)} not found")
        return decode(self.kind.message, kv)

    async def find(self, namespace: str, name: str) -> M | None:
        kv = await self.store.get(self.kind.key(namespace, name))
        return decode(self.kind.message, kv) if kv else None

    async def list(
        self,
        namespace: str,
        *,
        selector: Mapping[str, str] | None = None,
        page_size: int = 0,
        page_token: str = "",
        where: Callable[[M], bool] | None = None,
        where_key: str = "",
    ) -> Page[M]:
        """One page of matching objects, all pages read at one revision.

        ``where`` filters beyond labels (a pod's node, a task's target); ``where_key`` names that
        filter so a page token stays bound to it.
        """
        if page_size < 0:
            raise Invalid("page_size", "must not be negative")
        size = min(page_size or DEFAULT_PAGE, MAX_PAGE)
        query = _query_hash(self.kind.name, namespace, selector, where_key)
        revision, after = _parse_token(page_token, query) if page_token else (0, "")
        prefix = self.kind.namespace_prefix(namespace)
        items: list[M] = []
        more = False
        while True:
            page = await self.store.list(prefix, revision=revision, limit=size, start_after=after)
            revision = page.revision
            for kv in page.items:
                obj = decode(self.kind.message, kv)
                if not matches(_labels(obj), selector) or (where is not None and not where(obj)):
                    after = kv.key
                    continue
                if len(items) == size:
                    more = True  # one match past the page: there is a next page
                    break
                items.append(obj)
                after = kv.key
            if more or not page.more:
                break
        token = _make_token(revision, after, query) if more else ""
        return Page(items, token, revision)

    async def list_all(self, namespace: str, selector: Mapping[str, str] | None = None) -> list[M]:
        out: list[M] = []
        token = ""
        while True:
            page = await self.list(
                namespace, selector=selector, page_size=MAX_PAGE, page_token=token
            )
            out.extend(page.items)
            token = page.next_page_token
            if not token:
                return out

    # -- writes -------------------------------------------------------------------------------
    async def create(self, obj: M, *, lease: int = 0) -> M:
        """Store a new object: assigns uid, generation 1 and the creation time."""
        meta = obj.meta  # type: ignore[attr-defined]
        meta.uid = meta.uid or str(uuid.uuid4())
        meta.generation = meta.generation or 1
        if not meta.creation_timestamp.seconds:
            meta.creation_timestamp.FromNanoseconds(self._now_ns())
        revision = await create(
            self.store, self.kind.key(meta.namespace, meta.name), encode(obj), lease=lease
        )
        meta.resource_version = revision
        return obj

    async def update(self, obj: M, *, lease: int = 0) -> M:
        """Write ``obj`` if the stored one is still at ``obj``'s resource_version."""
        meta = _meta(obj)
        key = self._key_of(obj)
        if meta.resource_version <= 0:
            raise Invalid("metadata.resource_version", "an update names the version it read")
        meta.resource_version = await update(
            self.store, key, encode(obj), expected_mod_revision=meta.resource_version, lease=lease
        )
        return obj

    async def delete(self, namespace: str, name: str, *, resource_version: int = 0) -> None:
        key = self.kind.key(namespace, name)
        if resource_version:
            await delete_if(self.store, key, expected_mod_revision=resource_version)
        elif await self.store.delete(key) is None:
            raise NotFound(f"{self.kind.name} {_ref(namespace, name)} not found")

    async def mutate(
        self, namespace: str, name: str, change: Callable[[M], bool | None], *, attempts: int = 16
    ) -> M:
        """Read, apply ``change``, compare-and-swap; re-read and retry when another writer won.

        ``change`` returns False to leave the object as it is (nothing is written).
        """
        for _ in range(attempts):
            obj = await self.get(namespace, name)
            if change(obj) is False:
                return obj
            try:
                return await self.update(obj)
            except Conflict:
                continue
        raise Conflict(f"{self.kind.name} {_ref(namespace, name)} kept changing; gave up")

    # -- changes ------------------------------------------------------------------------------
    async def watch(
        self,
        namespace: str,
        *,
        from_revision: int = 0,
        selector: Mapping[str, str] | None = None,
    ) -> AsyncIterator[event_pb2.Event]:
        """Changes after ``from_revision`` (0: from now) as wire events, selector applied."""
        start = from_revision + 1 if from_revision else await self.store.revision() + 1
        async for ev in self.store.watch(
            self.kind.namespace_prefix(namespace), start_revision=start
        ):
            event = to_event(self.kind, ev.type, ev.kv, getattr(ev, "prev", None))
            obj = getattr(event, self.kind.event_field)
            if event.type == event_pb2.EVENT_TYPE_DELETED and not event.HasField(
                self.kind.event_field
            ):
                yield event  # a delete whose last state is unknown still reaches the watcher
            elif matches(_labels(obj), selector):
                yield event

    def _key_of(self, obj: M) -> str:
        meta = _meta(obj)
        return self.kind.key(meta.namespace, meta.name)


def to_event(
    kind: Kind[M], type_: EventType, kv: KeyValue, prev: KeyValue | None = None
) -> event_pb2.Event:
    """The wire event for one store change (the object before deletion, for a delete)."""
    event = event_pb2.Event(kind=kind.name, key=kind.object_key(kv.key), revision=kv.mod_revision)
    if type_ is EventType.DELETE:
        event.type = event_pb2.EVENT_TYPE_DELETED
        body = prev
    else:
        created = kv.create_revision == kv.mod_revision
        event.type = event_pb2.EVENT_TYPE_ADDED if created else event_pb2.EVENT_TYPE_MODIFIED
        body = kv
    if prev is not None:
        event.prev_revision = prev.mod_revision
    if body is not None and body.value:
        getattr(event, kind.event_field).CopyFrom(decode(kind.message, body))
    return event


def _meta(obj: Message) -> Message:
    return obj.meta  # type: ignore[attr-defined,no-any-return]


def _labels(obj: Message) -> Mapping[str, str]:
    fields = obj.DESCRIPTOR.fields_by_name
    return obj.meta.labels if "meta" in fields else {}  # type: ignore[attr-defined]


def _ref(namespace: str, name: str) -> str:
    return f"{namespace}/{name}" if namespace else name


def _query_hash(
    kind: str, namespace: str, selector: Mapping[str, str] | None, where_key: str = ""
) -> str:
    text = json.dumps([kind, namespace, sorted((selector or {}).items()), where_key])
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def _make_token(revision: int, after: str, query: str) -> str:
    raw = json.dumps({"r": revision, "k": after, "q": query}).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _parse_token(token: str, query: str) -> tuple[int, str]:
    try:
        data = json.loads(base64.urlsafe_b64decode(token + "=" * (-len(token) % 4)))
        revision, after, bound = int(data["r"]), str(data["k"]), str(data["q"])
    except (ValueError, KeyError, TypeError) as exc:
        raise Invalid("page_token", "not a token this server issued") from exc
    if bound != query:
        raise Invalid("page_token", "belongs to a different query (kind, namespace or selector)")
    return revision, after
