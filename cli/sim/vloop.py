"""An asyncio event loop whose clock is virtual: hours of cluster time in seconds of wall time.

The replay runs every tier's own loops (leases, intervals, ``wait_for``, elections) unchanged;
they all take their time from the event loop, through ``LoopClock`` or ``asyncio.sleep``.
``VirtualLoop.time()`` returns a counter instead of the monotonic clock, and its selector, asked
to block for ``t`` seconds while nothing is ready, returns at once and moves the counter on by
``t``: idle time costs nothing, so the loop always jumps to the next timer.

What must not run on it: real I/O (sockets, gRPC servers, Kafka, etcd) and threads, since the
loop cannot tell "waiting for the network" from "idle"; the replay uses the in-memory store and
bus only. A loop that would block with no timer at all is a deadlock, and raises.
"""

from __future__ import annotations

import asyncio
import math
import selectors
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

#: Wall-clock seconds of virtual time 0: midnight UTC, so trace seconds are times of day.
EPOCH = 19_676 * 86_400  # 2023-11-15T00:00:00Z
#: Timer ticks per virtual second (see ``VirtualLoop.call_at``).
GRID = 1_000_000


def on_grid(t: float) -> float:
    """``t`` rounded up to the timer grid."""
    return math.ceil(t * GRID) / GRID


class Deadlock(RuntimeError):
    """Every task waits on something that no timer and no I/O can ever set."""


class _Selector(selectors.DefaultSelector):
    def __init__(self) -> None:
        super().__init__()
        self.now = 0.0
        self.timers: list[asyncio.TimerHandle] = []  # the loop's heap, shared by VirtualLoop

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        ready = super().select(0)
        if ready or (timeout is not None and timeout <= 0):
            return ready
        if timeout is None:
            raise Deadlock("the virtual loop would block forever: no timer and nothing ready")
        # ``timeout`` is the earliest timer's time minus now; land on that time exactly (the
        # sum may round an ulp short of it), so the clock stays on the timers' grid.
        due = self.timers[0].when() if self.timers else self.now
        self.now = max(self.now + timeout, due)
        return []


class VirtualLoop(asyncio.SelectorEventLoop):
    """A selector event loop on virtual time (see the module docstring)."""

    def __init__(self, start: float = 0.0) -> None:
        self._virtual = _Selector()
        self._virtual.now = on_grid(start)
        super().__init__(self._virtual)
        self._virtual.timers = self._scheduled  # type: ignore[attr-defined]

    def time(self) -> float:
        return self._virtual.now

    def call_at(self, when: float, callback: Any, *args: Any, context: Any = None) -> Any:
        """Timers (and the clock) on a 1 µs grid: asyncio runs a timer once within 1 ns of the
        clock, so one a hair ahead would fire while the clock stays put, and a task waiting
        "until its deadline" would re-arm it forever at one instant. On the grid, a timer is
        either now or at least 1 µs ahead, and the clock moves to it."""
        return super().call_at(on_grid(when), callback, *args, context=context)

    def run_in_executor(self, executor: Any, func: Any, *args: Any) -> asyncio.Future[Any]:
        raise RuntimeError("threads cannot run on a virtual-time loop")


class LoopClock:
    """A ``sigma.clock.Clock`` reading the running loop's time: virtual on a ``VirtualLoop``."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop

    def now(self) -> float:
        return self.loop.time()

    async def sleep(self, seconds: float) -> None:
        await asyncio.sleep(max(0.0, seconds))

    def wall(self) -> float:
        """Wall-clock seconds: ``EPOCH`` plus the loop's time."""
        return EPOCH + self.loop.time()

    def wall_ns(self) -> int:
        return int(self.wall() * 1e9)


def run_virtual(main: Coroutine[Any, Any, T], start: float = 0.0) -> T:
    """``asyncio.run`` on a fresh ``VirtualLoop`` starting at ``start`` virtual seconds."""
    loop = VirtualLoop(start)
    try:
        asyncio.set_event_loop(loop)
        return loop.run_until_complete(main)
    finally:
        try:
            pending = [t for t in asyncio.all_tasks(loop) if not t.done()]
            for task in pending:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
        finally:
            asyncio.set_event_loop(None)
            loop.close()
