"""A usage report stands for its interval: CPU is averaged over the samples since the last."""

from __future__ import annotations

from sigma.slave.runtime._port import NodeSample, PodSample
from sigma.slave.usage import Mean


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
