"""The scheduler replica: what it learns (``feed``), decides (``decide``), and writes (``commit``).

Each round pops up to ``batch_size`` pods, decides each against a fresh snapshot (assuming the
placement at once so the next decision sees it), then commits one store transaction per node
touched, concurrently. A lost compare-and-swap forgets the assumptions and re-queues the pods
with a backoff. Several replicas may run against one store: the per-node CAS keeps them safe.
Once a transaction that evicts victims has committed, one ColocationDecision per victim goes
to the decisions topic of the bus (when the replica has one).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence

from sigma.bus import Bus
from sigma.clock import Clock, SystemClock, sleep_or
from sigma.events import DECISIONS_TOPIC
from sigma.scheduler.commit import Committer
from sigma.scheduler.decide import Decider, Group, Stats, shape
from sigma.scheduler.decisions import DecisionPublisher
from sigma.scheduler.feed import Feed
from sigma.scheduler.framework import Cache, Profile, QueuedPod, SchedulingQueue
from sigma.scheduler.plugins.registry import build, wakes
from sigma.store import Store

RETRY_COALESCE = 0.1  # seconds; see Scheduler._idle


class Scheduler:
    def __init__(
        self,
        store: Store,
        *,
        clock: Clock | None = None,
        profile: Profile | None = None,
        scheduler_name: str = "",
        batch_size: int = 64,
        initial_backoff: float = 0.05,
        max_backoff: float = 2.0,
        wall: Callable[[], float] = time.time,
        batch_stale_after: float = 300.0,
        note_unschedulable: bool = True,
        bus: Bus | None = None,
        decisions_topic: str = DECISIONS_TOPIC,
    ) -> None:
        self.clock = clock or SystemClock()
        self.framework = build(profile)
        self.batch_size = batch_size
        self.note_unschedulable = note_unschedulable
        self.cache = Cache()
        self.queue = SchedulingQueue(
            self.clock,
            wakes=wakes(self.framework),
            shape_of=shape,
            initial_backoff=initial_backoff,
            max_backoff=max_backoff,
        )
        self.stats = Stats()
        self._wake = asyncio.Event()
        self.feed = Feed(
            store,
            self.cache,
            self.queue,
            scheduler_name=scheduler_name,
            release=lambda node, key: self.committer.release(node, key),
            wake=self._wake.set,
            wall=wall,
            batch_stale_after=batch_stale_after,
        )
        self.decisions = DecisionPublisher(bus, decisions_topic) if bus is not None else None
        self.committer = Committer(
            store,
            self.feed,
            self.cache,
            self.queue,
            self.stats,
            clock=self.clock,
            wall=wall,
            decisions=self.decisions,
        )
        self.binder = self.committer.binder
        self.decider = Decider(self.framework, self.cache, self.queue, self.stats)

    async def start(self) -> list[asyncio.Task[None]]:
        """Start the informers and wait until each has listed; returns their tasks."""
        return await self.feed.start()

    async def run(self) -> None:
        """Schedule until cancelled."""
        tasks = await self.start()
        inflight: asyncio.Future[None] | None = None
        try:
            # Pipelined: round k+1 is decided while round k's transaction is in the store;
            # commits stay in order, so each prepares against the records the last one wrote.
            while True:
                groups, tried = self.decide_round()
                if inflight is not None:
                    await inflight
                    inflight = None
                if groups:
                    inflight = asyncio.ensure_future(self.commit(groups))
                    await asyncio.sleep(0)  # let the transaction go out before deciding on
                elif not tried:
                    await self._idle()
        finally:
            pending = [*tasks, *self.committer.background, *([inflight] if inflight else [])]
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)

    def decide_round(self) -> tuple[dict[str, Group], int]:
        """Decide (and assume) up to ``batch_size`` pods, grouped by node."""
        self._wake.clear()
        decided = self.decider.round(self.batch_size)
        if self.note_unschedulable:
            for pod, message in decided.notes:
                self.committer.note(pod, message)
        return decided.groups, decided.tried

    async def commit(self, groups: dict[str, Group]) -> None:
        """Commit a round from ``decide_round``; lost nodes are forgotten and re-queued."""
        await self.committer.commit(groups)

    async def settle(self) -> None:
        """Wait for the background work started so far (decisions, notes, releases)."""
        await self.committer.settle()

    async def _idle(self) -> None:
        ready = self.queue.next_ready_at()
        # Retries due within RETRY_COALESCE of the first go in one round: a backlog of pods
        # backing off at scattered times would otherwise wake the loop once per pod.
        timeout = 1.0 if ready is None else max(0.0, ready - self.clock.now()) + RETRY_COALESCE
        await sleep_or(self.clock, timeout, self._wake)

    def pending(self) -> Sequence[QueuedPod]:
        return self.queue.pending()
