"""Evictions within an App's disruption budget, on every store backend.

The budget must hold under concurrency: evictions racing on one App serialise on the App's
record (the grant and the pod's stop are one transaction), so they cannot all pass one count.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest

from sigma.errors import NotFound, ResourceExhausted
from sigma.resources import APP, POD, Repository, disruption
from sigma.resources.pods import ready
from sigma.v1 import app_pb2, meta_pb2, pod_pb2


async def _app(store, ns: str, ready_pods: int, *, min_available: int = 0) -> app_pb2.App:  # type: ignore[no-untyped-def]
    """App "web" of 3 replicas (budget floor: ``min_available``, default 3 - 1 = 2), with
    ``ready_pods`` of its pods running and ready, the rest starting."""
    app = app_pb2.App(meta=meta_pb2.ObjectMeta(namespace=ns, name="web", uid="u-web"))
    app.spec.replicas, app.spec.min_available = 3, min_available
    app.spec.upgrade.max_unavailable = 1
    await Repository(store, APP).create(app)
    for i in range(3):
        pod = pod_pb2.Pod(meta=meta_pb2.ObjectMeta(namespace=ns, name=f"web-{i}"))
        pod.meta.owner_references.add(kind="App", name="web", uid="u-web")
        pod.spec.owner_kind, pod.spec.owner_name = pod_pb2.POD_OWNER_KIND_APP, "web"
        pod.spec.node_name = "n1"
        running = i < ready_pods
        pod.status.phase = pod_pb2.POD_PHASE_RUNNING if running else pod_pb2.POD_PHASE_SCHEDULED
        await Repository(store, POD).create(pod)
    return app


async def test_a_ready_pod_goes_only_while_the_app_keeps_its_floor(store) -> None:
    ns = uuid.uuid4().hex[:8]
    await _app(store, ns, ready_pods=3)
    first = await disruption.evict(store, ns, "web-0", "NodeDrain", 10**9)
    assert first.meta.HasField("deletion_timestamp") and first.status.reason == "NodeDrain"
    with pytest.raises(ResourceExhausted, match=r"2 ready of min available 2 .*web-1"):
        await disruption.evict(store, ns, "web-1", "NodeDrain", 10**9)
    pods = Repository(store, POD)
    assert not (await pods.get(ns, "web-1")).meta.HasField("deletion_timestamp")
    app = await Repository(store, APP).get(ns, "web")
    assert list(app.status.disrupted_pods) == ["web-0"]  # the grant, in the same write


async def test_an_unready_pod_costs_nothing_and_an_unplaced_one_is_just_removed(store) -> None:
    ns = uuid.uuid4().hex[:8]
    await _app(store, ns, ready_pods=2)  # at the floor already
    with pytest.raises(ResourceExhausted):
        await disruption.evict(store, ns, "web-0", "Rebalance", 10**9)
    starting = await disruption.evict(store, ns, "web-2", "Rebalance", 10**9)
    assert starting.meta.HasField("deletion_timestamp")
    lone = pod_pb2.Pod(meta=meta_pb2.ObjectMeta(namespace=ns, name="lone"))
    await Repository(store, POD).create(lone)
    await disruption.evict(store, ns, "lone", "Rebalance", 10**9)
    assert await Repository(store, POD).find(ns, "lone") is None
    with pytest.raises(NotFound):
        await disruption.evict(store, ns, "lone", "Rebalance", 10**9)


async def test_racing_evictions_cannot_all_pass_one_budget(store) -> None:
    ns = uuid.uuid4().hex[:8]
    await _app(store, ns, ready_pods=3, min_available=1)  # two may go, not three
    results = await asyncio.gather(
        *(disruption.evict(store, ns, f"web-{i}", "NodeDrain", 10**9) for i in range(3)),
        return_exceptions=True,
    )
    refused = [r for r in results if isinstance(r, ResourceExhausted)]
    assert len(refused) == 1, results
    left = [p for p in (await Repository(store, POD).list(ns)).items if ready(p)]
    assert len(left) == 1


async def test_an_explicit_floor_above_the_default_holds(store) -> None:
    ns = uuid.uuid4().hex[:8]
    await _app(store, ns, ready_pods=3, min_available=3)
    with pytest.raises(ResourceExhausted, match="min available 3"):
        await disruption.evict(store, ns, "web-2", "NodeDrain", 10**9)
