"""The change stream: every change of every stored object, published to the bus (outbox style).

The store is the outbox. ``ChangeStream`` watches the object tree from a checkpointed revision,
turns each change of a known kind into a ``sigma.v1.Event`` and publishes it to the kind's topic
(``sigma.events``), keyed by the object key. The checkpoint (``sigma.events.CHECKPOINT_KEY``)
is the revision through which every change is acknowledged by the bus, so:

- a bus outage delays events and loses none: a failed publish is retried (jittered backoff,
  bounded per attempt, unbounded overall) and the checkpoint never passes it;
- a restart resumes from checkpoint + 1: the changes published since the last checkpoint come
  again. Duplicates carry their revision, and consumers drop them (``sigma.events.Deduper``).

Changes are read into a bounded queue and published in windows: the events of one object go out
one after another, in revision order, different objects concurrently; the window is acknowledged
as a whole before the next starts. A checkpoint is written at most every ``checkpoint_every``
seconds, so a restart repeats at most about that much of the stream.

One store revision may carry several changes (a transaction), and a watch hands them over one by
one, so an event at revision R only proves revision R - 1 complete. The checkpoint therefore
trails the last published revision by one, and a restart repeats that revision's events too.

Where the stream starts the first time (no checkpoint yet): by default at the store's current
revision (``from_beginning=False``), writing that as the first checkpoint at once (before
waiting for the bus, which may be away), so nothing changed after the first start is ever
missed; consumers learn the older state by listing. With
``from_beginning=True`` it replays the store's history from revision 1 (a full resync if that is
compacted).

Compaction: the store must keep the history the stream has not published yet. A compactor asks
``safe_compaction_revision(store)`` and never compacts past it. If it does anyway, the watch fails
with ``Compacted``; the stream then cannot prove completeness, says so at ERROR level, publishes
every live object as a MODIFIED event with its own revision (deletions in the gap are lost) and
carries on from the revision of that listing.

Only one publisher should run across apiserver replicas; ``leadership`` runs the stream only
while this replica leads (duplicates across a leader change are harmless, and the checkpoint is
written by compare-and-swap and never moves back).
"""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from sigma import events
from sigma.apiserver.changefeed import END, ChangeFeed, Item
from sigma.bus import Bus
from sigma.clock import Clock, SystemClock
from sigma.election import Elector
from sigma.errors import SigmaError
from sigma.events import (
    CHECKPOINT_KEY,
    TOPIC_PREFIX,
    Encoding,
    read_checkpoint,
    topic_specs,
)
from sigma.log import get_logger
from sigma.store import Compare, Put, Store

log = get_logger("sigma.apiserver.changestream")

LEADERSHIP = "changestream"  # the election among apiserver replicas (sigma.election)

Leadership = Callable[[Callable[[], Awaitable[None]]], Awaitable[None]]
"""Runs the given coroutine function only while this replica leads (``Elector.run``)."""


@dataclass(frozen=True, slots=True)
class Backoff:
    """Jittered exponential backoff: half of each delay fixed, half random, capped."""

    initial: float = 0.1
    maximum: float = 5.0

    def delay(self, attempt: int, rand: Callable[[], float] = random.random) -> float:
        cap = min(self.maximum, self.initial * 2 ** min(attempt, 30))
        return cap / 2 + rand() * cap / 2


@dataclass(slots=True)
class Stats:
    """What the stream has done since it was built; for logs, tests and metrics."""

    published: int = 0
    retries: int = 0
    resyncs: int = 0
    checkpoint: int = 0  # the last revision written as the checkpoint


class ChangeStream:
    """Publishes the store's object changes to the bus; ``await run()`` until cancelled."""

    def __init__(
        self,
        store: Store,
        bus: Bus,
        *,
        identity: str,
        encoding: Encoding | str = Encoding.PROTOBUF,
        clock: Clock | None = None,
        checkpoint_every: float = 1.0,
        window: int = 256,
        from_beginning: bool = False,
        leadership: Leadership | None = None,
        checkpoint_key: str = CHECKPOINT_KEY,
        topic_prefix: str = TOPIC_PREFIX,
        backoff: Backoff = Backoff(),
    ) -> None:
        self.store = store
        self.bus = bus
        self.identity = identity
        self.encoding = Encoding.named(encoding)
        self.clock: Clock = clock or SystemClock()
        self.checkpoint_every = checkpoint_every
        self.window = max(1, window)
        self.from_beginning = from_beginning
        self.leadership = leadership
        self.checkpoint_key = checkpoint_key
        self.topic_prefix = topic_prefix
        self.backoff = backoff
        self.stats = Stats()
        self.feed = ChangeFeed(
            store,
            self.encoding,
            topic_prefix,
            checkpoint_key,
            identity=identity,
            resynced=self._resynced,
        )
        self._acked = 0  # every change through this revision is on the bus
        self._written = 0  # the checkpoint as last written (or read)
        self._cp_mod = 0  # the checkpoint key's mod_revision, for compare-and-swap
        self._due = 0.0  # when the next checkpoint may be written

    async def run(self) -> None:
        """Publish until cancelled (or the store closes); under ``leadership`` if given."""
        if self.leadership is None:
            await self._supervised()
        else:
            await self.leadership(self._supervised)

    async def safe_compaction_revision(self) -> int | None:
        """See ``sigma.events``: compaction must not pass this revision."""
        return await events.safe_compaction_revision(self.store, self.checkpoint_key)

    # -- sessions -----------------------------------------------------------------------------

    async def _supervised(self) -> None:
        """Sessions until the store closes; a lost backend restarts one from the checkpoint."""
        attempt = 0
        while True:
            progress = self._acked
            try:
                await self._session()
                return
            except SigmaError as exc:
                if not exc.retriable:
                    raise
                attempt = 0 if self._acked > progress else attempt + 1
                delay = self.backoff.delay(attempt)
                log.warning(
                    "change stream interrupted; resuming from the checkpoint",
                    extra={"error": str(exc), "retry_in": round(delay, 3), "id": self.identity},
                )
                await self.clock.sleep(delay)

    async def _session(self) -> None:
        # The start (on a first start, the checkpoint written with the store's revision) comes
        # before the topics: what changes while the bus is away still streams once it answers.
        start = await self._load_start()
        await self._retry_forever("create topics", self._ensure_topics)
        log.info("change stream starting", extra={"from_revision": start, "id": self.identity})
        queue: asyncio.Queue[Item] = asyncio.Queue(maxsize=self.window * 4)
        try:
            await _first_failure(self.feed.read(start, queue), self._publish(queue))
        finally:
            if self._acked > self._written:
                try:
                    await self._checkpoint()
                except SigmaError as exc:  # the next session repeats a little more
                    log.warning("final checkpoint failed", extra={"error": str(exc)})

    async def _ensure_topics(self) -> None:
        await self.bus.ensure_topics(topic_specs(self.topic_prefix))

    async def _load_start(self) -> int:
        revision, kv = await read_checkpoint(self.store, self.checkpoint_key)
        if kv is not None:
            self._cp_mod = kv.mod_revision
        elif not self.from_beginning:
            revision = await self.store.revision()
            await self._store_checkpoint(revision)
        self._acked = self._written = self.stats.checkpoint = revision
        return revision + 1

    def _resynced(self) -> None:
        self.stats.resyncs += 1

    # -- publishing ---------------------------------------------------------------------------

    async def _publish(self, queue: asyncio.Queue[Item]) -> None:
        """Publish queued windows in order; checkpoint what the bus acknowledged."""
        while True:
            batch = await self._next_batch(queue)
            ended = any(item is END for item in batch)
            batch = [item for item in batch if item is not END]
            if batch:
                await self._publish_window(batch)
                self._acked = max(self._acked, max(item.through for item in batch))
            if self._acked > self._written and self.clock.now() >= self._due:
                try:
                    await self._checkpoint()
                except SigmaError as exc:
                    if not exc.retriable:
                        raise
                    log.warning("checkpoint failed; will retry", extra={"error": str(exc)})
                    self._due = self.clock.now() + max(self.checkpoint_every, self.backoff.initial)
            if ended:
                return

    async def _next_batch(self, queue: asyncio.Queue[Item]) -> list[Item]:
        """Up to ``window`` items; waits for the first, at most until a checkpoint is due."""
        if queue.empty():
            pending = self._acked > self._written
            timeout = max(0.0, self._due - self.clock.now()) if pending else None
            first = await _get(queue, self.clock, timeout)
            if first is None:
                return []
            batch = [first]
        else:
            batch = []
        while len(batch) < self.window and not queue.empty():
            batch.append(queue.get_nowait())
        return batch

    async def _publish_window(self, batch: list[Item]) -> None:
        """Each object's events in order, objects concurrently; returns when all are acked."""
        chains: dict[tuple[str, str], list[Item]] = {}
        for item in batch:
            if item.value is not None:
                chains.setdefault((item.topic, item.key), []).append(item)
        if len(chains) == 1:
            await self._publish_chain(next(iter(chains.values())))
        elif chains:
            await _first_failure(*(self._publish_chain(chain) for chain in chains.values()))

    async def _publish_chain(self, chain: list[Item]) -> None:
        for item in chain:
            assert item.value is not None
            publish = partial(self.bus.publish, item.topic, item.key, item.value, item.headers)
            await self._retry_forever(f"publish to {item.topic}", publish)
            self.stats.published += 1

    async def _retry_forever(self, what: str, call: Callable[[], Awaitable[object]]) -> None:
        """``call`` until it succeeds: an outage delays, never drops. Non-retriable errors raise."""
        attempt = 0
        began = self.clock.now()
        last_error = ""
        while True:
            try:
                await call()
            except SigmaError as exc:
                if not exc.retriable:
                    raise
                delay = self.backoff.delay(attempt)
                if attempt % 10 == 0 or str(exc) != last_error:  # not every retry of an outage
                    last_error = str(exc)
                    log.warning(
                        f"{what} failed; retrying",
                        extra={"error": str(exc), "attempt": attempt + 1, "id": self.identity},
                    )
                self.stats.retries += 1
                attempt += 1
                await self.clock.sleep(delay)
                continue
            if attempt:
                log.info(
                    f"{what} succeeded after an outage",
                    extra={"attempts": attempt + 1, "seconds": round(self.clock.now() - began, 3)},
                )
            return

    # -- checkpoint ---------------------------------------------------------------------------

    async def _checkpoint(self) -> None:
        target = self._acked
        await self._store_checkpoint(target)
        self._written = target
        self._due = self.clock.now() + self.checkpoint_every

    async def _store_checkpoint(self, revision: int) -> None:
        """Compare-and-swap the checkpoint forward; never back past another publisher's."""
        value = json.dumps({"revision": revision, "publisher": self.identity}).encode()
        while True:
            result = await self.store.txn(
                [Compare(self.checkpoint_key, self._cp_mod)], [Put(self.checkpoint_key, value)]
            )
            if result.succeeded:
                self._cp_mod = result.revision
                self.stats.checkpoint = revision
                return
            theirs, kv = await read_checkpoint(self.store, self.checkpoint_key)
            self._cp_mod = kv.mod_revision if kv is not None else 0
            if theirs >= revision:
                log.warning(
                    "another publisher checkpointed further; keeping its checkpoint",
                    extra={"theirs": theirs, "ours": revision, "id": self.identity},
                )
                self.stats.checkpoint = theirs
                return


def elected(
    store: Store,
    bus: Bus,
    *,
    identity: str,
    ttl: int = 10,
    clock: Clock | None = None,
    **options: Any,
) -> ChangeStream:
    """A stream that publishes only while ``identity`` holds the "changestream" leadership.

    What an apiserver replica runs: every replica builds one, one of them publishes, and a
    standby takes over (from the checkpoint) when the leader steps down or its lease expires.
    """
    elector = Elector(store, LEADERSHIP, identity, ttl=ttl, clock=clock)
    return ChangeStream(
        store, bus, identity=identity, clock=clock, leadership=elector.run, **options
    )


async def _get(queue: asyncio.Queue[Item], clock: Clock, timeout: float | None) -> Item | None:
    """The next item, or None once ``timeout`` seconds pass on ``clock`` (None: wait forever)."""
    if timeout is None:
        return await queue.get()
    get = asyncio.ensure_future(queue.get())
    sleep = asyncio.ensure_future(clock.sleep(timeout))
    try:
        await asyncio.wait({get, sleep}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        sleep.cancel()
        if not get.done():
            get.cancel()  # a cancelled get leaves its item in the queue
            await asyncio.wait({get})
    return None if get.cancelled() else get.result()


async def _first_failure(*coros: Awaitable[None]) -> None:
    """Run ``coros`` together until all finish; the first error cancels the rest and is raised."""
    tasks = [asyncio.ensure_future(c) for c in coros]
    try:
        done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_EXCEPTION)
        for task in done:
            if task.exception() is not None:
                raise task.exception()  # type: ignore[misc]
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
