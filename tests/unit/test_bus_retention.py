"""The embedded bus keeps a byte budget per partition, as Kafka's ``retention.bytes``: the log
stays bounded whatever nobody reads, offsets stay absolute, and a member that fell behind what
was kept resumes where Kafka's ``auto.offset.reset`` would put it."""

from __future__ import annotations

import pytest

from sigma.bus import TopicSpec
from sigma.bus.memory import MemoryBus
from sigma.errors import Invalid

VALUE = b"x" * 99  # 100 bytes with its one-letter key


async def publish(bus: MemoryBus, topic: str, count: int) -> None:
    for _ in range(count):
        await bus.publish(topic, "k", VALUE)


async def test_a_partition_keeps_its_newest_messages_within_the_budget() -> None:
    bus = MemoryBus(default_partitions=1, retention_bytes=1000)
    await publish(bus, "t", 10_000)
    assert bus.end_offset(("t", 0)) == 10_000  # offsets stay absolute
    first = bus.start_offset(("t", 0))
    assert 9_990 <= first <= 9_991  # at most the budget (10 messages), at least 9 of them
    async with await bus.consumer("g", ["t"]) as consumer:
        got = await consumer.fetch(timeout=0.1)
    assert [m.offset for m in got] == list(range(first, 10_000))
    await bus.close()


@pytest.mark.parametrize(("start", "resumes_at"), [("earliest", "oldest kept"), ("latest", "end")])
async def test_a_member_behind_what_was_kept_resumes_as_kafka_would(
    start: str, resumes_at: str
) -> None:
    bus = MemoryBus(default_partitions=1, retention_bytes=1000)
    async with await bus.consumer("g", ["t"], start=start) as consumer:  # type: ignore[arg-type]
        await publish(bus, "t", 3)
        assert len(await consumer.fetch(timeout=0.1)) == 3  # (the topic was empty at "latest")
        await publish(bus, "t", 50)  # the member's position, 3, is no longer kept
        await bus.publish("t", "k", b"last")
        lag = (await consumer.lag())[("t", 0)]
        got = await consumer.fetch(timeout=0.1)
    assert lag == len(got)  # counted from where the fetch resumed
    if resumes_at == "end":
        assert got == []  # reset to the end: nothing published after it yet
    else:
        assert got[0].offset == bus.start_offset(("t", 0)) > 3
        assert [m.offset for m in got] == list(range(got[0].offset, 54))
    await bus.close()


async def test_a_topics_own_retention_bytes_is_honoured_and_checked() -> None:
    bus = MemoryBus(default_partitions=1, retention_bytes=1000)
    await bus.ensure_topics([TopicSpec("all", 1, {"retention.bytes": "-1"})])
    await bus.ensure_topics([TopicSpec("small", 1, {"retention.bytes": "300"})])
    await publish(bus, "all", 100)
    await publish(bus, "small", 100)
    assert bus.start_offset(("all", 0)) == 0  # -1: everything kept, as Kafka's
    assert bus.start_offset(("small", 0)) >= 97  # 3 messages at most
    with pytest.raises(Invalid, match=r"retention\.bytes"):
        await bus.ensure_topics([TopicSpec("bad", 1, {"retention.bytes": "lots"})])
    await bus.close()
