"""Every tier in this process over a given store and bus, and the waits the outage tests share."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from sigma import events, rpc
from sigma.apiserver import samples
from sigma.apiserver.settings import ApiServerSettings
from sigma.bus import open_bus
from sigma.cli.tiers import TIERS, run
from sigma.resources import POD, Repository
from sigma.slave.settings import SlaveSettings
from sigma.store import Store
from sigma.testing.wait import took
from sigma.v1 import apiserver_pb2 as api
from sigma.v1 import apiserver_pb2_grpc as stubs
from sigma.v1 import pod_pb2

NS = "deg"
SYSTEM = "system"


@asynccontextmanager
async def tiers(
    store_url: str, bus_url: str, names: tuple[str, ...] = tuple(TIERS)
) -> AsyncIterator[dict[str, str]]:
    """The named tiers (default all four, one simulated slave) until the block ends."""
    stop = asyncio.Event()
    ready: asyncio.Future[dict[str, str]] = asyncio.get_running_loop().create_future()
    settings = {
        "apiserver": ApiServerSettings(
            namespaces=(NS, SYSTEM), watch_bookmark_interval=1.0, kube_listen=""
        ),
        "slave": SlaveSettings(runtime="simulated", node="deg-node", usage_interval=1.0),
    }
    runner = asyncio.create_task(
        run(
            names,
            store_url=store_url,
            bus_url=bus_url,
            listen={name: ("127.0.0.1", 0) for name in names},
            stop=stop,
            settings=settings,
            on_ready=ready.set_result,
        )
    )
    try:
        async with asyncio.timeout(60):
            await asyncio.wait([ready, runner], return_when=asyncio.FIRST_COMPLETED)
        if runner.done():
            runner.result()  # raises what stopped it
        yield ready.result()
    finally:
        stop.set()
        async with asyncio.timeout(30):
            await runner


async def create_app_and_job(channel: object, suffix: str) -> None:
    await rpc.unary(
        stubs.AppsStub(channel).Create,
        api.CreateAppRequest(namespace=NS, app=samples.app(f"web-{suffix}", replicas=2)),
    )
    await rpc.unary(
        stubs.BatchJobsStub(channel).Create,
        api.CreateBatchJobRequest(namespace=NS, job=samples.batch_job(f"etl-{suffix}")),
    )


def owned_by(suffix: str) -> Callable[[pod_pb2.Pod], bool]:
    return lambda p: p.spec.owner_name in (f"web-{suffix}", f"etl-{suffix}")


async def until_bound(store: Store, mine: Callable[[pod_pb2.Pod], bool], want: int) -> float:
    """Seconds until ``want`` pods chosen by ``mine`` are bound to a node."""
    repo = Repository(store, POD)

    async def bound() -> bool:
        pods = [p for p in await repo.list_all(NS) if mine(p)]
        return len(pods) >= want and all(p.spec.node_name for p in pods)

    return await took(bound, timeout=60, what=f"{want} pods bound", interval=0.05)


async def until_streamed(bus_url: str, want: set[tuple[str, str, int]], limit: float = 90) -> int:
    """Read the change topics from the beginning until every (kind, key, revision) in ``want``
    has been seen; how many messages that took. Fails with what is missing after ``limit``."""
    seen: set[tuple[str, str, int]] = set()
    read = 0
    bus = open_bus(bus_url)
    try:
        consumer = await bus.consumer(f"deg-{uuid.uuid4().hex[:6]}", list(events.TOPICS.values()))
        async with consumer:
            until = time.monotonic() + limit
            while not want <= seen:
                if time.monotonic() > until:
                    missing = sorted(want - seen)
                    raise AssertionError(f"{len(missing)} changes never streamed: {missing[:10]}")
                for message in await consumer.fetch(max_records=5000, timeout=1.0):
                    event = events.decode(message)
                    seen.add((event.kind, event.key, event.revision))
                    read += 1
    finally:
        await bus.close()
    return read
