"""The change stream end to end: store changes in, keyed events on the bus out, none missing.

The first half runs on the embedded store and bus (fast, exact); the second on a real etcd and a
real Kafka broker that is killed for ten seconds under a stream of writes.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
import uuid
from collections import Counter, defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping

import pytest

from sigma.apiserver.changestream import ChangeStream, elected
from sigma.bus import Bus, Message, Position, TopicSpec
from sigma.bus.kafka import KafkaBus
from sigma.bus.memory import MemoryBus
from sigma.engines.kafka import KafkaEngine
from sigma.errors import Unavailable
from sigma.events import (
    CHECKPOINT_KEY,
    TOPICS,
    Deduper,
    Encoding,
    decode,
    read_checkpoint,
    revision_of,
    topics,
)
from sigma.resources import APP, NODE, POD, Repository
from sigma.store import Store, open_store
from sigma.store.memory import MemoryStore
from sigma.testing.wait import eventually
from sigma.v1 import app_pb2, event_pb2, meta_pb2, node_pb2, pod_pb2

# -- helpers ---------------------------------------------------------------------------------


class QuickClock:
    """Real ``now``; sleeps pass at once (briefly yielding) and are recorded."""

    def __init__(self) -> None:
        self.slept: list[float] = []

    def now(self) -> float:
        return time.monotonic()

    async def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        await asyncio.sleep(0.001)


class SwitchableBus:
    """A bus whose publishing can be turned off, as a broker outage would."""

    def __init__(self, inner: Bus) -> None:
        self.inner = inner
        self.down = False
        self.refused = 0

    async def ensure_topics(self, specs: list[TopicSpec]) -> None:
        await self.inner.ensure_topics(specs)

    async def publish(
        self, topic: str, key: str, value: bytes, headers: Mapping[str, bytes | str] | None = None
    ) -> Position:
        if self.down:
            self.refused += 1
            raise Unavailable("bus: broker down")
        return await self.inner.publish(topic, key, value, headers)

    def __getattr__(self, name: str) -> object:
        return getattr(self.inner, name)


@contextlib.asynccontextmanager
async def running(stream: ChangeStream) -> AsyncIterator[asyncio.Task[None]]:
    task = asyncio.create_task(stream.run())
    try:
        yield task
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task


async def read_all(
    bus: Bus, names: Iterable[str], *, until: Callable[[list[Message]], bool], timeout: float = 10.0
) -> list[Message]:
    """Every message of ``names`` from the beginning (fresh group) until ``until`` holds."""
    out: list[Message] = []
    consumer = await bus.consumer(f"verify-{uuid.uuid4().hex[:8]}", list(names))
    async with consumer:
        deadline = time.monotonic() + timeout
        while not until(out) and time.monotonic() < deadline:
            out.extend(await consumer.fetch(timeout=0.2))
    return out


def revisions(messages: Iterable[Message]) -> list[int]:
    return [decode(m).revision for m in messages]


def pod(namespace: str, name: str, **labels: str) -> pod_pb2.Pod:
    return pod_pb2.Pod(meta=meta_pb2.ObjectMeta(namespace=namespace, name=name, labels=labels))


@pytest.fixture
async def memory() -> AsyncIterator[tuple[MemoryStore, MemoryBus]]:
    store, bus = MemoryStore(), MemoryBus(default_partitions=4)
    yield store, bus
    await bus.close()
    await store.close()


def stream_of(store: Store, bus: Bus, **kw: object) -> ChangeStream:
    kw.setdefault("checkpoint_every", 0.0)
    kw.setdefault("from_beginning", True)  # no race with writes right after the start
    kw.setdefault("clock", QuickClock())
    kw.setdefault("identity", "test")
    return ChangeStream(store, bus, **kw)  # type: ignore[arg-type]


async def checkpoint(store: Store) -> int:
    return (await read_checkpoint(store))[0]


async def until_checkpoint(store: Store, stream: ChangeStream, revision: int) -> None:
    """Wait until the stream has checkpointed ``revision`` - 1 (it trails by one, by design)."""
    await eventually(lambda: stream.stats.checkpoint >= revision - 1, what="checkpoint")
    assert await checkpoint(store) >= revision - 1


# -- embedded store and bus ------------------------------------------------------------------


async def test_every_change_reaches_its_topic_in_order_with_headers(memory) -> None:  # type: ignore[no-untyped-def]
    store, bus = memory
    pods, apps, nodes = Repository(store, POD), Repository(store, APP), Repository(store, NODE)
    stream = stream_of(store, bus)
    async with running(stream):
        web = await pods.create(pod("team-a", "web-0", app="web"))
        await apps.create(app_pb2.App(meta=meta_pb2.ObjectMeta(namespace="team-a", name="web")))
        await nodes.create(node_pb2.Node(meta=meta_pb2.ObjectMeta(name="n1")))
        await store.put("/sigma/v1/heartbeats/n1", b"alive")  # not an object: not published
        web.meta.labels["tier"] = "front"
        web = await pods.update(web)
        await pods.delete("team-a", "web-0")
        last = await store.revision()
        await until_checkpoint(store, stream, last)

    got = await read_all(bus, TOPICS.values(), until=lambda ms: len(ms) >= 5)
    assert len(got) == 5
    by_topic = defaultdict(list)
    for m in got:
        by_topic[m.topic].append(m)
    assert set(by_topic) == {TOPICS["Pod"], TOPICS["App"], TOPICS["Node"]}

    pod_events = [decode(m) for m in by_topic[TOPICS["Pod"]]]
    assert [e.type for e in pod_events] == [
        event_pb2.EVENT_TYPE_ADDED,
        event_pb2.EVENT_TYPE_MODIFIED,
        event_pb2.EVENT_TYPE_DELETED,
    ]
    assert [e.revision for e in pod_events] == sorted(e.revision for e in pod_events)
    assert pod_events[1].prev_revision == pod_events[0].revision
    assert pod_events[2].pod.meta.labels["tier"] == "front"  # a delete carries the last state
    assert {m.key for m in by_topic[TOPICS["Pod"]]} == {"team-a/web-0"}
    assert by_topic[TOPICS["Node"]][0].key == "n1"

    m = by_topic[TOPICS["App"]][0]
    assert m.header("content-type") == Encoding.PROTOBUF.value.encode()
    assert m.header("kind") == b"App"
    assert int(m.header("revision") or 0) == decode(m).revision


async def test_restart_resumes_from_the_checkpoint_without_gaps(memory) -> None:  # type: ignore[no-untyped-def]
    store, bus = memory
    pods = Repository(store, POD)
    expected: list[int] = []

    async def write(names: range) -> None:
        for i in names:
            expected.append((await pods.create(pod("team-a", f"p{i}"))).meta.resource_version)

    first = stream_of(store, bus)
    async with running(first):
        await write(range(0, 20))
        await until_checkpoint(store, first, expected[-1])
    await write(range(20, 40))  # while no stream runs
    assert await checkpoint(store) < expected[20]

    second = stream_of(store, bus)
    async with running(second):
        await write(range(40, 50))
        await until_checkpoint(store, second, expected[-1])

    got = await read_all(bus, [TOPICS["Pod"]], until=lambda ms: set(expected) <= set(revisions(ms)))
    seen = revisions(got)
    assert set(expected) <= set(seen), f"missing {sorted(set(expected) - set(seen))}"
    dedup = Deduper()
    kept = [decode(m) for m in got if dedup.accept(decode(m))]
    assert sorted(e.revision for e in kept) == expected
    assert len(seen) - len(kept) == dedup.dropped  # repeats (if any) are caught by revision


async def test_an_outage_delays_events_and_holds_the_checkpoint(memory) -> None:  # type: ignore[no-untyped-def]
    store, inner = memory
    bus = SwitchableBus(inner)
    pods = Repository(store, POD)
    clock = QuickClock()
    stream = stream_of(store, bus, clock=clock)  # type: ignore[arg-type]
    async with running(stream):
        before = await pods.create(pod("team-a", "a"))
        await until_checkpoint(store, stream, before.meta.resource_version)
        held = await checkpoint(store)
        bus.down = True
        during = [
            (await pods.create(pod("team-a", f"b{i}"))).meta.resource_version for i in range(5)
        ]
        await eventually(lambda: bus.refused >= 20, what="publish retries")
        assert await checkpoint(store) == held  # never past an unacknowledged event
        assert clock.slept and max(clock.slept) <= stream.backoff.maximum
        bus.down = False
        await until_checkpoint(store, stream, during[-1])

    got = await read_all(inner, [TOPICS["Pod"]], until=lambda ms: len(ms) >= 6)
    assert sorted(revisions(got)) == [before.meta.resource_version, *during]  # one per key
    assert stream.stats.retries >= 20


async def test_compacted_history_is_resynced(memory) -> None:  # type: ignore[no-untyped-def]
    store, bus = memory
    pods = Repository(store, POD)
    first = stream_of(store, bus)
    async with running(first):
        a = await pods.create(pod("team-a", "a"))
        await until_checkpoint(store, first, a.meta.resource_version)
    b = await pods.create(pod("team-a", "b"))
    a.meta.labels["v"] = "2"
    a = await pods.update(a)
    await pods.delete("team-a", "b")  # lost for good: compaction erased it
    assert await first.safe_compaction_revision() == await checkpoint(store) + 1
    await store.compact(await store.revision())  # past the safe point, on purpose

    second = stream_of(store, bus)
    async with running(second):
        await eventually(lambda: second.stats.resyncs == 1, what="resync")
        await until_checkpoint(store, second, await store.revision())

    got = await read_all(bus, [TOPICS["Pod"]], until=lambda ms: len(ms) >= 2, timeout=2)
    last = decode(got[-1])
    assert (last.key, last.revision, last.type) == (
        "team-a/a",
        a.meta.resource_version,
        event_pb2.EVENT_TYPE_MODIFIED,
    )
    assert b.meta.resource_version not in revisions(got)


async def test_from_beginning_replays_history_and_leadership_gates_the_run(memory) -> None:  # type: ignore[no-untyped-def]
    store, bus = memory
    created = await Repository(store, POD).create(pod("team-a", "early"))
    led: list[str] = []

    async def leadership(fn: Callable[[], Awaitable[None]]) -> None:
        led.append("elected")
        await fn()

    stream = stream_of(store, bus, from_beginning=True, leadership=leadership)
    async with running(stream):
        await until_checkpoint(store, stream, created.meta.resource_version)
    assert led == ["elected"]
    got = await read_all(bus, [TOPICS["Pod"]], until=lambda ms: len(ms) >= 1)
    assert revisions(got) == [created.meta.resource_version]


async def test_only_the_elected_replica_publishes_and_a_standby_takes_over(memory) -> None:  # type: ignore[no-untyped-def]
    store, bus = memory
    pods = Repository(store, POD)
    replicas = [
        elected(store, bus, identity=name, from_beginning=True, checkpoint_every=0.0)
        for name in ("a", "b")
    ]
    tasks = [asyncio.create_task(r.run()) for r in replicas]
    expected = [(await pods.create(pod("team-a", f"p{i}"))).meta.resource_version for i in range(5)]
    await eventually(lambda: sum(r.stats.published for r in replicas) >= 5, what="publishing")
    leader, standby = sorted(replicas, key=lambda r: -r.stats.published)
    assert standby.stats.published == 0

    tasks[replicas.index(leader)].cancel()  # steps down at once
    more = [(await pods.create(pod("team-a", f"q{i}"))).meta.resource_version for i in range(5)]
    await until_checkpoint(store, standby, more[-1])
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)

    got = await read_all(bus, [TOPICS["Pod"]], until=lambda ms: len(ms) >= 10)
    assert set(expected + more) <= set(revisions(got))
    assert standby.stats.published >= 5


async def test_by_default_a_first_start_begins_at_the_current_revision(memory) -> None:  # type: ignore[no-untyped-def]
    store, bus = memory
    pods = Repository(store, POD)
    await pods.create(pod("team-a", "before"))
    now = await store.revision()
    stream = stream_of(store, bus, from_beginning=False)
    async with running(stream):
        await eventually(lambda: stream.stats.checkpoint == now, what="first checkpoint")
        after = await pods.create(pod("team-a", "after"))
        await until_checkpoint(store, stream, after.meta.resource_version)
    got = await read_all(bus, [TOPICS["Pod"]], until=lambda ms: len(ms) >= 2, timeout=0.3)
    assert [m.key for m in got] == ["team-a/after"]


async def test_json_events_need_nothing_but_json(memory) -> None:  # type: ignore[no-untyped-def]
    store, bus = memory
    stream = stream_of(store, bus, encoding="json")
    async with running(stream):
        created = await Repository(store, POD).create(pod("team-a", "web-0", app="web"))
        await until_checkpoint(store, stream, created.meta.resource_version)
    (m,) = await read_all(bus, [TOPICS["Pod"]], until=lambda ms: len(ms) >= 1)
    assert (m.header("content-type") or b"").startswith(b"application/json")
    doc = json.loads(m.value)
    assert doc["type"] == "EVENT_TYPE_ADDED"
    assert doc["key"] == "team-a/web-0" == m.key
    assert int(doc["revision"]) == created.meta.resource_version
    assert doc["pod"]["meta"]["labels"] == {"app": "web"}


# -- real etcd and Kafka ---------------------------------------------------------------------


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


@pytest.mark.etcd
@pytest.mark.kafka
async def test_kafka_down_for_ten_seconds_loses_no_event(engines, caplog) -> None:  # type: ignore[no-untyped-def]
    store, bus, kafka = engines
    run = uuid.uuid4().hex[:8]
    namespace = f"ns-{run}"
    pods = Repository(store, POD)
    written: dict[int, float] = {}  # store revision → wall time of the write

    async def writer() -> None:
        """300 writes over about 15 s: 100 creates, 100 updates, 100 deletes."""
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

    stream = isolated(store, bus, run, checkpoint_every=0.5)
    async with running(stream):
        await eventually(lambda: stream.stats.checkpoint > 0, timeout=30, what="stream start")
        writing = asyncio.create_task(writer())
        await asyncio.sleep(2)
        down = time.monotonic()
        await asyncio.to_thread(kafka.stop, clean=False)  # data and ports stay for the restart
        await asyncio.sleep(10)
        held = await read_checkpoint(store, f"{CHECKPOINT_KEY}-{run}")
        await asyncio.to_thread(kafka.start)
        outage = time.monotonic() - down
        await writing
        last = max(written)
        await eventually(
            lambda: stream.stats.checkpoint >= last - 1, timeout=60, what="stream caught up"
        )
        assert held[0] < last - 1  # during the outage the checkpoint stayed behind

    topic = topics(f"t{run}.events.")["Pod"]
    got = await read_all(
        bus, [topic], until=lambda ms: set(written) <= {revision_of(m) for m in ms}, timeout=30
    )
    mine = [m for m in got if m.key.startswith(f"{namespace}/")]
    seen = Counter(revision_of(m) for m in mine)
    missing = sorted(set(written) - set(seen))
    dedup = Deduper()
    accepted = {e.revision for e in map(decode, mine) if dedup.accept(e)}
    first_seen: dict[int, float] = {}
    for m in mine:
        first_seen.setdefault(revision_of(m), m.timestamp_ms / 1000)
    delays = [first_seen[r] - t for r, t in written.items() if r in first_seen]
    print(
        f"\nchange stream under a {outage:.1f}s Kafka outage: {len(written)} writes, "
        f"{len(mine)} events, {len(missing)} missing, {len(mine) - len(seen)} duplicates, "
        f"{stream.stats.retries} publish retries, max publish delay {max(delays):.1f}s"
    )
    for record in caplog.records:
        if record.name == "sigma.apiserver.changestream" and hasattr(record, "error"):
            print(f"  publish error seen: {record.error}")
    assert not missing, f"missing revisions {missing[:20]}"
    assert accepted == set(written)  # in order per key: nothing older arrived after newer
    assert max(delays) > 5  # the outage was felt: events written in it waited for the broker


@pytest.mark.etcd
@pytest.mark.kafka
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
