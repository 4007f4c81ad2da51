"""The change stream on a real etcd and a real Kafka broker: a broker killed for ten seconds under
a stream of writes loses no event, and JSON events are read by a stock Kafka client."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest

from sigma.apiserver.changestream import ChangeStream
from sigma.bus import Bus, Message
from sigma.bus.kafka import KafkaBus
from sigma.engines.kafka import KafkaEngine
from sigma.events import CHECKPOINT_KEY, Deduper, decode, read_checkpoint, revision_of, topics
from sigma.resources import POD, Repository
from sigma.store import Store, open_store
from sigma.testing.wait import eventually
from tests.integration.apiserver._changestream import pod, read_all, running

pytestmark = [pytest.mark.etcd, pytest.mark.kafka]


@pytest.fixture
async def engines(etcd_engine, kafka_engine) -> AsyncIterator[tuple[Store, KafkaBus, KafkaEngine]]:  # type: ignore[no-untyped-def]
    """A store on the session's etcd and a bus on its Kafka, whose sends give up after 5 s."""
    store = open_store(etcd_engine.url)
    bus = KafkaBus(kafka_engine.bootstrap, request_timeout=5.0)
    try:
        yield store, bus, kafka_engine
    finally:
        if not kafka_engine.running:  # leave the session's broker as we found it
            await asyncio.to_thread(kafka_engine.start)
        await bus.close()
        await store.close()


def isolated(store: Store, bus: Bus, run: str, **kw: object) -> ChangeStream:
    """A stream with its own checkpoint and topics, so tests on the shared engines never meet."""
    return ChangeStream(
        store,
        bus,
        identity=f"test-{run}",
        checkpoint_key=f"{CHECKPOINT_KEY}-{run}",
        topic_prefix=f"t{run}.events.",
        **kw,  # type: ignore[arg-type]
    )


async def _write(store: Store, namespace: str, written: dict[int, float]) -> None:
    """300 writes over about 15 s: 100 creates, 100 updates, 100 deletes; ``written`` gets each
    one's store revision and the wall time it was made."""
    pods = Repository(store, POD)
    for step in ("create", "update", "delete"):
        for i in range(100):
            if step == "create":
                rev = (await pods.create(pod(namespace, f"p{i}"))).meta.resource_version
            elif step == "update":
                obj = await pods.get(namespace, f"p{i}")
                obj.meta.labels["step"] = "2"
                rev = (await pods.update(obj)).meta.resource_version
            else:
                rev = await store.delete(POD.key(namespace, f"p{i}")) or 0
            written[rev] = time.time()
            await asyncio.sleep(0.05)


async def _kill_kafka_for_ten_seconds(
    kafka: KafkaEngine, store: Store, run: str
) -> tuple[float, int]:
    """Two seconds in, the broker is down for ten: how long it was away, and the stream's
    checkpoint just before it came back."""
    await asyncio.sleep(2)
    down = time.monotonic()
    await asyncio.to_thread(kafka.stop, clean=False)  # data and ports stay for the restart
    await asyncio.sleep(10)
    held = await read_checkpoint(store, f"{CHECKPOINT_KEY}-{run}")
    await asyncio.to_thread(kafka.start)
    return time.monotonic() - down, held[0]


@dataclass(frozen=True)
class Delivery:
    """What the topic holds of one namespace's writes."""

    events: int
    missing: list[int]  # revisions written but never published
    duplicates: int
    accepted: set[int]  # revisions a ``Deduper`` lets through: in order per key
    delays: list[float]  # seconds from a write to its event's first publication

    @classmethod
    def of(cls, written: dict[int, float], mine: list[Message]) -> Delivery:
        seen = Counter(revision_of(m) for m in mine)
        dedup = Deduper()
        first_seen: dict[int, float] = {}
        for m in mine:
            first_seen.setdefault(revision_of(m), m.timestamp_ms / 1000)
        return cls(
            events=len(mine),
            missing=sorted(set(written) - set(seen)),
            duplicates=len(mine) - len(seen),
            accepted={e.revision for e in map(decode, mine) if dedup.accept(e)},
            delays=[first_seen[r] - t for r, t in written.items() if r in first_seen],
        )


async def test_kafka_down_for_ten_seconds_loses_no_event(engines, caplog) -> None:  # type: ignore[no-untyped-def]
    store, bus, kafka = engines
    run = uuid.uuid4().hex[:8]
    namespace = f"ns-{run}"
    written: dict[int, float] = {}  # store revision → wall time of the write
    stream = isolated(store, bus, run, checkpoint_every=0.5)
    async with running(stream):
        await eventually(lambda: stream.stats.checkpoint > 0, timeout=30, what="stream start")
        writing = asyncio.create_task(_write(store, namespace, written))
        outage, held = await _kill_kafka_for_ten_seconds(kafka, store, run)
        await writing
        last = max(written)
        await eventually(
            lambda: stream.stats.checkpoint >= last - 1, timeout=60, what="stream caught up"
        )
        assert held < last - 1  # during the outage the checkpoint stayed behind

    topic = topics(f"t{run}.events.")["Pod"]
    got = await read_all(
        bus, [topic], until=lambda ms: set(written) <= {revision_of(m) for m in ms}, timeout=30
    )
    d = Delivery.of(written, [m for m in got if m.key.startswith(f"{namespace}/")])
    print(
        f"\nchange stream under a {outage:.1f}s Kafka outage: {len(written)} writes, "
        f"{d.events} events, {len(d.missing)} missing, {d.duplicates} duplicates, "
        f"{stream.stats.retries} publish retries, max publish delay {max(d.delays):.1f}s"
    )
    for record in caplog.records:
        if record.name == "sigma.apiserver.changestream" and hasattr(record, "error"):
            print(f"  publish error seen: {record.error}")
    assert not d.missing, f"missing revisions {d.missing[:20]}"
    assert d.accepted == set(written)  # in order per key: nothing older arrived after newer
    assert max(d.delays) > 5  # the outage was felt: events written in it waited for the broker


async def test_json_events_on_kafka_read_with_a_stock_client(engines) -> None:  # type: ignore[no-untyped-def]
    from aiokafka import AIOKafkaConsumer  # what a team outside Sigma would use

    store, bus, kafka = engines
    run = uuid.uuid4().hex[:8]
    stream = isolated(store, bus, run, encoding="json", checkpoint_every=0.1)
    async with running(stream):
        await eventually(lambda: stream.stats.checkpoint > 0, timeout=30, what="stream start")
        created = await Repository(store, POD).create(pod(f"ns-{run}", "web-0", app="web"))
        rev = created.meta.resource_version
        await eventually(lambda: stream.stats.checkpoint >= rev - 1, timeout=30, what="publish")

    consumer = AIOKafkaConsumer(
        topics(f"t{run}.events.")["Pod"],
        bootstrap_servers=kafka.bootstrap,
        auto_offset_reset="earliest",
        group_id=None,
    )
    await consumer.start()
    try:
        record = await asyncio.wait_for(consumer.getone(), 30)
    finally:
        await consumer.stop()
    headers = dict(record.headers)
    assert headers["content-type"].startswith(b"application/json")
    doc = json.loads(record.value)
    assert record.key == f"ns-{run}/web-0".encode() and doc["key"] == f"ns-{run}/web-0"
    assert int(doc["revision"]) == rev == int(headers["revision"])
    assert doc["pod"]["meta"]["labels"] == {"app": "web"}
