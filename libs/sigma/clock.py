"""Clocks: logic never calls ``time.monotonic`` or ``asyncio.sleep`` itself; it takes a ``Clock``.

Production code gets ``SystemClock``; tests and the trace replay inject a clock they move by hand
(``sigma.testing.clock.ManualClock``), so a 30-second lease expires in no time and without
flakiness.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol, runtime_checkable


@runtime_checkable
class Clock(Protocol):
    """Monotonic seconds, and a way to wait for them to pass."""

    def now(self) -> float: ...

    async def sleep(self, seconds: float) -> None: ...


class SystemClock:
    """The real clock: ``time.monotonic`` and ``asyncio.sleep``."""

    def now(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))


async def sleep_or(clock: Clock, seconds: float, event: asyncio.Event) -> None:
    """Wait until ``event`` is set or ``seconds`` pass on ``clock``, whichever comes first.

    Both waits are cancelled before returning, also when the caller is cancelled, so neither
    outlives it.
    """
    sleeper = asyncio.ensure_future(clock.sleep(seconds))
    woken = asyncio.ensure_future(event.wait())
    try:
        await asyncio.wait([sleeper, woken], return_when=asyncio.FIRST_COMPLETED)
    finally:
        sleeper.cancel()
        woken.cancel()
