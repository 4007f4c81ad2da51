"""Apps hold their target through the real tiers: lost pods are replaced, disruptions budgeted.

Before the replica controller an App whose pod was deleted or evicted stayed short for good;
this runs the apiserver, the scheduler and a (simulated) slave as ``sigma up`` does, and
checks over gRPC what a user would see.
"""

from __future__ import annotations

import pytest

from sigma import rpc
from sigma.apiserver import samples
from sigma.errors import ResourceExhausted
from sigma.testing.wait import eventually
from sigma.v1 import apiserver_pb2 as api
from sigma.v1 import apiserver_pb2_grpc as stubs
from sigma.v1 import pod_pb2
from tests.integration.degradation._tiers import NS, tiers

RUNNING = pod_pb2.POD_PHASE_RUNNING


async def _live(pods: stubs.PodsStub) -> dict[str, pod_pb2.Pod]:
    reply = await rpc.unary(pods.List, api.ListPodsRequest(namespace=NS, owner_name="svc"))
    return {
        p.meta.name: p
        for p in reply.items
        if p.status.phase == RUNNING and not p.meta.HasField("deletion_timestamp")
    }


async def test_deleted_and_evicted_pods_are_replaced_and_the_budget_holds() -> None:
    names = ("apiserver", "scheduler", "slave")
    async with (
        tiers("memory://", "memory://", names) as ready,
        rpc.channel(ready["apiserver"]) as channel,
    ):
        apps, pods = stubs.AppsStub(channel), stubs.PodsStub(channel)
        events = stubs.EventsStub(channel)
        app = samples.app("svc", replicas=3)
        app.spec.min_available = 3
        await rpc.unary(apps.Create, api.CreateAppRequest(namespace=NS, app=app))
        first = await eventually(lambda: _three(pods), timeout=20, what="3 running")

        gone = sorted(first)[0]
        await rpc.unary(pods.Delete, api.DeletePodRequest(namespace=NS, name=gone))
        after = await eventually(lambda: _three(pods, without=gone), timeout=20)
        assert gone not in after and len(set(after) - set(first)) == 1

        # The budget keeps all three: an eviction is refused, and says why.
        victim = sorted(after)[0]
        with pytest.raises(ResourceExhausted, match="disruption budget: App deg/svc: 3 ready"):
            await rpc.unary(
                pods.Evict, api.EvictPodRequest(namespace=NS, name=victim, reason="NodeDrain")
            )

        # A pod its node evicted (the slave's QoS) is replaced too.
        evicted = pod_pb2.PodStatus(phase=pod_pb2.POD_PHASE_EVICTED, reason="OnlineStarved")
        stored = after[victim]
        await rpc.unary(
            pods.UpdateStatus,
            api.UpdatePodStatusRequest(
                namespace=NS,
                name=victim,
                status=evicted,
                resource_version=stored.meta.resource_version,
            ),
        )
        await eventually(lambda: _three(pods, without=victim), timeout=20)

        reply = await rpc.unary(
            events.List,
            api.ListEventsRequest(namespace=NS, regarding_kind="App", regarding_name="svc"),
        )
        reasons = {r.reason for r in reply.items}
        assert {"Replaced", "DisruptionRefused"} <= reasons, reasons


async def _three(pods: stubs.PodsStub, without: str = "") -> dict[str, pod_pb2.Pod] | None:
    live = await _live(pods)
    return live if len(live) == 3 and without not in live else None
