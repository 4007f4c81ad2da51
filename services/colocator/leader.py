"""What the elected replica does besides its share of nodes: learn profiles, time-share apps,
evict batch for online pods left pending.

It reads the usage topic through a consumer group of its own, which only the leader joins, so it
sees every node's reports (the node-splitting group gives each replica a share only). Starting
from the latest offset is deliberate: a new leader needs fresh samples, not a replay.
"""

from __future__ import annotations

import contextlib

from google.protobuf.message import DecodeError

from sigma.bus import Bus
from sigma.clock import Clock
from sigma.colocator.arbitration.pending import PendingArbiter
from sigma.colocator.settings import ColocatorSettings
from sigma.colocator.timesharing.loop import TimeSharing
from sigma.colocator.timesharing.profiles import ProfileLearner
from sigma.errors import Conflict, SigmaError
from sigma.log import get_logger
from sigma.v1 import event_pb2

log = get_logger("sigma.colocator.leader")


async def lead(
    bus: Bus,
    settings: ColocatorSettings,
    learner: ProfileLearner,
    sharing: TimeSharing,
    clock: Clock,
    pending: PendingArbiter | None = None,
) -> None:
    """Runs until cancelled (leadership lost or shutdown)."""
    group = f"{settings.group}-profiles"
    async with (
        await bus.consumer(group, [settings.usage_topic], start="latest") as consumer,
        pending.watching() if pending else contextlib.nullcontext(),
    ):
        next_tick = next_profiles = clock.now()
        while True:
            messages = await consumer.fetch(timeout=0.5)
            for message in messages:
                with contextlib.suppress(DecodeError):
                    report = event_pb2.NodeUsageReport.FromString(message.value)
                    await learner.observe(report)
                    if pending:
                        pending.observe(report)
            if messages:
                with contextlib.suppress(Conflict):
                    await consumer.commit(messages)
            if pending and settings.evict:
                try:
                    await pending.tick()
                except SigmaError as exc:
                    log.warning("pending arbitration failed", extra={"error": str(exc)})
            now = clock.now()
            if now < next_tick:
                continue
            next_tick = now + settings.tick_interval
            learner.sample()
            try:
                if now >= next_profiles:
                    next_profiles = now + settings.profile_interval
                    await learner.publish()
                await sharing.tick()
            except SigmaError as exc:
                log.warning("leader tick failed", extra={"error": str(exc)})
