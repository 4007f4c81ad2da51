"""A three-broker Kafka under steady publishing, the broker leading a partition the bus publishes
to killed (-9) and started again with its data.

Topics are replicated three times with ``min.insync.replicas`` 2 and publishes are ``acks=all``,
so a publish the bus acknowledged is on two brokers at least and survives the loss of one.
Targets: every acknowledged publish consumed afterwards (0 missing; duplicates counted,
as at-least-once allows them), publishing going on while the broker is away, and the publish
delay back under 5 s within 10 s of the broker's return. A publish's delay runs from its first
attempt to its acknowledgement, retries included (``_load``). The figures go to the session
summary and JSON (``_figures``).

`make test` keeps the broker away 5 s and publishes 3 s past its return; ``SIGMA_CHAOS=full``
(`make chaos-cluster`) 20 s and 12 s.
"""

from __future__ import annotations

import asyncio
import uuid
from collections import Counter

import pytest

from sigma.bus._types import TopicSpec
from sigma.bus.kafka import KafkaBus
from sigma.engines.kafka import KafkaCluster
from tests.integration.quorum._figures import SIZE, record
from tests.integration.quorum._load import Load
from tests.integration.quorum._outage import leader_outage, make_whole

FULL = SIZE == "full"
DOWN_SECONDS = 20.0 if FULL else 5.0
AFTER_RETURN = 12.0 if FULL else 3.0  # publishing on with the broker back, the delay settling
DELAY_TARGET, SETTLE_TARGET = 5.0, 10.0

pytestmark = [pytest.mark.kafka, pytest.mark.timeout(300 if FULL else 150)]


async def test_killing_a_partition_leader_loses_no_acknowledged_publish(
    kafka_cluster: KafkaCluster, tmp_path_factory: pytest.TempPathFactory
) -> None:
    bus = KafkaBus(kafka_cluster.bootstrap, request_timeout=10.0, session_timeout=3.0)
    topic = f"quorum-{uuid.uuid4().hex[:8]}"
    try:
        await bus.ensure_topics([TopicSpec(topic, partitions=4)])
        replicas = await asyncio.to_thread(kafka_cluster.replicas, topic)
        assert set(replicas.values()) == {3}, replicas  # every partition on all three brokers
        load = Load(lambda key: bus.publish(topic, key, key.encode()), give_up=60.0)
        load.start()
        await asyncio.sleep(1.0)
        victim, began, returned = await leader_outage(
            kafka_cluster, topic, load, down=DOWN_SECONDS, after=AFTER_RETURN
        )
        acked = {w.key for w in load.acked()}
        seen = await _consume(bus, topic, acked)
    finally:
        await bus.close()
        await make_whole(kafka_cluster)
    slow_after = [w.acked - returned for w in load.acked() if w.latency >= DELAY_TARGET]
    settled = max([0.0, *slow_after])
    figures = {
        "fault": "kafka partition leader kill -9",
        "fault_seconds": round(returned - began, 2),
        "broker_restart_seconds": round(victim.startup_seconds, 2),
        "stream_missing": len(acked - set(seen)),
        "stream_duplicates": sum(n - 1 for n in seen.values()),
        "max_publish_delay_seconds": round(max(w.latency for w in load.acked()), 3),
        "publish_delay_settled_seconds_after_return": round(settled, 2),
        **load.figures(began, returned),
    }
    record(figures, tmp_path_factory.getbasetemp())
    assert figures["stream_missing"] == 0, figures
    assert figures["writes_given_up"] == 0, figures
    late = [w for w in load.acked() if began + DOWN_SECONDS / 2 <= w.acked <= returned]
    assert late, f"no publish acknowledged in the second half of the outage: {figures}"
    assert settled <= SETTLE_TARGET, figures


async def _consume(bus: KafkaBus, topic: str, want: set[str]) -> Counter[str]:
    """Every message of ``topic`` from the start, by key, until ``want`` are all seen."""
    seen: Counter[str] = Counter()
    consumer = await bus.consumer(f"quorum-{uuid.uuid4().hex[:6]}", [topic], start="earliest")
    async with consumer, asyncio.timeout(60):
        while not want <= seen.keys():
            seen.update(m.key for m in await consumer.fetch(max_records=5000, timeout=1.0))
        # what is left (a publish retried after its acknowledgement was lost) counts as well
        seen.update(m.key for m in await consumer.fetch(max_records=5000, timeout=1.0))
    return seen
