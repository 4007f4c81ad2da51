"""A Kafka broker outage under load, as the quorum tests stage it: the broker leading a partition
killed -9, kept down, started again with its data; and the cluster made whole afterwards."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from sigma.engines.kafka import KafkaCluster, KafkaEngine
from tests.integration.quorum._load import Load


async def leader_outage(
    cluster: KafkaCluster,
    topic: str,
    load: Load,
    *,
    down: float,
    after: float,
    clock: Callable[[], float] = time.monotonic,
) -> tuple[KafkaEngine, float, float]:
    """Kill the leader of ``topic``'s partition 0 under ``load`` (started already), keep it down
    ``down`` seconds, start it again, go on ``after`` seconds, stop the load: the broker, when
    it was killed and when it served again (by ``clock``)."""
    victim = await asyncio.to_thread(cluster.leader_of, topic, 0)
    began = clock()
    victim.kill()
    await asyncio.sleep(down)
    await asyncio.to_thread(victim.start)
    returned = clock()
    await asyncio.sleep(after)
    await load.stop()
    return victim, began, returned


async def make_whole(cluster: KafkaCluster) -> None:
    """Start every broker that is down, so that the next test finds three."""
    for broker in cluster.brokers:
        if not broker.running:
            await asyncio.to_thread(broker.start)
