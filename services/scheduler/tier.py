"""The scheduler tier: one replica's loop in the background, its Explain service in front.

Builder for ``sigma.tiers`` ("sigma.scheduler.tier:build"); preemptions are published on the
shared bus.
"""

from __future__ import annotations

from collections.abc import Sequence

from sigma.rpc import Service
from sigma.scheduler.api import service
from sigma.scheduler.loop import Scheduler
from sigma.scheduler.plugins.registry import default_profile
from sigma.scheduler.settings import SchedulerSettings
from sigma.tiers import Context


async def build(ctx: Context) -> Sequence[Service]:
    settings: SchedulerSettings = ctx.settings or SchedulerSettings()
    profile = default_profile(
        seed=ctx.seed, percentage_of_nodes_to_score=settings.percentage_of_nodes_to_score
    )
    scheduler = Scheduler(ctx.store, clock=ctx.clock, bus=ctx.bus, wall=ctx.wall, profile=profile)
    ctx.spawn(scheduler.run(), "scheduler-loop")
    return [service(scheduler, wall_offset=ctx.wall() - ctx.clock.now())]
