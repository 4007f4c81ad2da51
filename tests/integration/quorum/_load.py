"""Steady load for the quorum fault tests: writers that keep writing while a member fails, and
what their writes saw.

A *write* here is what a caller of the store or bus means by one: a first attempt and, when that
fails with ``Unavailable``, its retries, until acknowledged (or given up after ``give_up``
seconds). Its latency runs from the first attempt to the acknowledgement, retries included: the
figure a user of the control plane waits. Attempts that failed are counted apart.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field

from sigma.errors import Unavailable


@dataclass
class Write:
    key: str
    began: float
    acked: float = 0.0  # monotonic time of the acknowledgement; 0: never acknowledged
    attempts: int = 0

    @property
    def latency(self) -> float:
        return self.acked - self.began


@dataclass
class Load:
    """``writers`` loops calling ``write(key)`` one write after another until ``stop``."""

    write: Callable[[str], Awaitable[object]]
    writers: int = 4
    give_up: float = 30.0
    pause: float = 0.005  # between two writes of one writer: steady, not flat out
    writes: list[Write] = field(default_factory=list)
    _stop: asyncio.Event = field(default_factory=asyncio.Event)
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def start(self) -> None:
        self._tasks = [asyncio.create_task(self._writer(w)) for w in range(self.writers)]

    async def stop(self) -> None:
        self._stop.set()
        async with asyncio.timeout(self.give_up + 10):
            await asyncio.gather(*self._tasks)

    async def _writer(self, writer: int) -> None:
        n = 0
        while not self._stop.is_set():
            w = Write(f"w{writer}-{n:07d}", time.monotonic())
            self.writes.append(w)
            n += 1
            while not w.acked and time.monotonic() - w.began < self.give_up:
                w.attempts += 1
                try:
                    await self.write(w.key)
                except Unavailable:
                    await asyncio.sleep(0.05)
                    continue
                w.acked = time.monotonic()
            await asyncio.sleep(self.pause)

    # -- figures -----------------------------------------------------------------------------

    def acked(self) -> list[Write]:
        return [w for w in self.writes if w.acked]

    def figures(self, fault_began: float, fault_ended: float) -> dict[str, float | int]:
        """What the writes saw, over the whole run and during ``[fault_began, fault_ended]``
        (a write belongs to the fault when it was in flight at some moment of it)."""
        during = [
            w
            for w in self.writes
            if w.began <= fault_ended and (w.acked or math.inf) >= fault_began
        ]
        latencies = sorted(w.latency for w in during if w.acked)
        return {
            "writes_ok": len(self.acked()),
            "writes_given_up": len(self.writes) - len(self.acked()),
            "attempts_failed": sum(w.attempts - 1 for w in self.acked())
            + sum(w.attempts for w in self.writes if not w.acked),
            "writes_retried": sum(1 for w in self.writes if w.attempts > 1),
            "writes_during_fault": len(during),
            "p99_write_seconds_during_fault": round(percentile(latencies, 0.99), 3),
            "max_write_seconds_during_fault": round(latencies[-1] if latencies else 0.0, 3),
        }


def percentile(sorted_values: list[float], q: float) -> float:
    """The ``q`` quantile (nearest rank) of already sorted values; 0 for none."""
    if not sorted_values:
        return 0.0
    return sorted_values[min(len(sorted_values) - 1, math.ceil(q * len(sorted_values)) - 1)]
