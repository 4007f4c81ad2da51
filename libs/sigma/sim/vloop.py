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
import selectors
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

#: Wall-clock seconds of virtual time 0: midnight UTC, so trace seconds are times of day.
EPOCH = 19_676 * 86_400  # 2023-11-15T00:00:00Z


class Deadlock(RuntimeError):
    """Every task waits on something that no timer and no I/O can ever set."""


class _Selector(selectors.DefaultSelector):
    def __init__(self) -> None:
        super().__init__()
        self.now = 0.0

    def select(self, timeout: float | None = None) -> list[tuple[selectors.SelectorKey, int]]:
        ready = super().select(0)
        if ready or (timeout is not None and timeout <= 0):
            return ready
        if timeout is None:
            raise Deadlock("the virtual loop would block forever: no timer and nothing ready")
        self.now += timeout
        return []


class VirtualLoop(asyncio.SelectorEventLoop):
    """A selector event loop on virtual time (see the module docstring)."""

    def __init__(self, start: float = 0.0) -> None:
        self._virtual = _Selector()
        self._virtual.now = start
        super().__init__(self._virtual)

    def time(self) -> float:
        return self._virtual.now

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
