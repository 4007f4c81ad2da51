"""What the change stream tests share: a clock whose sleeps pass at once, a bus that can be cut
off, a stream run for the length of a block, and reading back every message it published."""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator, Callable, Iterable, Mapping

from sigma.apiserver.changestream import ChangeStream
from sigma.bus import Bus, Message, Position, TopicSpec
from sigma.errors import Unavailable
from sigma.events import decode, read_checkpoint
from sigma.store import Store
from sigma.testing.wait import eventually
from sigma.v1 import meta_pb2, pod_pb2


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
    """A bus that can be turned off (publishing and creating topics), as a broker outage would."""

    def __init__(self, inner: Bus) -> None:
        self.inner = inner
        self.down = False
        self.refused = 0

    async def ensure_topics(self, specs: list[TopicSpec]) -> None:
        if self.down:
            self.refused += 1
            raise Unavailable("bus: broker down")
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
