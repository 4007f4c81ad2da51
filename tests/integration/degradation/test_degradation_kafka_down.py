"""With the Kafka broker down the control plane keeps placing pods; the events catch up later.

The scheduler works from the store (watches on etcd), not from the bus, so an App and a
BatchJob created while the broker is away are placed about as fast as with it up. The change
stream holds its checkpoint through the outage and, once the broker is back, publishes every
change it owes: each one is on its topic at its store revision.

The broker is a private one: stopping the session's shared broker would break other tests.
"""

from __future__ import annotations

import asyncio
import time

import pytest

from sigma import rpc
from sigma.engines.etcd import EtcdEngine
from sigma.engines.kafka import KafkaEngine
from sigma.events import read_checkpoint
from sigma.store import Store, open_store
from tests.chaos._checks import store_history
from tests.integration.degradation._tiers import (
    create_app_and_job,
    owned_by,
    tiers,
    until_bound,
    until_streamed,
)

pytestmark = [pytest.mark.etcd, pytest.mark.kafka]

PODS = 4  # per round: the App's two replicas and the job's first stage (two instances)


async def _stream_started(store: Store) -> int:
    """The revision from which the change stream owes every change (its first checkpoint)."""
    async with asyncio.timeout(30):
        while (await read_checkpoint(store))[1] is None:  # noqa: ASYNC110 - remote state
            await asyncio.sleep(0.1)
    return await store.revision()


async def test_kafka_down_keeps_scheduling_and_the_stream_catches_up() -> None:
    with EtcdEngine() as etcd:
        kafka = await asyncio.to_thread(KafkaEngine().start)
        store = open_store(etcd.url)
        try:
            async with tiers(etcd.url, kafka.url) as addresses:
                start = await _stream_started(store)
                async with rpc.channel(addresses["apiserver"]) as channel:
                    await create_app_and_job(channel, "up")
                    up = await until_bound(store, owned_by("up"), PODS)
                    await asyncio.to_thread(kafka.stop, clean=False)
                    await create_app_and_job(channel, "down")
                    down = await until_bound(store, owned_by("down"), PODS)
                    history = await store_history(store, start)
                    await asyncio.to_thread(kafka.start)
                    back = time.monotonic()
                    read = await until_streamed(kafka.url, history)
                    catch_up = time.monotonic() - back
        finally:
            await store.close()
            await asyncio.to_thread(kafka.stop)
    print(
        f"\nbound in {up:.2f} s with Kafka up, {down:.2f} s with it down; "
        f"all {len(history)} changes on the stream ({read} messages read) "
        f"{catch_up:.2f} s after the broker was back"
    )
    assert down < max(10.0, 5 * up), (up, down)
