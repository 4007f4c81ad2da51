"""The embedded event bus: Kafka's contract in one process, for the single-machine default.

It keeps what callers of the Kafka adapter rely on, so code tested here behaves the same there:

- a keyed message goes to partition ``murmur2(key) % partitions``, the hash of Kafka's default
  partitioner, so a key lands on the same partition number in both backends;
- a group splits the partitions of its topics among its live members (round robin over the
  members in join order, per topic); every join, leave or expiry rebalances at once;
- a partition that changes owner restarts from the group's committed offset, so what the old
  owner fetched but did not commit is delivered again (at-least-once); a member that keeps a
  partition keeps its position;
- committing messages of a partition the member no longer owns raises ``Conflict`` and commits
  nothing, as Kafka does after a rebalance.

Retention, as Kafka's ``retention.bytes``: each partition keeps its newest messages up to a
byte budget (keys, values and headers; ``retention_bytes``, or a topic's own
``retention.bytes`` config), so a long-running cluster or replay holds a bounded log whatever
nobody reads. Offsets stay absolute: older messages are dropped from the front in chunks of a
tenth of the budget (Kafka drops whole segments), and a member whose position fell below the
oldest offset kept resumes as Kafka's ``auto.offset.reset`` would: at the oldest kept for
``start="earliest"``, at the end for ``"latest"``.

Crashes: a member that stops calling ``fetch``/``commit`` for ``session_timeout`` seconds (on
the injectable ``clock``, e.g. ``sigma.testing.clock.ManualClock``) is dropped from its group
the next time anyone touches the group, and its partitions move on; if it comes back, its next
call joins the group again. In one process a heartbeat thread would hide exactly the hang we
want to notice, so the timeout doubles as Kafka's ``max.poll.interval``: keep processing of one
batch shorter than it. A test simulates a crash by abandoning a consumer without ``close`` and
advancing the clock past the timeout. A live member blocked in ``fetch`` waits on an event
bounded by the group's next expiry, so it notices a dead peer without polling.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from aiokafka.partitioner import murmur2

from sigma.bus._types import Message, Position, StartFrom, TopicSpec, encode_headers
from sigma.clock import Clock, SystemClock
from sigma.errors import Conflict, Invalid, Unavailable

TP = tuple[str, int]


def partition_for(key: str, partitions: int) -> int:
    """The partition Kafka's default partitioner picks for ``key`` (identical arithmetic)."""
    return (murmur2(key.encode()) & 0x7FFFFFFF) % partitions


RETENTION_BYTES = 16 << 20  # per partition (a topic has 8 by default): 128 MiB a topic at most


@dataclass
class _Log:
    """One partition: the messages kept, from offset ``base`` on, and their size in bytes."""

    retention: int  # bytes; 0: keep everything
    messages: list[Message] = field(default_factory=list)
    base: int = 0
    size: int = 0

    @property
    def end(self) -> int:
        return self.base + len(self.messages)

    def append(self, message: Message) -> None:
        self.messages.append(message)
        self.size += _size(message)
        if self.retention and self.size > self.retention:
            keep = self.retention - self.retention // 10  # a tenth dropped at a time
            dropped = 0
            while self.size > keep and dropped < len(self.messages) - 1:
                self.size -= _size(self.messages[dropped])
                dropped += 1
            del self.messages[:dropped]
            self.base += dropped


def _size(message: Message) -> int:
    return len(message.key) + len(message.value) + sum(len(k) + len(v) for k, v in message.headers)


@dataclass
class _Group:
    members: dict[int, MemoryConsumer] = field(default_factory=dict)
    committed: dict[TP, int] = field(default_factory=dict)


class MemoryBus:
    """Partitioned topics and consumer groups in memory; see the module docstring."""

    def __init__(
        self,
        *,
        default_partitions: int = 8,
        session_timeout: float = 30.0,
        clock: Clock | None = None,
        retention_bytes: int = RETENTION_BYTES,
    ) -> None:
        self.default_partitions = default_partitions
        self.session_timeout = session_timeout
        self.clock: Clock = clock or SystemClock()
        self.retention_bytes = retention_bytes  # per partition; 0: keep everything
        self._logs: dict[str, list[_Log]] = {}
        self._groups: dict[str, _Group] = {}
        self._ids = itertools.count(1)
        self._closed = False

    async def ensure_topics(self, topics: Sequence[TopicSpec]) -> None:
        for spec in topics:
            if spec.partitions < 1:
                raise Invalid("partitions", f"topic {spec.name!r} needs at least one partition")
            retention = spec.config.get("retention.bytes", str(self.retention_bytes))
            if not retention.lstrip("-").isdigit():
                raise Invalid("config", f"retention.bytes of {spec.name!r} is not a whole number")
            self._create(spec.name, spec.partitions, max(int(retention), 0))

    async def publish(
        self,
        topic: str,
        key: str,
        value: bytes,
        headers: Mapping[str, bytes | str] | None = None,
    ) -> Position:
        self._check_open()
        if not topic:
            raise Invalid("topic", "must not be empty")
        log = self._logs.get(topic) or self._create(topic, self.default_partitions)
        partition = partition_for(key, len(log))
        offset = log[partition].end
        log[partition].append(
            Message(
                topic=topic,
                key=key,
                value=bytes(value),
                partition=partition,
                offset=offset,
                headers=encode_headers(headers),
                timestamp_ms=int(time.time() * 1000),
            )
        )
        for group in self._groups.values():
            for member in group.members.values():
                if (topic, partition) in member.owned:
                    member.wake()
        return Position(partition, offset)

    async def consumer(
        self, group: str, topics: Sequence[str], *, start: StartFrom = "earliest"
    ) -> MemoryConsumer:
        self._check_open()
        if not group:
            raise Invalid("group", "must not be empty")
        if start not in ("earliest", "latest"):
            raise Invalid("start", f"{start!r} is neither 'earliest' nor 'latest'")
        self.expire(group)
        for topic in topics:  # as a Kafka broker with auto.create.topics.enable does
            self._create(topic, self.default_partitions)
        member = MemoryConsumer(self, group, next(self._ids), tuple(topics), start)
        self.rejoin(member)
        return member

    async def close(self) -> None:
        for group in list(self._groups.values()):
            for member in list(group.members.values()):
                await member.close()
        self._closed = True

    # -- group bookkeeping (used by MemoryConsumer) ------------------------------------------

    def end_offset(self, tp: TP) -> int:
        return self._logs[tp[0]][tp[1]].end

    def start_offset(self, tp: TP) -> int:
        """The oldest offset the partition still keeps."""
        return self._logs[tp[0]][tp[1]].base

    def read(self, tp: TP, offset: int, limit: int) -> list[Message]:
        log = self._logs[tp[0]][tp[1]]
        first = offset - log.base
        return log.messages[first : first + limit]

    def committed(self, group: str) -> dict[TP, int]:
        return self._groups[group].committed

    def rejoin(self, member: MemoryConsumer) -> None:
        self._groups.setdefault(member.group, _Group()).members[member.member_id] = member
        self._rebalance(member.group)

    def leave(self, member: MemoryConsumer) -> None:
        group = self._groups.get(member.group)
        if group is not None and group.members.pop(member.member_id, None) is not None:
            self._rebalance(member.group)

    def expire(self, group_name: str) -> float | None:
        """Drop members silent for longer than the session timeout; seconds to the next expiry."""
        group = self._groups.get(group_name)
        if group is None:
            return None
        now = self.clock.now()
        dead = [m for m in group.members.values() if now - m.last_seen > self.session_timeout]
        for member in dead:
            member.expired = True
            member.owned = {}
            group.members.pop(member.member_id, None)
        if dead:
            self._rebalance(group_name)
        if not group.members:
            return None
        oldest = min(m.last_seen for m in group.members.values())
        return max(0.0, oldest + self.session_timeout - now)

    def _create(self, topic: str, partitions: int, retention: int | None = None) -> list[_Log]:
        if topic not in self._logs:
            kept = self.retention_bytes if retention is None else retention
            self._logs[topic] = [_Log(kept) for _ in range(partitions)]
            for name, group in self._groups.items():
                if any(topic in m.topics for m in group.members.values()):
                    self._rebalance(name)
        return self._logs[topic]

    def _rebalance(self, group_name: str) -> None:
        """Hand each partition of the group's topics to one live member, deterministically."""
        group = self._groups[group_name]
        members = sorted(group.members.values(), key=lambda m: m.member_id)
        wanted: dict[int, set[TP]] = {m.member_id: set() for m in members}
        for topic in sorted({t for m in members for t in m.topics}):
            if topic not in self._logs:
                continue
            takers = [m for m in members if topic in m.topics]
            for partition in range(len(self._logs[topic])):
                wanted[takers[partition % len(takers)].member_id].add((topic, partition))
        for member in members:
            member.assign(wanted[member.member_id], group.committed)

    def _check_open(self) -> None:
        if self._closed:
            raise Unavailable("the memory bus is closed")


class MemoryConsumer:
    """One member of a group on a ``MemoryBus``; positions are per owned partition."""

    def __init__(
        self, bus: MemoryBus, group: str, member_id: int, topics: tuple[str, ...], start: StartFrom
    ) -> None:
        self.bus = bus
        self.group = group
        self.member_id = member_id
        self.topics = topics
        self.start = start
        self.owned: dict[TP, int] = {}  # partition -> next offset to hand out
        self.last_seen = bus.clock.now()
        self.expired = False
        self.closed = False
        self._event = asyncio.Event()

    def assign(self, partitions: set[TP], committed: Mapping[TP, int]) -> None:
        """Take a new assignment: kept partitions keep their position, new ones start afresh."""
        kept = {tp: pos for tp, pos in self.owned.items() if tp in partitions}
        for tp in partitions - kept.keys():
            if tp in committed:
                kept[tp] = committed[tp]
            else:
                kept[tp] = 0 if self.start == "earliest" else self.bus.end_offset(tp)
        self.owned = kept
        self.wake()

    def wake(self) -> None:
        self._event.set()

    def assignment(self) -> frozenset[tuple[str, int]]:
        return frozenset(self.owned)

    async def lag(self) -> dict[tuple[str, int], int]:
        return {tp: max(0, self.bus.end_offset(tp) - self._position(tp)) for tp in self.owned}

    async def fetch(self, *, max_records: int = 500, timeout: float = 1.0) -> list[Message]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(0.0, timeout)
        while True:
            self._touch()
            next_expiry = self.bus.expire(self.group)
            self._event.clear()
            batch = self._take(max_records)
            remaining = deadline - loop.time()
            if batch or remaining <= 0:
                return batch
            await self._wait(remaining, next_expiry)

    async def commit(self, messages: Iterable[Message] | None = None) -> None:
        self._touch()
        self.bus.expire(self.group)
        if messages is None:
            offsets = dict(self.owned)
        else:
            offsets = {}
            for m in messages:
                tp = (m.topic, m.partition)
                offsets[tp] = max(offsets.get(tp, 0), m.offset + 1)
        lost = sorted(tp for tp in offsets if tp not in self.owned)
        if lost:
            raise Conflict(
                f"group {self.group!r} rebalanced: {lost} now belong to another member, "
                "which will get those messages again"
            )
        self.bus.committed(self.group).update(offsets)

    async def close(self) -> None:
        if not self.closed:
            self.closed = True
            self.bus.leave(self)
            self.owned = {}

    async def __aenter__(self) -> MemoryConsumer:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    def _touch(self) -> None:
        """Heartbeat; a member dropped for silence (or closed) joins its group again."""
        if self.closed:
            raise Invalid("consumer", "this consumer is closed")
        self.last_seen = self.bus.clock.now()
        if self.expired:
            self.expired = False
            self.owned = {}
            self.bus.rejoin(self)

    async def _wait(self, timeout: float, next_expiry: float | None) -> None:
        """Until woken, ``timeout`` real seconds pass, or the clock reaches the next expiry.

        ``timeout`` is the caller's real-time bound; the expiry is on the bus clock, so a test's
        manual clock wakes a blocked member the moment it is advanced past a peer's deadline.
        """
        waits = [asyncio.ensure_future(self._event.wait())]
        if next_expiry is not None:
            waits.append(asyncio.ensure_future(self.bus.clock.sleep(next_expiry + 1e-3)))
        try:
            await asyncio.wait(waits, timeout=timeout, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waits:
                w.cancel()

    def _take(self, max_records: int) -> list[Message]:
        """Up to ``max_records`` new messages, spread fairly over the owned partitions."""
        batch: list[Message] = []
        pending = sorted(tp for tp in self.owned if self._position(tp) < self.bus.end_offset(tp))
        while pending and len(batch) < max_records:
            share = max(1, (max_records - len(batch)) // len(pending))
            still = []
            for tp in pending:
                got = self.bus.read(tp, self.owned[tp], min(share, max_records - len(batch)))
                batch.extend(got)
                self.owned[tp] += len(got)
                if self.owned[tp] < self.bus.end_offset(tp):
                    still.append(tp)
                if len(batch) >= max_records:
                    break
            pending = still
        return batch

    def _position(self, tp: TP) -> int:
        """The member's next offset in ``tp``. One that fell below what retention kept moves
        where Kafka's ``auto.offset.reset`` would: the oldest kept, or the end for "latest"."""
        pos = self.owned[tp]
        if pos < self.bus.start_offset(tp):
            earliest = self.start == "earliest"
            pos = self.owned[tp] = (
                self.bus.start_offset(tp) if earliest else self.bus.end_offset(tp)
            )
        return pos
