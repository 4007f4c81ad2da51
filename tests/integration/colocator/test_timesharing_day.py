"""Time-sharing over a synthetic day (MemoryStore): the app shrinks in its trough and grows back
before its peak, never below its floor, and the node's batch capacity rises in the trough.

Online CPU is modelled as a per-replica cost (200 m each) plus the traffic (4000 m x load), so
shrinking the app frees the per-replica cost for batch while the traffic is still served. The
replica count the cluster runs is the shared ``target_replicas`` of the stored App.
"""

from __future__ import annotations

from sigma.bus.memory import MemoryBus
from sigma.colocator.timesharing.loop import TimeSharing
from sigma.resources import APP, NODE, TASK, Repository
from sigma.resources.apps import target_replicas
from sigma.store.memory import MemoryStore
from sigma.v1 import event_pb2, task_pb2

from .colo_helpers import add_app, add_node, colocator, report

HOUR = 3600
DAY0 = 19_700 * 86400.0  # a UTC midnight
CURVE = [0.2 if 1 <= h < 6 else 0.5 if h in (0, 6, 7, 8, 21, 22, 23) else 1.0 for h in range(24)]


async def test_a_day_of_time_sharing() -> None:
    store, bus = MemoryStore(), MemoryBus()
    wall = [DAY0]
    engine = colocator(store, bus, wall)
    sharing = TimeSharing(engine.store, engine.api, engine.decide, lambda: wall[0])
    await add_node(store, "n1")
    await add_app(store, "web", CURVE, replicas=10, floor=3)
    apps, nodes = Repository(store, APP), Repository(store, NODE)
    replicas: dict[int, int] = {}
    capacity: dict[int, int] = {}
    for step in range(0, 86400, 600):
        wall[0] = DAY0 + step
        await sharing.tick()
        running = target_replicas(await apps.get("default", "web"))
        online = 200 * running + int(4000 * CURVE[step // HOUR])
        await engine.apply(report("n1", wall[0], online))
        replicas[step] = running
        capacity[step] = (await nodes.get("", "n1")).status.batch_capacity.cpu_millis

    assert min(replicas.values()) == 3 and max(replicas.values()) == 10  # the floor holds
    assert replicas[3 * HOUR] == 3 and replicas[12 * HOUR] == 10
    # back up a lead time (30 min) before the 06:00 ramp and the 09:00 peak
    assert replicas[5 * HOUR + 1800] == 6 and replicas[8 * HOUR + 1800] == 10
    # batch capacity in the trough: 6500 - (600 + 800) - 500 - 200 = 4400; without
    # time-sharing it would be 6500 - (2000 + 800) - 700 = 3000; at peak 6500 - 6000 - 700 < 0
    assert capacity[3 * HOUR] == 4400 and capacity[12 * HOUR] == 0
    scales = [
        t
        for t in await Repository(store, TASK).list_all("default")
        if t.spec.kind == task_pb2.TASK_KIND_SCALE
    ]
    decided = [
        (d.kind, d.from_replicas, d.to_replicas)
        for d in engine.decisions
        if d.kind != event_pb2.COLOCATION_DECISION_KIND_BUDGET_CHANGE
    ]
    assert len(scales) == len(decided) >= 4  # every decision wrote its SCALE task
    assert all(t.spec.target_name == "web" for t in scales)
    assert (event_pb2.COLOCATION_DECISION_KIND_SCALE_DOWN, 6, 3) in decided
    assert (event_pb2.COLOCATION_DECISION_KIND_SCALE_UP, 3, 6) in decided
    await bus.close()
    await store.close()
