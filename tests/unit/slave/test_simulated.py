"""The simulated runtime: the port's contract over virtual pods, usage from a data model."""

from __future__ import annotations

import pytest

from sigma.errors import Invalid, NotFound
from sigma.slave.runtime._port import ContainerRun, PodRun
from sigma.slave.runtime.simulated import Profile, SimulatedCluster, UsageModel
from sigma.testing.clock import ManualClock
from sigma.v1 import meta_pb2

MODEL = UsageModel.from_data(
    {
        "profiles": {"day": {"period": 100, "points": [[0, 0.2, 0.5], [50, 1.0, 0.5]]}},
        "system_cpu_millis": 200,
        "system_memory_bytes": 1000,
    }
)


def run(key: str, qos: int = meta_pb2.QOS_CLASS_LS, **labels: str) -> PodRun:
    return PodRun(
        key,
        f"u-{key}",
        qos,
        (ContainerRun("c", ("x",)),),
        frozenset(range(4)),
        cpu_request_millis=2000,
        memory_request_bytes=4000,
        labels=tuple(labels.items()),
    )


@pytest.mark.parametrize(("t", "cpu"), [(0, 0.2), (25, 0.6), (50, 1.0), (75, 0.6), (100, 0.2)])
def test_profile_interpolates_and_repeats(t: float, cpu: float) -> None:
    assert MODEL.profiles["day"].at(t)[0] == pytest.approx(cpu)


def test_profile_needs_points() -> None:
    with pytest.raises(Invalid):
        Profile(10, ())


async def test_usage_follows_the_model_and_suppression_caps_batch() -> None:
    clock = ManualClock()
    rt = SimulatedCluster(clock, MODEL).runtime("v1", cpu_count=4, memory_bytes=1 << 30)
    await rt.start(run("ns/web", **{"sigma.io/usage-profile": "day"}))
    await rt.start(run("ns/job", meta_pb2.QOS_CLASS_BE))
    clock.advance(50)
    s = rt.controls.sample()
    assert s.pods["ns/web"].cpu_millis == 2000 and s.pods["ns/job"].cpu_millis == 1000
    assert s.cpu_millis == 200 + 2000 + 1000 and s.memory_bytes == 1000 + 2000 + 2000
    await rt.controls.set_cpus("ns/job", frozenset({3}), 300)
    assert rt.controls.sample().pods["ns/job"].cpu_millis == 300
    await rt.controls.freeze("ns/job")
    assert rt.controls.sample().pods["ns/job"].cpu_millis == 0
    with pytest.raises(NotFound):
        await rt.controls.freeze("ns/none")


async def test_batch_finishes_after_its_duration_and_stop_kills() -> None:
    clock = ManualClock()
    cluster = SimulatedCluster(clock, MODEL)
    rt = cluster.runtime("v1", 4, 1 << 30)
    await rt.start(
        run("ns/a", meta_pb2.QOS_CLASS_BE, **{"sigma.io/duration": "10", "sigma.io/exit-code": "2"})
    )
    await rt.start(run("ns/b"))
    clock.advance(9)
    assert rt.poll() == []
    clock.advance(1)
    assert [(p.key, [c.exit_code for c in p.containers]) for p in rt.poll()] == [("ns/a", [2])]
    stopped = await rt.stop("ns/b", grace=1)
    assert stopped is not None and stopped.killed and not stopped.running
    assert cluster.runtime("v1", 4, 1 << 30).adopt()[0].key == "ns/a"  # a restart sees its pods
