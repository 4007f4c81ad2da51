"""Time-aware fit in the live scheduler: Apps' traffic profiles give their pods daily CPU
curves, so an LS pod shares a node its request would overflow when their peaks fall at
different hours, and is refused where the peaks coincide, even at a single slot of the day.
Memory store, the scheduler's own loop."""

from __future__ import annotations

import pytest

from sigma.resources.curves import SLOTS
from sigma.resources.kinds import APP
from sigma.scheduler.loop import Scheduler
from sigma.store import update
from sigma.store.codec import encode
from sigma.store.memory import MemoryStore
from sigma.testing.wait import eventually
from sigma.v1 import app_pb2, meta_pb2, node_pb2, pod_pb2
from tests.integration.scheduler import _seed as seed

NOON, MIDNIGHT = SLOTS // 2, 0


def app(name: str, peak_slot: int) -> app_pb2.App:
    """An App whose profile is a quarter of its peak but at one slot of the day."""
    out = app_pb2.App(meta=meta_pb2.ObjectMeta(namespace="t", name=name, uid=f"uid-{name}"))
    profile = out.spec.time_sharing.profile
    profile.slot_seconds = 86400 // SLOTS
    profile.load.extend(1.0 if s == peak_slot else 0.25 for s in range(SLOTS))
    return out


def node(name: str) -> node_pb2.Node:
    out = seed.make_node(name, 4000, 8192 * seed.MiB)
    out.meta.labels["slot"] = name
    return out


def replica(name: str, of: str, on: str = "") -> pod_pb2.Pod:
    out = seed.make_pod(name, 3000, 64 * seed.MiB, app=of)
    if on:
        out.spec.template.node_selector["slot"] = on
    return out


async def message(store: MemoryStore, name: str) -> str:
    return next(p.status.message for p in await seed.pods(store) if p.meta.name == name)


@pytest.mark.timeout(60)
async def test_peaks_at_one_slot_refuse_a_node_and_complementary_peaks_share_one() -> None:
    store = MemoryStore()
    for a in (app("noon-a", NOON), app("noon-b", NOON), app("night", MIDNIGHT)):
        await seed.put_app(store, a)
    await seed.put_node(store, node("n1"))
    sched = Scheduler(store)
    async with seed.running(sched):
        await seed.put_pod(store, replica("a-0", "noon-a", on="n1"))
        assert await seed.wait_bound(store, 1) == {"a-0": "n1"}

        # 3000m + 3000m over the 4000m of n1 at noon only (750m + 750m at every other slot)
        await seed.put_pod(store, replica("b-0", "noon-b"))

        async def refused() -> bool:
            return "TimeAwareFit" in await message(store, "b-0")

        await eventually(refused, what="b-0 refused by its curve")
        assert "over capacity at slot 48" in await message(store, "b-0")
        assert "b-0" not in await seed.bound_now(store)

        # n2 holds an App that peaks at midnight: b-0 goes there beside it
        await seed.put_pod(store, replica("n-0", "night", on="n2"))
        await seed.put_node(store, node("n2"))
        assert await seed.wait_bound(store, 3) == {"a-0": "n1", "b-0": "n2", "n-0": "n2"}
    record = (await seed.allocations(store))["n2"]
    assert record.online_requested.cpu_millis == 6000  # over the 4000m, within at every slot
    await store.close()


@pytest.mark.timeout(60)
@pytest.mark.parametrize("moved", ["noon-a", "noon-b"], ids=["placed-pods-app", "waiting-pods-app"])
async def test_a_changed_profile_counts_pods_by_their_new_curve(moved: str) -> None:
    """A changed profile applies to the App's placed pods (counted again where they are) and
    to its waiting pods (converted again and tried by it)."""
    store = MemoryStore()
    for a in (app("noon-a", NOON), app("noon-b", NOON)):
        await seed.put_app(store, a)
    await seed.put_node(store, node("n1"))
    sched = Scheduler(store)
    async with seed.running(sched):
        await seed.put_pod(store, replica("a-0", "noon-a"))
        await seed.wait_bound(store, 1)
        await seed.put_pod(store, replica("b-0", "noon-b"))

        async def refused() -> bool:
            return "TimeAwareFit" in await message(store, "b-0")

        await eventually(refused, what="b-0 refused beside a-0")
        # one of the two Apps now peaks at midnight: a-0 and b-0 fit n1 by their curves
        key = APP.key("t", moved)
        kv = await store.get(key)
        assert kv is not None
        night = encode(app(moved, MIDNIGHT))
        await update(store, key, night, expected_mod_revision=kv.mod_revision)
        assert await seed.wait_bound(store, 2) == {"a-0": "n1", "b-0": "n1"}
    await store.close()
