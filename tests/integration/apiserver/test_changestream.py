"""The change stream end to end on the embedded store and bus (fast, exact): store changes in,
keyed events on the bus out, none missing; restarts, outages, compaction and leadership."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest

from sigma.apiserver.changestream import elected
from sigma.bus.memory import MemoryBus
from sigma.events import TOPICS, Deduper, Encoding, decode
from sigma.resources import APP, NODE, POD, Repository
from sigma.store.memory import MemoryStore
from sigma.testing.wait import eventually
from sigma.v1 import app_pb2, event_pb2, meta_pb2, node_pb2
from tests.integration.apiserver._changestream import (
    QuickClock,
    SwitchableBus,
    checkpoint,
    pod,
    read_all,
    revisions,
    running,
    stream_of,
    until_checkpoint,
)


@pytest.fixture
async def memory() -> AsyncIterator[tuple[MemoryStore, MemoryBus]]:
    store, bus = MemoryStore(), MemoryBus(default_partitions=4)
    yield store, bus
    await bus.close()
    await store.close()


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


async def test_a_first_start_without_the_bus_streams_what_changed_while_it_waited(memory) -> None:  # type: ignore[no-untyped-def]
    store, inner = memory
    bus = SwitchableBus(inner)
    bus.down = True
    pods = Repository(store, POD)
    await pods.create(pod("team-a", "before"))
    stream = stream_of(store, bus, clock=QuickClock(), from_beginning=False)  # type: ignore[arg-type]
    async with running(stream):
        await eventually(lambda: bus.refused >= 2, what="topics refused")
        during = await pods.create(pod("team-a", "during"))
        bus.down = False
        await until_checkpoint(store, stream, during.meta.resource_version)
    got = await read_all(inner, [TOPICS["Pod"]], until=lambda ms: len(ms) >= 2, timeout=0.3)
    assert [m.key for m in got] == ["team-a/during"]


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
