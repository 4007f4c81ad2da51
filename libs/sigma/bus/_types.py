"""The event-bus port, after Kafka: keyed events in partitioned topics, consumer groups.

Guarantees every adapter keeps (tests/contract/test_bus_contract.py):
- per-key order: events with one key land in one partition and are read in publish order;
- at-least-once: a consumer commits explicitly; what it fetched but did not commit is
  delivered again to whichever group member owns the partition next;
- a group splits a topic's partitions among its live members.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol, runtime_checkable

Headers = tuple[tuple[str, bytes], ...]
StartFrom = Literal["earliest", "latest"]


@dataclass(frozen=True, slots=True)
class Message:
    topic: str
    key: str
    value: bytes
    partition: int
    offset: int
    headers: Headers = ()
    timestamp_ms: int = 0

    def header(self, name: str) -> bytes | None:
        """The last value of header ``name``, or None."""
        for k, v in reversed(self.headers):
            if k == name:
                return v
        return None


@dataclass(frozen=True, slots=True)
class Position:
    """Where a published message landed."""

    partition: int
    offset: int


@dataclass(frozen=True, slots=True)
class TopicSpec:
    name: str
    partitions: int = 8
    config: Mapping[str, str] = field(default_factory=dict)


@runtime_checkable
class Consumer(Protocol):
    """One member of a consumer group. Use as ``async with``; ``close`` leaves the group."""

    async def fetch(self, *, max_records: int = 500, timeout: float = 1.0) -> list[Message]:
        """The next messages of the partitions this member owns; [] after ``timeout`` seconds."""
        ...

    async def commit(self, messages: Iterable[Message] | None = None) -> None:
        """Mark ``messages`` (default: everything fetched so far) as processed for the group.

        Raises ``Conflict`` (and commits nothing) when the group rebalanced and a partition of
        ``messages`` moved to another member: that member gets them again, so keep fetching.
        """
        ...

    def assignment(self) -> frozenset[tuple[str, int]]:
        """The (topic, partition) pairs this member owns now."""
        ...

    async def lag(self) -> dict[tuple[str, int], int]:
        """Messages not yet fetched, per owned partition, as last known (no broker round trip).

        What a consumer is behind by: exported as a metric, it tells an operator that a tier
        needs another replica before its decisions go stale.
        """
        ...

    async def close(self) -> None: ...

    async def __aenter__(self) -> Consumer: ...

    async def __aexit__(self, *exc: object) -> None: ...


@runtime_checkable
class Bus(Protocol):
    """Publish and consume keyed events. Adapters: memory, kafka."""

    async def ensure_topics(self, topics: Sequence[TopicSpec]) -> None:
        """Create the topics that do not exist yet (existing ones are left alone)."""
        ...

    async def publish(
        self,
        topic: str,
        key: str,
        value: bytes,
        headers: Mapping[str, bytes | str] | None = None,
    ) -> Position:
        """Append one event; returns once the bus has it durably."""
        ...

    async def consumer(
        self, group: str, topics: Sequence[str], *, start: StartFrom = "earliest"
    ) -> Consumer:
        """A started member of ``group``; ``start`` applies when the group has no commit yet."""
        ...

    async def close(self) -> None: ...


def encode_headers(headers: Mapping[str, bytes | str] | None) -> Headers:
    """Headers as the wire wants them: names with byte values."""
    if not headers:
        return ()
    return tuple((k, v.encode() if isinstance(v, str) else bytes(v)) for k, v in headers.items())
