"""The event-bus contract: one suite, run against every adapter (memory, kafka).

What is checked is what callers build on (see sigma/bus/_types.py): per-key order, the same
key-to-partition routing in both backends, group members splitting partitions, at-least-once
delivery across close and crash, and ``start="latest"``. Kafka cases share the session's one
broker and use unique topic and group names, so they need no cleanup.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from sigma.bus import Bus, Consumer, Message, TopicSpec
from sigma.bus.kafka import KafkaBus
from sigma.bus.memory import MemoryBus, partition_for
from sigma.engines.kafka import free_port
from sigma.errors import Conflict, Unavailable
from sigma.testing.clock import ManualClock

SESSION_TIMEOUT = 2.0  # seconds a dead member holds its partitions
CRASH_CONSUMER = Path(__file__).with_name("_bus_crash_consumer.py")


@dataclass
class Backend:
    kind: str
    bus: Bus
    bootstrap: str = ""
    clock: ManualClock | None = None


@pytest.fixture(params=["memory", pytest.param("kafka", marks=pytest.mark.kafka)])
async def bus_backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    if request.param == "memory":
        clock = ManualClock(start=1000.0)
        bus: Bus = MemoryBus(session_timeout=SESSION_TIMEOUT, clock=clock)
        yield Backend("memory", bus, clock=clock)
    else:
        engine = request.getfixturevalue("kafka_engine")
        bus = KafkaBus(engine.bootstrap, session_timeout=SESSION_TIMEOUT)
        yield Backend("kafka", bus, bootstrap=engine.bootstrap)
    await bus.close()


@pytest.fixture
def names(request: pytest.FixtureRequest) -> tuple[str, str]:
    """A topic and a group name no other test (or earlier run on the broker) uses."""
    tag = f"{request.node.originalname}-{uuid.uuid4().hex[:8]}"
    return f"t-{tag}", f"g-{tag}"


async def drain(consumer: Consumer, want: int, *, timeout: float = 15.0) -> list[Message]:
    """Fetch until ``want`` messages arrived or ``timeout`` passed."""
    got: list[Message] = []
    deadline = time.monotonic() + timeout
    while len(got) < want and time.monotonic() < deadline:
        got += await consumer.fetch(timeout=0.5)
    return got


async def wait_split(members: list[Consumer], partitions: int, timeout: float = 15.0) -> None:
    """Until the members' assignments are disjoint and cover the topic (Kafka is eventual)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        owned = [m.assignment() for m in members]
        if sum(len(o) for o in owned) == partitions and len(frozenset().union(*owned)) == (
            partitions
        ):
            return
        await asyncio.gather(*(m.fetch(timeout=0.2) for m in members))
    pytest.fail(f"group never split {partitions} partitions: {owned}")


async def test_roundtrip_with_headers(bus_backend: Backend, names: tuple[str, str]) -> None:
    topic, group = names
    await bus_backend.bus.ensure_topics([TopicSpec(topic, partitions=4)])
    pos = await bus_backend.bus.publish(
        topic, "pod/a", b"\x00payload", {"content-type": "application/x-protobuf", "raw": b"\xff"}
    )
    async with await bus_backend.bus.consumer(group, [topic]) as consumer:
        [msg] = await drain(consumer, 1)
    assert (msg.topic, msg.key, msg.value) == (topic, "pod/a", b"\x00payload")
    assert (msg.partition, msg.offset) == (pos.partition, pos.offset)
    assert msg.header("content-type") == b"application/x-protobuf"
    assert msg.header("raw") == b"\xff"
    assert msg.header("missing") is None
    assert msg.timestamp_ms > 0


async def test_lag_counts_what_is_not_fetched_yet(
    bus_backend: Backend, names: tuple[str, str]
) -> None:
    topic, group = names
    await bus_backend.bus.ensure_topics([TopicSpec(topic, partitions=1)])
    for i in range(5):
        await bus_backend.bus.publish(topic, "k", str(i).encode())
    async with await bus_backend.bus.consumer(group, [topic]) as consumer:
        first: list[Message] = []
        deadline = time.monotonic() + 15
        while not first and time.monotonic() < deadline:
            first = await consumer.fetch(max_records=2, timeout=0.5)
        assert len(first) == 2
        assert await consumer.lag() == {(topic, 0): 3}
        rest = await drain(consumer, 3)
        assert [m.value for m in first + rest] == [b"0", b"1", b"2", b"3", b"4"]
        assert await consumer.lag() == {(topic, 0): 0}


async def test_key_routing_matches_kafka_default_partitioner(
    bus_backend: Backend, names: tuple[str, str]
) -> None:
    topic, _ = names
    await bus_backend.bus.ensure_topics([TopicSpec(topic, partitions=8)])
    for i in range(40):
        key = f"node/{i}"
        pos = await bus_backend.bus.publish(topic, key, b"x")
        assert pos.partition == partition_for(key, 8), key


async def test_per_key_order_across_many_keys(bus_backend: Backend, names: tuple[str, str]) -> None:
    topic, group = names
    await bus_backend.bus.ensure_topics([TopicSpec(topic, partitions=4)])
    keys, rounds = 25, 8
    for r in range(rounds):
        for k in range(keys):
            await bus_backend.bus.publish(topic, f"obj-{k}", str(r).encode())
    async with await bus_backend.bus.consumer(group, [topic]) as consumer:
        got = await drain(consumer, keys * rounds)
    seen: dict[str, list[int]] = {}
    for m in got:
        seen.setdefault(m.key, []).append(int(m.value))
    assert len(got) == keys * rounds
    assert all(values == list(range(rounds)) for values in seen.values()), seen


async def test_two_members_split_partitions_exactly_once(
    bus_backend: Backend, names: tuple[str, str]
) -> None:
    topic, group = names
    await bus_backend.bus.ensure_topics([TopicSpec(topic, partitions=6)])
    a = await bus_backend.bus.consumer(group, [topic])
    b = await bus_backend.bus.consumer(group, [topic])
    await wait_split([a, b], 6)
    total = 120
    for i in range(total):
        await bus_backend.bus.publish(topic, f"k{i}", b"v")

    seen: dict[str, list[Message]] = {"a": [], "b": []}

    async def work(name: str, member: Consumer, deadline: float) -> None:
        while sum(len(v) for v in seen.values()) < total and time.monotonic() < deadline:
            batch = await member.fetch(timeout=0.3)
            seen[name] += batch
            if batch:
                await member.commit(batch)

    deadline = time.monotonic() + 20
    await asyncio.gather(work("a", a, deadline), work("b", b, deadline))
    await a.close()
    await b.close()
    everything = [(m.partition, m.offset) for v in seen.values() for m in v]
    assert len(everything) == len(set(everything)) == total
    assert seen["a"] and seen["b"], "both members should have owned partitions with messages"
    assert {m.partition for m in seen["a"]}.isdisjoint({m.partition for m in seen["b"]})


async def test_uncommitted_messages_are_redelivered(
    bus_backend: Backend, names: tuple[str, str]
) -> None:
    topic, group = names
    await bus_backend.bus.ensure_topics([TopicSpec(topic, partitions=3)])
    for i in range(12):
        await bus_backend.bus.publish(topic, f"k{i}", b"v")
    first = await bus_backend.bus.consumer(group, [topic])
    assert len(await drain(first, 12)) == 12
    await first.close()  # no commit
    async with await bus_backend.bus.consumer(group, [topic]) as second:
        again = await drain(second, 12)
    assert sorted(m.key for m in again) == sorted(f"k{i}" for i in range(12))


async def test_committed_messages_are_not_redelivered(
    bus_backend: Backend, names: tuple[str, str]
) -> None:
    topic, group = names
    await bus_backend.bus.ensure_topics([TopicSpec(topic, partitions=3)])
    for i in range(12):
        await bus_backend.bus.publish(topic, f"k{i}", b"v")
    first = await bus_backend.bus.consumer(group, [topic])
    got = await drain(first, 12)
    await first.commit([m for m in got if m.partition == 0])
    await first.close()
    async with await bus_backend.bus.consumer(group, [topic]) as second:
        rest = [m for m in got if m.partition != 0]
        again = await drain(second, len(rest))
        again += await second.fetch(timeout=0.3)
        assert sorted(m.key for m in again) == sorted(m.key for m in got if m.partition != 0)
        await second.commit()
    async with await bus_backend.bus.consumer(group, [topic]) as third:
        assert await third.fetch(timeout=0.5) == []
        await bus_backend.bus.publish(topic, "late", b"v")
        assert [m.key for m in await drain(third, 1)] == ["late"]


async def test_commit_of_a_lost_partition_is_a_conflict(
    bus_backend: Backend, names: tuple[str, str]
) -> None:
    topic, group = names
    await bus_backend.bus.ensure_topics([TopicSpec(topic, partitions=2)])
    for i in range(10):
        await bus_backend.bus.publish(topic, f"k{i}", b"v")
    a = await bus_backend.bus.consumer(group, [topic])
    got = await drain(a, 10)
    b = await bus_backend.bus.consumer(group, [topic])
    await wait_split([a, b], 2)
    lost = [m for m in got if (m.topic, m.partition) not in a.assignment()]
    with pytest.raises(Conflict):
        await a.commit(lost)
    await a.close()
    await b.close()


async def test_start_latest_skips_old_messages(
    bus_backend: Backend, names: tuple[str, str]
) -> None:
    topic, group = names
    await bus_backend.bus.ensure_topics([TopicSpec(topic, partitions=3)])
    for i in range(6):
        await bus_backend.bus.publish(topic, f"old{i}", b"v")
    async with await bus_backend.bus.consumer(group, [topic], start="latest") as consumer:
        for i in range(4):
            await bus_backend.bus.publish(topic, f"new{i}", b"v")
        got = await drain(consumer, 4)
        got += await consumer.fetch(timeout=0.5)
    assert sorted(m.key for m in got) == [f"new{i}" for i in range(4)]


async def test_crashed_member_loses_nothing(
    bus_backend: Backend, names: tuple[str, str], tmp_path: Path
) -> None:
    """SIGKILL a member mid-stream; the group's next member resumes from the last commit."""
    topic, group = names
    total = 300
    await bus_backend.bus.ensure_topics([TopicSpec(topic, partitions=4)])
    for i in range(total):
        await bus_backend.bus.publish(topic, f"k{i:04d}", b"v")
    if bus_backend.kind == "kafka":
        before_crash = await _crash_subprocess(bus_backend.bootstrap, topic, group, tmp_path)
    else:
        before_crash = await _crash_in_process(bus_backend, topic, group)
    assert 0 < len(before_crash) < total, "the crash should land mid-stream"

    after: list[str] = []
    async with await bus_backend.bus.consumer(group, [topic]) as survivor:
        deadline = time.monotonic() + 30
        while set(before_crash) | set(after) != {f"k{i:04d}" for i in range(total)}:
            assert time.monotonic() < deadline, "messages lost after the crash"
            batch = await survivor.fetch(max_records=50, timeout=0.5)
            after += [m.key for m in batch]
            if batch:
                await survivor.commit(batch)
    duplicates = sum(n - 1 for n in Counter(before_crash + after).values() if n > 1)
    print(
        f"\n[{bus_backend.kind}] crash: {len(before_crash)} processed before the kill, "
        f"{len(after)} after, {duplicates} duplicates, 0 lost"
    )


async def test_memory_member_blocked_in_fetch_takes_over_a_dead_peer(
    names: tuple[str, str],
) -> None:
    """The memory bus's session timeout runs on its clock: advancing it frees a dead member's
    partitions and wakes the live member already waiting in ``fetch``."""
    topic, group = names
    clock = ManualClock(start=1000.0)
    bus = MemoryBus(session_timeout=SESSION_TIMEOUT, clock=clock)
    await bus.ensure_topics([TopicSpec(topic, partitions=4)])
    dead = await bus.consumer(group, [topic])
    live = await bus.consumer(group, [topic])
    assert len(live.assignment()) == 2
    for i in range(40):
        await bus.publish(topic, f"k{i}", b"v")
    mine = await live.fetch(timeout=0.1)
    waiting = asyncio.create_task(live.fetch(timeout=10))
    await asyncio.sleep(0.05)
    assert not waiting.done()
    clock.advance(SESSION_TIMEOUT + 0.1)
    theirs = await asyncio.wait_for(waiting, 1.0)
    assert len(live.assignment()) == 4 and dead.assignment() == frozenset()
    assert {m.key for m in mine + theirs} == {f"k{i}" for i in range(40)}
    await bus.close()


async def test_kafka_unreachable_is_unavailable() -> None:
    """No broker listening: the adapter says Unavailable (retriable), not an aiokafka error."""
    bus = KafkaBus(f"127.0.0.1:{free_port()}", request_timeout=2.0)
    with pytest.raises(Unavailable) as caught:
        await bus.publish("t", "k", b"v")
    assert caught.value.retriable
    with pytest.raises(Unavailable):
        await bus.consumer("g", ["t"])
    await bus.close()


async def _crash_subprocess(bootstrap: str, topic: str, group: str, tmp: Path) -> list[str]:
    """Run the member as a real process and SIGKILL it once it has processed ~100 keys."""
    out = tmp / "processed.txt"
    out.touch()
    args = [str(CRASH_CONSUMER), bootstrap, topic, group, str(out), str(SESSION_TIMEOUT)]
    proc = await asyncio.create_subprocess_exec(
        sys.executable, *args, stderr=asyncio.subprocess.PIPE
    )
    try:
        deadline = time.monotonic() + 30
        while len(_keys(out)) < 103:  # not a multiple of the batch: kill mid-batch
            if proc.returncode is not None:
                err = await proc.stderr.read() if proc.stderr else b""
                pytest.fail(f"crash consumer exited early: {err.decode()}")
            assert time.monotonic() < deadline, "crash consumer made no progress"
            await asyncio.sleep(0.005)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        if proc.returncode is None:
            proc.kill()
        await proc.wait()
    return _keys(out)


def _keys(path: Path) -> list[str]:
    lines = path.read_text().splitlines()
    # The last line may be half-written at the moment of the kill; a torn key is not processed.
    return [k for k in lines if len(k) == 5 and k.startswith("k")]


async def _crash_in_process(bus_backend: Backend, topic: str, group: str) -> list[str]:
    """The memory bus's crash: a member stops dead between processing and commit, no close.

    Its partitions stay with it until the (fake) clock passes the session timeout.
    """
    assert bus_backend.clock is not None
    processed: list[str] = []
    victim = await bus_backend.bus.consumer(group, [topic])
    while len(processed) < 103:
        batch = await victim.fetch(max_records=5, timeout=0.5)
        processed += [m.key for m in batch]
        if len(processed) < 103:
            await victim.commit(batch)
    # Abandoned here: processed but not committed, never closed, never heard of again.
    bus_backend.clock.advance(SESSION_TIMEOUT + 0.1)
    return processed
