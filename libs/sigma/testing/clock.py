"""Clocks to inject: the monotonic system clock, and a manual one tests move by hand.

Logic never calls ``time.monotonic`` or ``asyncio.sleep`` itself; it takes a ``Clock``. In tests a
``ManualClock`` makes a 30-second lease expire in no time and without flakiness: ``advance(30)``
moves ``now()`` and wakes every sleeper whose deadline has passed, in deadline order.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools

from sigma.clock import Clock, SystemClock

__all__ = ["Clock", "ManualClock", "SystemClock"]


class ManualClock:
    """A clock that moves only when told; ``advance`` wakes the sleepers it carries past."""

    def __init__(self, start: float = 0.0) -> None:
        self._now = start
        self._seq = itertools.count()  # tie-breaker: equal deadlines wake in sleep order
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []

    def now(self) -> float:
        return self._now

    async def sleep(self, seconds: float) -> None:
        if seconds <= 0:
            await asyncio.sleep(0)
            return
        fut: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self._now + seconds, next(self._seq), fut))
        await fut

    def advance(self, seconds: float) -> None:
        """Move time forward and wake the sleepers that are due (they run at the next await)."""
        if seconds < 0:
            raise ValueError("time only moves forward")
        self._now += seconds
        while self._sleepers and self._sleepers[0][0] <= self._now:
            _, _, fut = heapq.heappop(self._sleepers)
            if not fut.done():
                fut.set_result(None)

    @property
    def sleepers(self) -> int:
        """How many sleepers are still waiting (cancelled ones included until they are due)."""
        return sum(1 for *_, fut in self._sleepers if not fut.done())
