"""Colocator.ListPodUsage over a real gRPC server: each pod's newest measured usage, by team."""

from __future__ import annotations

import pytest

from sigma import rpc
from sigma.bus.memory import MemoryBus
from sigma.colocator.api import service
from sigma.colocator.settings import ColocatorSettings
from sigma.errors import Invalid
from sigma.store.memory import MemoryStore
from sigma.v1 import colocator_pb2 as pb
from sigma.v1 import colocator_pb2_grpc, meta_pb2

from .colo_helpers import add_node, colocator, report

T0 = 1_700_000_000.0
LS, BE = meta_pb2.QOS_CLASS_LS, meta_pb2.QOS_CLASS_BE


async def test_each_pods_newest_fresh_usage_by_namespace_and_node() -> None:
    store, bus, wall = MemoryStore(), MemoryBus(), [T0]
    settings = ColocatorSettings(stale_after=60.0)
    engine = colocator(store, bus, wall, settings)
    for name in ("n1", "n2"):
        await add_node(store, name)
    await engine.apply(report("n1", T0, 300, pods=(("shop/web-0", LS, 100),)))
    await engine.apply(report("n2", T0, 200, pods=(("ads/etl-0", BE, 700),)))
    wall[0] = T0 + 50
    newer = (("shop/web-0", LS, 250), ("shop/web-1", LS, 50))
    await engine.apply(report("n1", wall[0], 300, pods=newer))
    async with (
        rpc.RpcServer([service(engine)], rpc.ServerConfig(port=0, grace=0.5)) as server,
        rpc.channel(server.address) as channel,
    ):
        stub = colocator_pb2_grpc.ColocatorStub(channel)

        async def listed(**fields: str) -> list[tuple[str, str, int]]:
            reply = await rpc.unary(stub.ListPodUsage, pb.ListPodUsageRequest(**fields))
            return [(p.usage.pod_key, p.node_name, p.usage.cpu_millis) for p in reply.pods]

        assert await listed(namespace="shop") == [
            ("shop/web-0", "n1", 250),
            ("shop/web-1", "n1", 50),
        ]
        assert await listed() == [
            ("ads/etl-0", "n2", 700),
            ("shop/web-0", "n1", 250),
            ("shop/web-1", "n1", 50),
        ]
        assert await listed(node_name="n2") == [("ads/etl-0", "n2", 700)]
        wall[0] = T0 + 70  # n2 last reported 70 s ago: its pods no longer count as measured
        assert [key for key, _, _ in await listed()] == ["shop/web-0", "shop/web-1"]
        with pytest.raises(Invalid, match="namespace"):
            await listed(namespace="a/b")
    await bus.close()
    await store.close()
