"""The scheduler tier: one replica's two halves in the background, its Explain service in front.

The online half places pods (``loop.Scheduler``); the batch half claims jobs on workers and runs
their masters (``batch.masters``), which ask the online half for worker pods like any pod.
Builder for ``sigma.tiers`` ("sigma.scheduler.tier:build"); preemptions are published on the
shared bus.
"""

from __future__ import annotations

from collections.abc import Sequence

from sigma.rpc import Service
from sigma.scheduler.api import service
from sigma.scheduler.batch.masters import BatchMasters
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
    masters = BatchMasters(
        ctx.store,
        identity=settings.identity,
        clock=ctx.clock,
        wall=ctx.wall,
        ttl=settings.batch_lease_ttl,
        capacity=settings.batch_jobs,
        caller=ctx.caller,
    )
    ctx.spawn(masters.run(), "batch-masters")
    return [service(scheduler, wall_offset=ctx.wall() - ctx.clock.now())]
