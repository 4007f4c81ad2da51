"""A usage report stands for its interval: CPU is averaged over the samples since the last.
The QoS loop's sample reads online pressure only where batch could be the cause."""

from __future__ import annotations

from sigma.slave.runtime._port import NodeSample, PodSample, PodState
from sigma.slave.usage import Mean, qos_sample
from sigma.v1 import meta_pb2


def _sample(node_cpu: int, pods: dict[str, int], memory: int = 100) -> NodeSample:
    return NodeSample(
        cpu_millis=node_cpu,
        memory_bytes=memory,
        pressure=None,
        runnable_per_cpu=0.0,
        pods={k: PodSample(cpu, memory) for k, cpu in pods.items()},
    )


def test_a_light_load_that_single_ticks_read_as_zero_or_a_spike_reads_as_its_mean() -> None:
    mean = Mean()
    assert mean.sample() is None
    # 4% of a core in 10 ms kernel ticks, sampled every 25 ms: nine zeros, then 400m.
    for i in range(10):
        mean.add(_sample(400 if i == 9 else 0, {"ns/a": 400 if i == 9 else 0}, memory=100 + i))
    s = mean.sample()
    assert s is not None
    assert (s.cpu_millis, s.pods["ns/a"].cpu_millis) == (40, 40)
    assert s.memory_bytes == 109  # memory is a level: the latest reading
    mean.reset()
    mean.add(_sample(200, {"ns/a": 100, "ns/b": 50}))
    mean.add(_sample(100, {"ns/b": 150}))  # a left, b averaged over its own two samples
    s = mean.sample()
    assert s is not None
    assert s.cpu_millis == 150 and set(s.pods) == {"ns/b"} and s.pods["ns/b"].cpu_millis == 100


def test_online_pressure_is_of_the_pods_batch_can_starve() -> None:
    from sigma.slave.runtime._port import PodState

    def pods(*classes: int) -> dict[str, PodState]:
        return {
            f"ns/{i}": PodState(f"ns/{i}", str(i), q, frozenset()) for i, q in enumerate(classes)
        }

    def sampled(pressures: list[float | None]) -> NodeSample:
        usage = {f"ns/{i}": PodSample(100, 1, p) for i, p in enumerate(pressures)}
        return NodeSample(500, 10, 30.0, 0.0, usage)

    lse, ls = meta_pb2.QOS_CLASS_LSE, meta_pb2.QOS_CLASS_LS
    # An LSE pod waiting on its own CPUs is no sign of batch in the way.
    assert qos_sample(0, sampled([80.0]), pods(lse)).online_pressure == 0.0
    assert qos_sample(0, sampled([80.0, 20.0]), pods(lse, ls)).online_pressure == 20.0
    # Nothing measured per pod: the node's figure stands in (online_pressure unknown).
    assert qos_sample(0, sampled([None]), pods(lse)).online_pressure is None
