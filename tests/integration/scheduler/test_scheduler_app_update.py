"""A waiting pod follows its App: the scheduler converts pods with their App's spread policy,
so when the App's per-host cap changes, the App's waiting pods are converted again and tried
by the new cap. Memory store, the scheduler's own loop."""

from __future__ import annotations

import pytest

from sigma.resources.kinds import APP
from sigma.scheduler.loop import Scheduler
from sigma.store import update
from sigma.store.codec import encode
from sigma.store.memory import MemoryStore
from sigma.testing.wait import eventually
from sigma.v1 import app_pb2, meta_pb2
from tests.integration.scheduler import _seed as seed


def capped(per_host: int) -> app_pb2.App:
    out = app_pb2.App(meta=meta_pb2.ObjectMeta(namespace="t", name="web", uid="uid-web"))
    out.spec.spread.max_per_host = per_host
    return out


@pytest.mark.timeout(60)
async def test_a_waiting_pod_is_tried_again_by_its_apps_new_per_host_cap() -> None:
    store = MemoryStore()
    await seed.put_app(store, capped(1))
    await seed.put_node(store, seed.make_node("n1", 4000, 8192 * seed.MiB))
    sched = Scheduler(store)
    async with seed.running(sched):
        for name in ("web-0", "web-1"):
            await seed.put_pod(store, seed.make_pod(name, 500, 64 * seed.MiB, app="web"))

        async def one_waits() -> bool:
            pods = {p.meta.name: p.status.message for p in await seed.pods(store)}
            return len(await seed.bound_now(store)) == 1 and any(
                "per-host cap 1" in message for message in pods.values()
            )

        await eventually(one_waits, what="the second replica held by the cap of 1")
        kv = await store.get(APP.key("t", "web"))
        assert kv is not None
        await update(
            store, APP.key("t", "web"), encode(capped(2)), expected_mod_revision=kv.mod_revision
        )
        assert await seed.wait_bound(store, 2) == {"web-0": "n1", "web-1": "n1"}
    await store.close()
