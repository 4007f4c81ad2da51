"""The store's changes as the change stream publishes them: each an encoded event on its topic.

``ChangeFeed.read`` watches the object tree from a revision and queues one ``Item`` per change
(an event to publish, or only how far the stream got, for keys that are no object's). A history
already compacted becomes a full resync: every live object queued as MODIFIED at its own
revision, the listing's revision as the point reached.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field

from sigma.errors import Compacted
from sigma.events import Encoding, encode, topic_for
from sigma.log import get_logger
from sigma.resources import KINDS, kind_of_key, to_event
from sigma.resources.kinds import ROOT
from sigma.store import EventType, Store, WatchEvent
from sigma.v1 import event_pb2

log = get_logger("sigma.apiserver.changestream")
RESYNC_PAGE = 500


@dataclass(frozen=True, slots=True)
class Item:
    """One queued step: an event to publish (``value`` not None) and how far it completes."""

    through: int  # once this and everything before it is acked, revisions <= through are done
    topic: str = ""
    key: str = ""
    value: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)


END = Item(through=-1)  # the watch ended (store closed): publish what is queued, then stop


class ChangeFeed:
    def __init__(
        self,
        store: Store,
        encoding: Encoding,
        topic_prefix: str,
        checkpoint_key: str,
        *,
        identity: str,
        resynced: Callable[[], None],
    ) -> None:
        self.store, self.encoding = store, encoding
        self.topic_prefix, self.checkpoint_key = topic_prefix, checkpoint_key
        self.identity, self.resynced = identity, resynced

    async def read(self, start: int, queue: asyncio.Queue[Item]) -> None:
        """Queue every change from ``start`` on; a compacted history becomes a full resync."""
        while True:
            try:
                async for ev in self.store.watch(ROOT, start_revision=start):
                    if ev.kv.key != self.checkpoint_key:  # our own writes would loop
                        await queue.put(self._item(ev))
                await queue.put(END)
                return
            except Compacted as exc:
                start = await self._resync_until_done(queue, exc) + 1

    async def _resync_until_done(self, queue: asyncio.Queue[Item], exc: Compacted) -> int:
        """A resync whose listing is itself overtaken by compaction starts over."""
        while True:
            try:
                return await self._resync(queue, exc)
            except Compacted as again:
                exc = again

    def _item(self, ev: WatchEvent) -> Item:
        kind = kind_of_key(ev.kv.key)
        if kind is None:  # leaders, heartbeats: nothing to publish, but the stream moved on
            return Item(through=ev.revision - 1)
        return self._publishable(to_event(kind, ev.type, ev.kv, ev.prev), ev.revision - 1)

    def _publishable(self, event: event_pb2.Event, through: int) -> Item:
        value, headers = encode(event, self.encoding)
        topic = topic_for(event.kind, self.topic_prefix)
        return Item(through=through, topic=topic, key=event.key, value=value, headers=headers)

    async def _resync(self, queue: asyncio.Queue[Item], exc: Compacted) -> int:
        """Queue every live object as MODIFIED at its own revision; returns the list revision."""
        self.resynced()
        at = await self.store.revision()
        log.error(
            "change stream fell behind compaction: changes between the checkpoint and the "
            "compaction point are lost (deletions among them for good); publishing a full resync",
            extra={"error": str(exc), "resync_revision": at, "id": self.identity},
        )
        for kind in KINDS.values():
            after = ""
            while True:
                page = await self.store.list(
                    kind.prefix, revision=at, limit=RESYNC_PAGE, start_after=after
                )
                for kv in page.items:
                    event = to_event(kind, EventType.PUT, kv)
                    event.type = event_pb2.EVENT_TYPE_MODIFIED
                    await queue.put(self._publishable(event, 0))
                if not page.more or not page.items:
                    break
                after = page.items[-1].key
        await queue.put(Item(through=at))
        return at
