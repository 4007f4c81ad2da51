"""With the broker gone, a publish and a commit end at the bus's request timeout as
``Unavailable``, and closing the consumer and the bus ends too: aiokafka alone waits on a lost
group coordinator, or a leaderless partition, for as long as the outage lasts, and a tier's
loop behind it would hang instead of pausing.

The broker is a private one, since stopping the session's shared broker would break others.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

import pytest

from sigma.bus import TopicSpec
from sigma.bus.kafka import KafkaBus
from sigma.engines.kafka import KafkaEngine
from sigma.errors import Unavailable

pytestmark = [pytest.mark.kafka]

TIMEOUT = 2.0  # the bus's request timeout in this test, in seconds
SLACK = 6.0  # how far past it an outcome may come on a loaded machine


async def _bounded(name: str, call: Callable[[], Awaitable[object]]) -> Unavailable | None:
    """How ``call`` ended (None: it returned), which it must within the timeout and slack."""
    began = time.monotonic()
    outcome = None
    try:
        async with asyncio.timeout(TIMEOUT + SLACK):  # a hang fails the test
            await call()
    except Unavailable as exc:
        outcome = exc
    assert time.monotonic() - began < TIMEOUT + SLACK, name
    return outcome


async def test_publish_commit_and_close_end_at_the_request_timeout_with_the_broker_gone() -> None:
    engine = KafkaEngine().start()
    bus = KafkaBus(engine.bootstrap, request_timeout=TIMEOUT, join_timeout=60.0)
    try:
        await bus.ensure_topics([TopicSpec("deadlines", partitions=1)])
        await bus.publish("deadlines", "k", b"before")
        consumer = await bus.consumer("deadline-group", ["deadlines"])
        async with asyncio.timeout(60):
            while not (fetched := await consumer.fetch(timeout=1.0)):
                pass
        engine.stop(clean=False)
        commit = await _bounded("commit", lambda: consumer.commit(fetched))
        assert isinstance(commit, Unavailable), "the commit succeeded with the broker gone"
        publish = await _bounded("publish", lambda: bus.publish("deadlines", "k", b"during"))
        assert isinstance(publish, Unavailable), "the publish succeeded with the broker gone"
        await _bounded("consumer close", consumer.close)
        await _bounded("bus close", bus.close)  # its producer holds the unsent "during"
    finally:
        await bus.close()
        engine.stop()
