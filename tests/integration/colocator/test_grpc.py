"""The Colocator service over a real gRPC server: the four reads and their errors."""

from __future__ import annotations

import pytest
from google.protobuf.duration_pb2 import Duration

from sigma import rpc
from sigma.bus.memory import MemoryBus
from sigma.colocator.api import service
from sigma.errors import Invalid, NotFound
from sigma.store.memory import MemoryStore
from sigma.v1 import colocator_pb2 as pb
from sigma.v1 import colocator_pb2_grpc, event_pb2

from .colo_helpers import add_node, colocator, report

T0 = 1_700_000_000.0


async def test_colocator_rpcs() -> None:
    store, bus, wall = MemoryStore(), MemoryBus(), [T0]
    engine = colocator(store, bus, wall)
    for name in ("n1", "n2"):
        await add_node(store, name)
    # n1: online 2000 then 4000 (two budget changes); n2: online 1000, batch 3000
    await engine.apply(report("n1", T0, 2000))
    await engine.apply(report("n2", T0, 1000, batch_cpu=3000))
    wall[0] = T0 + 30
    await engine.apply(report("n1", wall[0], 4000))
    config = rpc.ServerConfig(port=0, grace=0.5)
    async with (
        rpc.RpcServer([service(engine)], config) as server,
        rpc.channel(server.address) as ch,
    ):
        stub = colocator_pb2_grpc.ColocatorStub(ch)
        budget = await rpc.unary(stub.GetNodeBudget, pb.GetNodeBudgetRequest(node_name="n1"))
        assert budget.terms.result.cpu_millis == 1800 and budget.sampled_at.seconds == int(T0 + 30)
        with pytest.raises(NotFound):
            await rpc.unary(stub.GetNodeBudget, pb.GetNodeBudgetRequest(node_name="nope"))

        explained = await rpc.unary(
            stub.ExplainBudget, pb.ExplainBudgetRequest(node_name="n1", limit=1)
        )
        assert [c.reason for c in explained.changes] == ["UsageRose"]
        assert explained.changes[0].previous.cpu_millis == 3800

        use = await rpc.unary(
            stub.GetClusterUtilization,
            pb.GetClusterUtilizationRequest(window=Duration(seconds=60), step=Duration(seconds=20)),
        )
        # CPU: online (2000 + 4000) / 2 on n1 and 1000 on n2, batch 3000, system 500 each
        assert use.nodes == 2 and use.capacity.cpu_millis == 20_000
        assert use.cpu.online == pytest.approx(4000 / 20_000)
        assert use.cpu.batch == pytest.approx(3000 / 20_000)
        assert use.cpu.idle == pytest.approx(1 - (4000 + 3000 + 1000) / 20_000)
        assert [s.start.seconds - int(T0) + 30 for s in use.series] == [0, 20, 40]
        with pytest.raises(Invalid):
            await rpc.unary(
                stub.GetClusterUtilization,
                pb.GetClusterUtilizationRequest(window=Duration(seconds=-1)),
            )

        first = await rpc.unary(stub.ListDecisions, pb.ListDecisionsRequest(page_size=2))
        assert [d.target for d in first.decisions] == ["n1", "n2"] and first.next_page_token
        rest = await rpc.unary(
            stub.ListDecisions, pb.ListDecisionsRequest(page_token=first.next_page_token)
        )
        assert [d.target for d in rest.decisions] == ["n1"] and not rest.next_page_token
        kinds = {d.kind for d in (*first.decisions, *rest.decisions)}
        assert kinds == {event_pb2.COLOCATION_DECISION_KIND_BUDGET_CHANGE}
    await bus.close()
    await store.close()
