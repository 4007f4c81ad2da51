"""The scheduler tier: one replica's loop in the background, its Explain service in front.

Builder for ``sigma.tiers`` ("sigma.scheduler.tier:build"); preemptions are published on the
shared bus.
"""

from __future__ import annotations

import time
from collections.abc import Sequence

from sigma.clock import SystemClock
from sigma.rpc import Service
from sigma.scheduler.loop import Scheduler
from sigma.scheduler.server import service
from sigma.tiers import Context


async def build(ctx: Context) -> Sequence[Service]:
    clock = SystemClock()
    scheduler = Scheduler(ctx.store, clock=clock, bus=ctx.bus)
    ctx.spawn(scheduler.run(), "scheduler-loop")
    return [service(scheduler, wall_offset=time.time() - clock.now())]
