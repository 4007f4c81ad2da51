"""Split brain in the scheduler: a replica whose view went stale cannot commit a binding.

Scheduler replicas are all active and hold no leadership or shard lease: what fences a
replica that was cut off from the store, or paused (SIGSTOP), is the binding transaction
itself, which compares every pod it binds and the node's allocation record at the revisions
the replica read. Whatever moved meanwhile (another replica bound the pod, the node lifecycle
controller unbound it, another pod took room on the node) makes the stale commit fail whole:
nothing of it is written, and the replica forgets and re-queues.
"""

from __future__ import annotations

from sigma.resources.kinds import NODE, POD
from sigma.scheduler.binding import RecordLookup, StoreBinder
from sigma.scheduler.convert import node_row, pod_info
from sigma.scheduler.framework.types import Code
from sigma.scheduler.loop import Scheduler
from sigma.store import Store, update
from sigma.store.codec import decode, encode
from sigma.store.memory import MemoryStore
from sigma.testing.wait import eventually
from sigma.v1 import node_pb2, pod_pb2
from tests.integration.scheduler._seed import (
    MiB,
    allocations,
    make_node,
    make_pod,
    put_node,
    put_pod,
    running,
    wait_bound,
)


async def _read(store: Store, name: str) -> pod_pb2.Pod:
    kv = await store.get(POD.key("t", name))
    assert kv is not None
    return decode(pod_pb2.Pod, kv)


def _binder(
    store: Store, view: dict[str, pod_pb2.Pod], records: RecordLookup | None = None
) -> StoreBinder:
    """A replica's binder over a frozen view: the pods (and, given ``records``, the nodes'
    allocation records) as it read them before it was cut off; the nodes never change here."""
    nodes = {n: node_row(make_node(n, 4000, 4096 * MiB)) for n in ("n1", "n2")}
    return StoreBinder(store, view.get, nodes.get, records)


async def _seeded() -> MemoryStore:
    store = MemoryStore()
    for n in ("n1", "n2"):
        await put_node(store, make_node(n, 4000, 4096 * MiB))
    for name in ("p", "q"):
        await put_pod(store, make_pod(name, 3000, 512 * MiB))
    return store


async def test_a_pod_another_replica_bound_meanwhile_is_not_bound_again() -> None:
    store = await _seeded()
    p = await _read(store, "p")
    stale = _binder(store, {"t/p": p})  # cut off right after reading p
    live = _binder(store, {"t/p": p})
    assert (await live.bind("n2", [pod_info(p)], [])).code is Code.SUCCESS
    refused = await stale.bind("n1", [pod_info(p)], [])
    assert refused.code is Code.CONFLICT and stale.conflicts == 1
    assert (await _read(store, "p")).spec.node_name == "n2"
    records = await allocations(store)
    assert "n1" not in records and [a.pod_key for a in records["n2"].pods] == ["t/p"]


async def test_a_pod_unbound_again_by_the_node_lifecycle_is_not_bound_from_a_stale_copy() -> None:
    store = await _seeded()
    p = await _read(store, "p")
    stale = _binder(store, {"t/p": p})
    again = pod_pb2.Pod()
    again.CopyFrom(p)
    again.status.reason = "NodeLost"  # pending again, as the lifecycle controller leaves it
    await update(
        store, POD.key("t", "p"), encode(again), expected_mod_revision=p.meta.resource_version
    )
    refused = await stale.bind("n1", [pod_info(p)], [])
    assert refused.code is Code.CONFLICT
    assert (await _read(store, "p")).spec.node_name == "" and await allocations(store) == {}


async def test_room_taken_on_the_node_meanwhile_refuses_the_stale_binding_whole() -> None:
    store = await _seeded()
    p, q = await _read(store, "p"), await _read(store, "q")
    stale = _binder(store, {"t/p": p}, lambda node: None)  # n1 had no record when read
    live = _binder(store, {"t/q": q})
    assert (await live.bind("n1", [pod_info(q)], [])).code is Code.SUCCESS
    # Both fit an empty n1 (3000m of 4000m each) but not together: the stale commit must fail.
    refused = await stale.bind("n1", [pod_info(p)], [])
    assert refused.code is Code.CONFLICT
    assert (await _read(store, "p")).spec.node_name == ""
    assert [a.pod_key for a in (await allocations(store))["n1"].pods] == ["t/q"]


async def test_a_pod_unbound_from_a_lost_node_is_placed_before_its_record_is_released() -> None:
    """The node lifecycle controller unbinds a lost node's pods before it releases the node's
    allocation record; a scheduler that still places the pod there from the record must not
    drop it as bound meanwhile (the record is left unreleased here: the pod alone says so)."""
    store = MemoryStore()
    for n in ("n1", "n2"):
        await put_node(store, make_node(n, 4000, 4096 * MiB))
    await put_pod(store, make_pod("p", 1000, 512 * MiB))
    async with running(Scheduler(store)):
        first = (await wait_bound(store, 1))["p"]
        lost = make_node(first, 4000, 4096 * MiB)
        lost.status.phase = node_pb2.NODE_PHASE_UNKNOWN
        kv = await store.get(NODE.key("", first))
        assert kv is not None
        await update(store, kv.key, encode(lost), expected_mod_revision=kv.mod_revision)
        p = await _read(store, "p")
        again = pod_pb2.Pod()
        again.CopyFrom(p)
        again.spec.node_name = ""
        again.status.Clear()
        again.status.phase = pod_pb2.POD_PHASE_PENDING
        again.status.reason = "NodeLost"
        key = POD.key("t", "p")
        await update(store, key, encode(again), expected_mod_revision=p.meta.resource_version)

        async def placed_elsewhere() -> bool:
            return (await _read(store, "p")).spec.node_name not in ("", first)

        await eventually(placed_elsewhere, what="p placed on the other node", timeout=10)
