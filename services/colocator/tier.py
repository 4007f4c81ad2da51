"""``sigma colocator``: wires the replica (usage consumer, time-sharing loop) and its service.

Only wiring lives here. The consumer runs on every replica (the group splits the nodes); the
elected one also learns apps' profiles, runs time-sharing and evicts for pending online pods.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from sigma.bus import TopicSpec
from sigma.colocator.api import service
from sigma.colocator.arbitration.pending import PendingArbiter
from sigma.colocator.leader import lead
from sigma.colocator.replica import Colocator
from sigma.colocator.settings import ColocatorSettings
from sigma.colocator.timesharing.loop import TimeSharing
from sigma.colocator.timesharing.profiles import ProfileLearner
from sigma.election import Elector, default_identity
from sigma.retry import keep_running
from sigma.rpc import Service
from sigma.tiers import Context

ELECTION = "colocator-timesharing"


async def build(ctx: Context) -> Sequence[Service]:
    settings: ColocatorSettings = ctx.settings or ColocatorSettings()
    clock = ctx.clock
    api = ctx.require_api("colocator")
    engine = Colocator(ctx.store, ctx.bus, settings, clock=clock, wall=ctx.wall, api=api)
    await ctx.ensure_topics([TopicSpec(settings.usage_topic), TopicSpec(settings.decision_topic)])
    stop = asyncio.Event()
    ctx.spawn(keep_running(lambda: engine.consume(stop), "colocator-consume"), "colocator-consume")
    sharing = TimeSharing(ctx.store, api, engine.decide, ctx.wall)
    learner = ProfileLearner(
        ctx.store,
        ctx.wall,
        slot_seconds=settings.profile_slot_seconds,
        min_history=settings.profile_min_history,
        stale_after=settings.stale_after,
    )
    pending = PendingArbiter(engine)
    elector = Elector(ctx.store, ELECTION, settings.identity or default_identity(), clock=clock)
    ctx.spawn(
        elector.run(
            lambda: keep_running(
                lambda: lead(ctx.bus, settings, learner, sharing, clock, pending), "colocator-lead"
            )
        ),
        "colocator-leader",
    )
    return [service(engine)]
