"""A profile learned from a day of pod usage drives time-sharing on the next day."""

from __future__ import annotations

import random

import pytest

from sigma.bus.memory import MemoryBus
from sigma.colocator.timesharing.loop import TimeSharing
from sigma.colocator.timesharing.profiles import ProfileLearner
from sigma.resources import APP, Repository
from sigma.store.memory import MemoryStore
from sigma.v1 import meta_pb2

from .colo_helpers import add_app, add_node, add_pod, colocator, report

HOUR = 3600
DAY0 = 19_700 * 86400.0
LS, BE = meta_pb2.QOS_CLASS_LS, meta_pb2.QOS_CLASS_BE


def curve(hour: int) -> float:
    return 0.2 if 1 <= hour < 6 else 0.5 if hour in (0, 6, 7, 8, 21, 22, 23) else 1.0


async def test_profile_learned_from_usage_then_used() -> None:
    store, bus, wall = MemoryStore(), MemoryBus(), [DAY0]
    engine = colocator(store, bus, wall)
    learner = ProfileLearner(store, lambda: wall[0], slot_seconds=900, min_history=86400 - 600)
    sharing = TimeSharing(engine.store, engine.api, engine.decide, lambda: wall[0])
    await add_node(store, "n1")
    await add_app(store, "web", [], replicas=10, floor=3)
    pods = [f"default/web-{i}" for i in range(10)]
    for key in pods:
        await add_pod(store, key, "n1", LS, app="web")
    await add_pod(store, "default/batch-0", "n1", BE)  # batch: never part of an app's load
    apps = Repository(store, APP)
    for step in range(0, 86400, 600):
        wall[0] = DAY0 + step
        cpu = int(400 * curve(step // HOUR))
        usage = (*((k, LS, cpu) for k in pods), ("default/batch-0", BE, 5000))
        await learner.observe(report("n1", wall[0], 10 * cpu, pods=usage))
        learner.sample()
        if step == 12 * HOUR:
            assert await learner.publish() == 0  # half a day is not a profile yet
    assert await learner.publish() == 1
    learned = (await apps.get("default", "web")).status.learned_profile
    assert learned.slot_seconds == 900 and len(learned.load) == 96
    assert learned.load[3 * 4] == pytest.approx(0.2) and learned.load[12 * 4] == 1.0
    assert await learner.publish() == 0  # unchanged: not written again

    wall[0] = DAY0 + 86400 + 3 * HOUR  # next day, deep in the trough
    assert await sharing.tick() == 1
    assert (await apps.get("default", "web")).status.time_sharing_replicas == 3
    await bus.close()
    await store.close()


async def test_each_observation_sums_the_fresh_figures_of_an_apps_pods() -> None:
    """Reports arrive per node at their own instants, pods move and stop reporting: every
    tick's observation is the sum of the latest figures no older than ``stale_after``."""
    rng = random.Random(7)
    store, wall = MemoryStore(), [DAY0]
    learner = ProfileLearner(store, lambda: wall[0], stale_after=120.0)
    apps = {"a": 6, "b": 4}
    for app, replicas in apps.items():
        for i in range(replicas):
            await add_pod(store, f"default/{app}-{i}", "n1", LS, app=app)
    latest: dict[str, tuple[float, int, str]] = {}  # pod -> (sampled at, cpu, app)
    for step in range(200):
        wall[0] = DAY0 + 30 * step
        for node in range(3):
            if rng.random() < 0.5:
                continue
            at = wall[0] - rng.choice((0, 5, 20))
            usage = []
            for app, replicas in apps.items():
                for i in range(replicas):
                    if rng.random() < 0.3:  # this node runs the pod now
                        key, cpu = f"default/{app}-{i}", rng.randrange(1000)
                        usage.append((key, LS, cpu))
                        latest[key] = (at, cpu, app)
            await learner.observe(report(f"n{node}", at, 0, pods=tuple(usage)))
        learner.sample()
        want: dict[str, float] = {}
        for at, cpu, app in latest.values():
            if wall[0] - at <= 120.0:
                want[f"default/{app}"] = want.get(f"default/{app}", 0.0) + cpu / 1000
        got = {
            app: series[-1][1]
            for app, series in learner.observations.items()
            if series[-1][0] == wall[0]
        }
        assert got == pytest.approx(want), step
    await store.close()
