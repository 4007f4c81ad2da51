"""Watch streams of the apiserver: an object kind's changes, with periodic bookmarks."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from google.protobuf.message import Message

from sigma.resources import Repository
from sigma.v1 import event_pb2

if TYPE_CHECKING:  # _common serves the streams and so imports this module
    from sigma.apiserver.api._common import Api

M = TypeVar("M", bound=Message)
Where = Callable[[Any], bool]
_TICK = object()  # the bookmark timer's mark in a watch queue


async def watch(
    api: Api,
    repo: Repository[M],
    namespace: str,
    from_revision: int,
    selector: dict[str, str],
    where: Where | None,
) -> AsyncIterator[event_pb2.Event]:
    """Changes after ``from_revision`` (0: now), with a BOOKMARK every bookmark interval.

    A bookmark names the store revision read one interval earlier (or the last change sent, if
    later): every change up to it has had a whole interval to arrive, so a client resuming from
    a bookmark misses nothing. Both helper tasks end with the stream, whoever ends it.
    """
    start = from_revision or await api.store.revision()
    queue: asyncio.Queue[Any] = asyncio.Queue(maxsize=1024)

    async def pump() -> None:
        try:
            async for event in repo.watch(namespace, from_revision=start, selector=selector):
                await queue.put(event)
        except Exception as exc:  # handed to the stream, which raises it to the client
            await queue.put(exc)

    async def tick() -> None:
        while True:
            await api.clock.sleep(api.settings.watch_bookmark_interval)
            await queue.put(_TICK)

    helpers = [asyncio.create_task(pump()), asyncio.create_task(tick())]
    last, seen_at_tick = start, 0
    try:
        while True:
            item = await queue.get()
            if isinstance(item, Exception):
                raise item
            if item is _TICK:
                yield event_pb2.Event(
                    type=event_pb2.EVENT_TYPE_BOOKMARK, revision=max(last, seen_at_tick)
                )
                seen_at_tick = await api.store.revision()
                continue
            last = item.revision
            obj = getattr(item, repo.kind.event_field)
            if where is None or not item.HasField(repo.kind.event_field) or where(obj):
                yield item
    finally:
        for helper in helpers:
            helper.cancel()
        await asyncio.gather(*helpers, return_exceptions=True)
