"""A replica rides out a store that does not answer, and loses nothing to it.

A finished pod's room is released even when the store is away at the moment it finishes: the
release runs once, on the pod's change; if the store refuses it then (etcd restarting), the
room must still come free once the store is back, not stay held until a replica restarts.

A binding the store does not answer is a lost node, not the end of the replica: its pods go
back to the queue and are bound once the store answers. When the store applied the binding
and only the reply was lost, the re-read shows the pods bound, and none is bound twice.
"""

from __future__ import annotations

import asyncio

import pytest

from sigma.errors import Unavailable
from sigma.resources.kinds import NODE_ALLOCATION, POD
from sigma.scheduler.loop import Scheduler
from sigma.store import KeyValue, TxnResult, update
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


class FlakyTxn(MemoryStore):
    """Bindings (transactions on allocation records) fail while ``down``; with ``applied``,
    after the store applied them (the reply lost on the way back)."""

    down = False
    applied = False
    refused = 0

    async def txn(self, compares, ops) -> TxnResult:  # type: ignore[no-untyped-def]
        if not self.down or not any(c.key.startswith(NODE_ALLOCATION.prefix) for c in compares):
            return await super().txn(compares, ops)
        self.refused += 1
        if self.applied:
            await super().txn(compares, ops)
        raise Unavailable("store cut off")


@pytest.mark.parametrize("applied", [False, True], ids=["refused", "reply-lost"])
async def test_bindings_the_store_does_not_answer_are_retried(applied: bool) -> None:
    store = FlakyTxn()
    store.applied = applied
    await put_node(store, make_node("n1", 8000, 8192 * MiB))
    sched = Scheduler(store, initial_backoff=0.01, max_backoff=0.05)
    async with running(sched):
        store.down = True
        for i in range(4):
            await put_pod(store, make_pod(f"p{i}", 500, 256 * MiB))
        await eventually(lambda: store.refused >= 1, what="a binding refused")
        store.down = False
        await put_pod(store, make_pod("after", 500, 256 * MiB))
        bound = await wait_bound(store, 5)
    assert set(bound) == {"p0", "p1", "p2", "p3", "after"}
    listed = [a.pod_key for a in (await allocations(store))["n1"].pods]
    assert sorted(listed) == sorted(f"t/{name}" for name in bound), listed


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
