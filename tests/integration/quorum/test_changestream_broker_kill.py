"""The apiserver's change stream over a three-broker Kafka while the broker leading a partition of
the pod topic is killed (-9) and started again, pods being created all along.

The stream is the outbox of the store: every object change after the start must be on the change
topics afterwards (0 missing; duplicates counted, at-least-once allows them), and the publish
delay (a pod's creation to its event's append in Kafka) back under 5 s within 10 s of the
broker's return. The store is the three-member etcd, the apiserver runs in this
process (``tests/integration/degradation/_tiers.py``); the stream is checked as the chaos suite
checks it, against the store's own history (``tests/chaos/_checks.py``).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections import Counter

import pytest

from sigma import events
from sigma.bus import open_bus
from sigma.engines.etcd import EtcdCluster
from sigma.engines.kafka import KafkaCluster
from sigma.errors import AlreadyExists
from sigma.resources import POD, Repository
from sigma.store import open_store
from sigma.testing.wait import eventually
from sigma.v1 import event_pb2, meta_pb2, pod_pb2
from tests.chaos._checks import store_history
from tests.integration.degradation._tiers import tiers
from tests.integration.quorum._figures import SIZE, record
from tests.integration.quorum._load import Load
from tests.integration.quorum._outage import leader_outage, make_whole

FULL = SIZE == "full"
DOWN_SECONDS = 20.0 if FULL else 5.0
AFTER_RETURN = 12.0 if FULL else 6.0  # creating on with the broker back, the delay settling
DELAY_TARGET, SETTLE_TARGET = 5.0, 10.0
STREAM_WAIT = 60.0  # seconds the stream has to show every change the store made

pytestmark = [pytest.mark.etcd, pytest.mark.kafka, pytest.mark.timeout(300 if FULL else 150)]


async def test_the_change_stream_misses_nothing_when_a_partition_leader_dies(
    etcd_cluster: EtcdCluster,
    kafka_cluster: KafkaCluster,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    ns = f"stream-{uuid.uuid4().hex[:6]}"
    store = open_store(etcd_cluster.url)
    pods = Repository(store, POD)

    async def create(name: str) -> None:
        with contextlib.suppress(AlreadyExists):  # an earlier attempt applied after all
            await pods.create(pod_pb2.Pod(meta=meta_pb2.ObjectMeta(namespace=ns, name=name)))

    try:
        async with tiers(etcd_cluster.url, kafka_cluster.url, ("apiserver",)):
            # The stream's first start begins at the store's revision then (its first
            # checkpoint): changes before it are not the stream's to carry.
            checkpoint = lambda: events.read_checkpoint(store)  # noqa: E731
            await eventually(checkpoint, accept=lambda got: got[0] > 0, what="a checkpoint")
            start = await store.revision()
            load = Load(create, writers=2, pause=0.02)
            load.start()
            await asyncio.sleep(2.0)
            _, began, returned = await leader_outage(
                kafka_cluster,
                events.TOPICS["Pod"],
                load,
                down=DOWN_SECONDS,
                after=AFTER_RETURN,
                clock=time.time,  # the stream's times are wall-clock times
            )
            want = await store_history(store, start)
            seen, delays = await _read_stream(kafka_cluster.url, want, ns)
    finally:
        await _remove_pods(pods, ns)  # the next tests' schedulers are not to place them
        await store.close()
        await make_whole(kafka_cluster)
    slow = [created + delay - returned for created, delay in delays if delay >= DELAY_TARGET]
    figures = {
        "fault": "kafka partition leader kill -9 under the change stream",
        "fault_seconds": round(returned - began, 2),
        "stream_changes": len(want),
        "stream_missing": len(want - seen.keys()),
        "stream_duplicates": sum(n - 1 for n in seen.values()),
        "max_publish_delay_seconds": round(max(d for _, d in delays), 3),
        "publish_delay_settled_seconds_after_return": round(max([0.0, *slow]), 2),
        "pods_created": len(load.acked()),
    }
    record(figures, tmp_path_factory.getbasetemp())
    missing = sorted(want - seen.keys(), key=lambda c: c[2])
    assert not missing, f"{len(missing)} changes never streamed, first {missing[:5]}: {figures}"
    assert figures["publish_delay_settled_seconds_after_return"] <= SETTLE_TARGET, figures


async def _remove_pods(pods: Repository[pod_pb2.Pod], ns: str) -> None:
    names = [p.meta.name for p in await pods.list_all(ns)]
    for i in range(0, len(names), 50):
        await asyncio.gather(*(pods.delete(ns, name) for name in names[i : i + 50]))


async def _read_stream(
    url: str, want: set[tuple[str, str, int]], ns: str
) -> tuple[Counter[tuple[str, str, int]], list[tuple[float, float]]]:
    """The change topics from the beginning until ``want`` is all seen: how often each change
    came, and (creation time, publish delay) of each of ``ns``'s pods' ADDED events."""
    seen: Counter[tuple[str, str, int]] = Counter()
    delays: list[tuple[float, float]] = []
    bus = open_bus(url)
    try:
        group = f"quorum-stream-{uuid.uuid4().hex[:6]}"
        consumer = await bus.consumer(group, list(events.TOPICS.values()))
        async with consumer:
            until = time.monotonic() + STREAM_WAIT  # what is missing by then is reported
            while not want <= seen.keys() and time.monotonic() < until:
                for message in await consumer.fetch(max_records=5000, timeout=1.0):
                    event = events.decode(message)
                    seen[(event.kind, event.key, event.revision)] += 1
                    added = event.type == event_pb2.EVENT_TYPE_ADDED
                    if event.kind == "Pod" and added and event.pod.meta.namespace == ns:
                        created = event.pod.meta.creation_timestamp.ToNanoseconds() / 1e9
                        delays.append((created, message.timestamp_ms / 1000 - created))
    finally:
        await bus.close()
    return seen, delays
