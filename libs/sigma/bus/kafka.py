"""The Kafka adapter of the event-bus port, over aiokafka.

Publishing goes through one idempotent producer (``acks=all``), so a retried send neither
duplicates nor reorders a key's events. Each ``consumer()`` is its own ``AIOKafkaConsumer``
in the named group with auto-commit off: the caller commits what it processed, and what it
did not commit is delivered again after a rebalance (at-least-once).

``consumer()`` returns only once the group has handed the new member its partitions and their
positions are known. Without that wait, ``start="latest"`` would be resolved at some unknown
moment after the call and could skip events published in between.

Things aiokafka does that callers should know:
- a commit after the group rebalanced fails as a whole (``Conflict``), even for partitions the
  member kept; those messages are simply delivered again, so the caller carries on fetching;
- a group rebalance (eager protocol) stops every member's fetching until it completes, and a
  new member waits until the existing ones rejoin (up to their session timeout if one died);
- subscribing to a topic that does not exist waits for the broker to auto-create it (with the
  broker's ``num.partitions``), or fails with ``Unavailable`` if auto-creation is off.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import weakref
from collections.abc import Awaitable, Iterable, Mapping, Sequence
from typing import Any, TypeVar

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRebalanceListener, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import (
    ConsumerStoppedError,
    IllegalStateError,
    InvalidProducerEpoch,
    KafkaError,
    OutOfOrderSequenceNumber,
    TopicAlreadyExistsError,
    UnknownProducerId,
    for_code,
)
from aiokafka.structs import ConsumerRecord

from sigma.bus._kafka_errors import kafka_errors, translate
from sigma.bus._types import Message, Position, StartFrom, TopicSpec, encode_headers
from sigma.errors import Conflict, Invalid, Unavailable

# After a send expires (broker away longer than ``request_timeout``), aiokafka's idempotent
# producer keeps counting sequence numbers the broker never saw, and every later send to that
# partition is refused. Only a new producer (a new producer id) recovers; callers retry.
_T = TypeVar("_T")
_PRODUCER_STATE_LOST = (OutOfOrderSequenceNumber, UnknownProducerId, InvalidProducerEpoch)


class KafkaBus:
    """Publish to and consume from a Kafka cluster at ``bootstrap`` ("host:port[,host:port]").

    ``session_timeout`` is how long the group waits for a silent member before handing its
    partitions to others: short values move work off a crashed process sooner, at the price of
    spurious rebalances when a process stalls (the broker bounds it by
    ``group.min.session.timeout.ms``).
    """

    def __init__(
        self,
        bootstrap: str,
        *,
        client_id: str = "sigma",
        session_timeout: float = 10.0,
        join_timeout: float = 60.0,
        request_timeout: float = 30.0,
        replication_factor: int | None = None,
    ) -> None:
        """``replication_factor``: of the topics ``ensure_topics`` creates; None takes it from
        the cluster (see ``replication``)."""
        self.bootstrap = bootstrap
        self.client_id = client_id
        self.session_timeout = session_timeout
        self.join_timeout = join_timeout
        self.request_timeout = request_timeout
        self.replication_factor = replication_factor
        self._producer: AIOKafkaProducer | None = None
        self._producer_lock = asyncio.Lock()
        self._consumers: weakref.WeakSet[KafkaConsumer] = weakref.WeakSet()

    async def ensure_topics(self, topics: Sequence[TopicSpec]) -> None:
        """Create the missing topics, then wait until the cluster metadata shows them."""
        if not topics:
            return
        admin = AIOKafkaAdminClient(
            bootstrap_servers=self.bootstrap,
            client_id=self.client_id,
            request_timeout_ms=int(self.request_timeout * 1000),
        )
        names = [t.name for t in topics]
        with kafka_errors(f"create topics {names}"):
            await admin.start()
            try:
                live = len((await admin.describe_cluster())["brokers"])
                named = len(self.bootstrap.split(","))
                factor, extra = replication(max(live, named), self.replication_factor)
                response = await admin.create_topics(
                    [
                        NewTopic(t.name, t.partitions, factor, topic_configs={**extra, **t.config})
                        for t in topics
                    ]
                )
                for name, code, *rest in response.topic_errors:
                    error = for_code(code)
                    if code and error is not TopicAlreadyExistsError:
                        raise translate(error(rest[0] if rest else name), f"create topic {name}")
                await self._await_metadata(admin, names)
            finally:
                await admin.close()

    async def publish(
        self,
        topic: str,
        key: str,
        value: bytes,
        headers: Mapping[str, bytes | str] | None = None,
    ) -> Position:
        producer = await self._started_producer()
        with kafka_errors(f"publish to {topic}"):
            try:
                # aiokafka may wait on a leaderless partition past its own request timeout;
                # a publish that times out here may still land (callers retry; duplicates
                # are the bus's documented at-least-once).
                meta = await within(
                    self.request_timeout,
                    producer.send_and_wait(
                        topic,
                        value=bytes(value),
                        key=key.encode(),
                        headers=list(encode_headers(headers)),
                    ),
                )
            except _PRODUCER_STATE_LOST as exc:
                await self._drop_producer(producer)
                raise Unavailable(
                    f"kafka publish to {topic}: producer sequence lost ({type(exc).__name__}); "
                    "the next publish starts a new producer"
                ) from exc
        return Position(meta.partition, meta.offset)

    async def consumer(
        self, group: str, topics: Sequence[str], *, start: StartFrom = "earliest"
    ) -> KafkaConsumer:
        if not group:
            raise Invalid("group", "must not be empty")
        if start not in ("earliest", "latest"):
            raise Invalid("start", f"{start!r} is neither 'earliest' nor 'latest'")
        session_ms = int(self.session_timeout * 1000)
        raw = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap,
            client_id=self.client_id,
            group_id=group,
            enable_auto_commit=False,
            auto_offset_reset=start,
            session_timeout_ms=session_ms,
            heartbeat_interval_ms=max(100, session_ms // 3),
            request_timeout_ms=int(self.request_timeout * 1000),
        )
        listener = _Assigned()
        raw.subscribe(list(topics), listener=listener)
        consumer = KafkaConsumer(raw, group, self.request_timeout)
        try:
            with kafka_errors(f"join group {group}"):
                await raw.start()
                await asyncio.wait_for(listener.first.wait(), self.join_timeout)
                for tp in raw.assignment():
                    await raw.position(tp)
        except BaseException:
            await consumer.close()
            raise
        self._consumers.add(consumer)
        return consumer

    async def close(self) -> None:
        for consumer in list(self._consumers):
            await consumer.close()
        async with self._producer_lock:
            producer, self._producer = self._producer, None
        if producer is not None:
            with kafka_errors("stop producer"):
                await self._stop_producer(producer)

    async def _started_producer(self) -> AIOKafkaProducer:
        """The shared producer, started on first use (and again after a failed start)."""
        async with self._producer_lock:
            if self._producer is None:
                producer = AIOKafkaProducer(
                    bootstrap_servers=self.bootstrap,
                    client_id=self.client_id,
                    acks="all",
                    enable_idempotence=True,
                    request_timeout_ms=int(self.request_timeout * 1000),
                )
                try:
                    with kafka_errors("connect producer"):
                        await producer.start()
                except BaseException:
                    await producer.stop()
                    raise
                self._producer = producer
            return self._producer

    async def _drop_producer(self, producer: AIOKafkaProducer) -> None:
        """Retire a producer whose idempotence state the broker rejects, so a new one takes over."""
        async with self._producer_lock:
            if self._producer is producer:
                self._producer = None
        with contextlib.suppress(KafkaError, OSError):
            await self._stop_producer(producer)

    async def _stop_producer(self, producer: AIOKafkaProducer) -> None:
        """Flush and stop ``producer`` within the request timeout. With the brokers gone
        aiokafka would flush for as long as the outage lasts; past the deadline the messages
        still queued are dropped (none was acknowledged, so no caller counts them published)."""
        try:
            await within(self.request_timeout, producer.stop())
        except TimeoutError:
            sender: Any = producer._sender
            if sender.sender_task is not None:
                sender.sender_task.cancel()
            await producer.client.close()

    async def _await_metadata(self, admin: AIOKafkaAdminClient, names: list[str]) -> None:
        """Creation is asynchronous in Kafka; return once every topic has leaders."""
        deadline = time.monotonic() + self.request_timeout
        delay = 0.05
        while True:
            described = await admin.describe_topics(names)
            ready = {
                t["topic"]
                for t in described
                if t["error_code"] == 0
                and t["partitions"]
                and all(p["leader"] >= 0 for p in t["partitions"])
            }
            if ready >= set(names):
                return
            if time.monotonic() > deadline:
                raise Unavailable(f"kafka: topics {sorted(set(names) - ready)} have no leader yet")
            await asyncio.sleep(delay)
            delay = min(delay * 2, 1.0)


def replication(brokers: int, factor: int | None = None) -> tuple[int, dict[str, str]]:
    """The replication factor and topic settings of a new topic on a cluster of ``brokers``.

    Unless ``factor`` is given: three copies where three brokers or more run (fewer on a smaller
    cluster, one on a lone broker). ``brokers`` is the larger of the brokers the URL names and
    those the cluster's metadata lists at creation: not the live ones alone, since a broker
    briefly fenced (a restart, a long pause) would leave the topic with fewer copies for good;
    Kafka refuses the topic until enough brokers run again, and the caller retries.
    """
    chosen = factor or max(1, min(3, brokers))
    return chosen, ({"min.insync.replicas": "2"} if chosen >= 3 else {})


class _Assigned(ConsumerRebalanceListener):  # type: ignore[misc]
    """Lets ``consumer()`` wait for the member's first assignment."""

    def __init__(self) -> None:
        self.first = asyncio.Event()

    async def on_partitions_revoked(self, revoked: object) -> None:
        return None

    async def on_partitions_assigned(self, assigned: object) -> None:
        self.first.set()


class KafkaConsumer:
    """One group member over an ``AIOKafkaConsumer``; see the module docstring for caveats."""

    def __init__(self, raw: AIOKafkaConsumer, group: str, timeout: float = 30.0) -> None:
        self._raw = raw
        self.group = group
        self.timeout = timeout  # a commit's deadline: aiokafka retries a lost coordinator forever
        self._closed = False

    async def fetch(self, *, max_records: int = 500, timeout: float = 1.0) -> list[Message]:
        if self._closed:
            raise Invalid("consumer", "this consumer is closed")
        try:
            with kafka_errors(f"fetch for group {self.group}"):
                batches = await self._raw.getmany(
                    timeout_ms=int(max(0.0, timeout) * 1000), max_records=max_records
                )
        except ConsumerStoppedError as exc:
            raise Invalid("consumer", "this consumer is closed") from exc
        return [_message(record) for records in batches.values() for record in records]

    async def commit(self, messages: Iterable[Message] | None = None) -> None:
        if messages is None:
            offsets = None
        else:
            offsets = {}
            for m in messages:
                tp = TopicPartition(m.topic, m.partition)
                offsets[tp] = max(offsets.get(tp, 0), m.offset + 1)
            if not offsets:
                return
            owned = self._raw.assignment()
            lost = sorted(f"{tp.topic}[{tp.partition}]" for tp in offsets if tp not in owned)
            if lost:
                raise Conflict(
                    f"group {self.group!r} rebalanced: {lost} now belong to another member, "
                    "which will get those messages again"
                )
        with kafka_errors(f"commit for group {self.group}"):
            try:
                await within(self.timeout, self._raw.commit(offsets))
            except IllegalStateError as exc:  # nothing assigned: mid-rebalance
                raise Conflict(f"group {self.group!r} is rebalancing; nothing committed") from exc

    def assignment(self) -> frozenset[tuple[str, int]]:
        return frozenset((tp.topic, tp.partition) for tp in self._raw.assignment())

    async def lag(self) -> dict[tuple[str, int], int]:
        """High watermark (as of the last fetch response) minus the position, per partition;
        partitions not fetched from yet are left out."""
        out: dict[tuple[str, int], int] = {}
        with kafka_errors(f"lag of group {self.group}"):
            for tp in self._raw.assignment():
                high = self._raw.highwater(tp)
                if high is not None:
                    position = await self._raw.position(tp)
                    out[(tp.topic, tp.partition)] = max(0, high - position)
        return out

    async def close(self) -> None:
        """Leave the group (its partitions move on at once, not after a session timeout)."""
        if not self._closed:
            self._closed = True
            with kafka_errors(f"leave group {self.group}"):
                try:
                    await within(self.timeout, self._raw.stop())
                except (TimeoutError, ConnectionError):
                    await self._abandon()

    async def _abandon(self) -> None:
        """Drop a consumer whose group coordinator is gone: aiokafka's ``stop`` waits for it to
        leave the group for as long as the outage lasts, and the loop behind it with it. Its
        tasks and connections end here; the broker forgets the member after its session."""
        raw: Any = self._raw
        coordinator = raw._coordinator
        for task in (coordinator._coordination_task, coordinator._heartbeat_task):
            if task is not None:
                task.cancel()
        for part in (raw._fetcher, raw._client):
            with contextlib.suppress(Exception):  # within(): its own cancels become errors
                await within(self.timeout, part.close())

    async def __aenter__(self) -> KafkaConsumer:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


async def within(seconds: float, call: Awaitable[_T]) -> _T:
    """``call``'s result, or ``TimeoutError`` after ``seconds`` (``Unavailable`` once through
    ``kafka_errors``). The call runs as a task of its own rather than under ``asyncio.timeout``:
    aiokafka swallows a cancel on some paths (its retry loops catch it), which would leave the
    cancel pending on the caller's task and surface at its next, unrelated await."""
    task = asyncio.ensure_future(call)
    try:
        done, _ = await asyncio.wait([task], timeout=seconds)
    except asyncio.CancelledError:
        task.cancel()
        raise
    if not done:
        task.cancel()
        raise TimeoutError(f"no answer within {seconds:g} s")
    if task.cancelled():  # aiokafka cancelled it itself (a task it awaited was cancelled)
        raise ConnectionError("the Kafka client abandoned the call")
    return task.result()


def _message(record: ConsumerRecord[bytes, bytes]) -> Message:
    return Message(
        topic=record.topic,
        key=record.key.decode("utf-8", "replace") if record.key is not None else "",
        value=record.value or b"",
        partition=record.partition,
        offset=record.offset,
        headers=tuple((k, bytes(v or b"")) for k, v in (record.headers or ())),
        timestamp_ms=record.timestamp,
    )
