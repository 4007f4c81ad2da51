"""Clocks: logic never calls ``time.monotonic`` or ``asyncio.sleep`` itself; it takes a ``Clock``.

Production code gets ``SystemClock``; tests and the trace replay inject a clock they move by hand
(``sigma.testing.clock.ManualClock``), so a 30-second lease expires in no time and without
flakiness.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
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
    await first_of(clock.sleep(seconds), event.wait())


async def first_of(*waits: Awaitable[object]) -> None:
    """Return once any of ``waits`` is done. The others are cancelled and reaped before
    returning, also when the caller is cancelled, so none outlives it."""
    futures = [asyncio.ensure_future(w) for w in waits]
    try:
        await asyncio.wait(futures, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for future in futures:
            future.cancel()
        await asyncio.gather(*futures, return_exceptions=True)
