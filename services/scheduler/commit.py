"""The scheduler's writes: a round's bindings, and what follows them in the background.

``commit`` writes a round in one transaction per node (``StoreBinder.bind_many``); a node whose
compare-and-swap was lost has its pods forgotten by the cache and re-queued with a backoff, and
its record re-read. Then, off the loop's path: the ColocationDecisions of committed evictions on
the bus (a slow bus never holds up binding), a finished pod's room released until it is
(nothing would repeat that write later), and why a pod waits noted in its PodScheduled
condition, once per reason.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
from collections.abc import Callable, Coroutine
from typing import Any

from sigma.clock import Clock
from sigma.errors import Conflict, DeadlineExceeded, NotFound, SigmaError, Unavailable
from sigma.log import get_logger
from sigma.observe import CONFLICTS
from sigma.scheduler.binding import (
    Eviction,
    NodeBinding,
    StoreBinder,
    pod_store_key,
    unschedulable,
)
from sigma.scheduler.convert import allocation_pods
from sigma.scheduler.decide import Group, Stats
from sigma.scheduler.decisions import DecisionPublisher, eviction_decisions
from sigma.scheduler.feed import Feed
from sigma.scheduler.framework import Cache, PodInfo, SchedulingQueue
from sigma.scheduler.framework.cache import counted_curve
from sigma.store import Store, update
from sigma.store.codec import encode

log = get_logger("sigma.scheduler")
RELEASE_BACKOFF = (0.05, 2.0)  # seconds between attempts of a release: first, longest


class Committer:
    def __init__(
        self,
        store: Store,
        feed: Feed,
        cache: Cache,
        queue: SchedulingQueue,
        stats: Stats,
        *,
        clock: Clock,
        wall: Callable[[], float],
        decisions: DecisionPublisher | None,
    ) -> None:
        self.store, self.feed, self.cache, self.queue, self.stats = store, feed, cache, queue, stats
        self.clock, self.wall, self.decisions = clock, wall, decisions
        self.binder = StoreBinder(
            store,
            feed.pod_object,
            feed.node_row,
            feed.record,
            curves=functools.partial(counted_curve, cache),
        )
        self.background: set[asyncio.Task[None]] = set()

    async def commit(self, groups: dict[str, Group]) -> None:
        """Commit a round; lost nodes are forgotten and re-queued."""
        nodes = list(groups)
        bindings = [
            NodeBinding(
                n, tuple(e.pod for e in groups[n].entries), tuple(groups[n].evictions),
                groups[n].decisions,
            )
            for n in nodes
        ]  # fmt: skip
        statuses = await self.binder.bind_many(bindings)
        for node, status in zip(nodes, statuses, strict=True):
            group = groups[node]
            if status.ok:
                self.stats.bound += len(group.entries)
                if group.evictions:
                    self._evicted(node, group.evictions)
                continue
            self.stats.conflicts += 1
            CONFLICTS.inc()
            for entry in group.entries:
                self.cache.forget(entry.pod.key)
                self.queue.failed(entry, status)
            record = self.feed.record(node)
            self.cache.apply_allocation(node, allocation_pods(record) if record else [])

    def _evicted(self, node: str, evictions: list[Eviction]) -> None:
        self.stats.evicted += len(evictions)
        if self.decisions is not None:
            decided = eviction_decisions(node, evictions, self.binder.written(node), self.wall())
            self.spawn(self.decisions.publish(decided))

    def release(self, node: str, key: str) -> None:
        self.spawn(self._release_until_done(node, key))

    async def _release_until_done(self, node: str, key: str) -> None:
        """Release a finished pod's room, retrying until it is released.

        The release is the one write that frees the room: it runs once, on the pod's change,
        and nothing would repeat it later, so a store outage or a run of lost compare-and-swaps
        must not end it, or the node would hold the room for good (until a replica restarts).
        """
        delay = RELEASE_BACKOFF[0]
        while True:
            try:
                if await self.binder.release(node, {key}):
                    return
            except SigmaError as exc:
                if not exc.retriable:
                    raise
                log.warning("release failed", extra={"pod": key, "node": node, "error": str(exc)})
            await self.clock.sleep(delay)
            delay = min(delay * 2, RELEASE_BACKOFF[1])

    def note(self, info: PodInfo, message: str) -> None:
        self.spawn(self._note(info, message))

    async def _note(self, info: PodInfo, message: str) -> None:
        """Tell the pod's owner why it waits: condition PodScheduled=False, once per reason."""
        pod = self.feed.pod_object(info.key)
        if pod is None or pod.spec.node_name:
            return
        noted = unschedulable(pod, message)
        if noted is not None:
            # The pod moved on, or the store is away (the next round notes it again).
            with contextlib.suppress(Conflict, NotFound, Unavailable, DeadlineExceeded):
                await update(
                    self.store,
                    pod_store_key(info.key),
                    encode(noted),
                    expected_mod_revision=pod.meta.resource_version,
                )

    def spawn(self, coro: Coroutine[Any, Any, object]) -> None:
        task = asyncio.ensure_future(coro)
        self.background.add(task)
        task.add_done_callback(self.background.discard)

    async def settle(self) -> None:
        """Wait for the background work started so far (decisions, notes, releases)."""
        while self.background:
            await asyncio.gather(*self.background, return_exceptions=True)
