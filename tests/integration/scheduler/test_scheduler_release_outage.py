"""A finished pod's room is released even when the store is away at the moment it finishes.

The release runs once, on the pod's change; if the store refuses it then (etcd restarting), the
room must still come free once the store is back, not stay held until a replica restarts.
"""

from __future__ import annotations

import asyncio

from sigma.errors import Unavailable
from sigma.resources.kinds import NODE_ALLOCATION, POD
from sigma.scheduler.loop import Scheduler
from sigma.store import KeyValue, update
from sigma.store.codec import encode
from sigma.store.memory import MemoryStore
from sigma.testing.wait import eventually
from sigma.v1 import pod_pb2
from tests.integration.scheduler._seed import (
    MiB,
    allocations,
    make_node,
    make_pod,
    pods,
    put_node,
    put_pod,
    running,
    wait_bound,
)


class FlakyRecords(MemoryStore):
    """Reads of allocation records fail while ``down``, as a restarting store refuses them."""

    down = False
    refused = 0

    async def get(self, key: str) -> KeyValue | None:
        if self.down and key.startswith(NODE_ALLOCATION.prefix):
            self.refused += 1
            raise Unavailable("store restarting")
        return await super().get(key)


async def test_release_refused_by_the_store_is_retried() -> None:
    store = FlakyRecords()
    await put_node(store, make_node("n1", 2000, 2048 * MiB))
    await put_pod(store, make_pod("a", 1000, 512 * MiB))
    sched = Scheduler(store)
    async with running(sched):
        pod = next(iter(await wait_bound(store, 1)))
        store.down = True
        done = next(p for p in await pods(store) if p.meta.name == pod)
        done.status.phase = pod_pb2.POD_PHASE_SUCCEEDED
        key = POD.key("t", pod)
        await update(store, key, encode(done), expected_mod_revision=done.meta.resource_version)
        await eventually(lambda: store.refused >= 2, what="the release refused twice")
        store.down = False
        async with asyncio.timeout(5):
            while (await allocations(store))["n1"].pods:  # noqa: ASYNC110 - the store's state
                await asyncio.sleep(0.01)
    assert (await allocations(store))["n1"].pods == []
