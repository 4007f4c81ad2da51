"""From a runtime sample to what the colocator and the QoS loop read.

``report`` builds the NodeUsageReport published on ``sigma.events.NODE_USAGE_TOPIC`` (key = node);
``qos_sample`` the QoS loop's Sample. Both split usage by who uses it: online (LSE, LSR, LS),
batch (BE), and system = machine total - online - batch, so the three parts add up.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace

from sigma.slave.qos.model import BATCH, ONLINE, Sample
from sigma.slave.runtime._port import NodeSample, PodSample, PodState
from sigma.v1 import event_pb2, meta_pb2


class Mean:
    """The CPU of the samples since ``reset``, averaged, for a report that stands for its
    interval. One QoS tick's sample spans 25 ms, and the kernel counts CPU time in 10 ms
    ticks: a light load reads 0 in most samples and a spike in the others, so a report made
    from the latest sample alone mostly says an idle-ish machine uses 0m."""

    def __init__(self) -> None:
        self.reset()
        self._latest: NodeSample | None = None

    def reset(self) -> None:
        self._count = 0
        self._cpu = 0
        self._pods: dict[str, tuple[int, int]] = {}  # key → (samples, cpu sum)

    def add(self, sample: NodeSample) -> None:
        self._latest = sample
        self._count += 1
        self._cpu += sample.cpu_millis
        for key, pod in sample.pods.items():
            n, cpu = self._pods.get(key, (0, 0))
            self._pods[key] = (n + 1, cpu + pod.cpu_millis)

    def sample(self) -> NodeSample | None:
        """The latest sample with its CPU figures averaged (None before the first sample)."""
        latest = self._latest
        if latest is None or not self._count:
            return latest
        pods = {}
        for key, pod in latest.pods.items():
            n, cpu = self._pods.get(key, (1, pod.cpu_millis))
            pods[key] = PodSample(round(cpu / n), pod.memory_bytes, pod.pressure)
        return replace(latest, cpu_millis=round(self._cpu / self._count), pods=pods)


def split(sample: NodeSample, pods: Mapping[str, PodState]) -> tuple[int, int, int, int]:
    """(online cpu, online memory, batch cpu, batch memory) of the sampled pods."""
    oc = om = bc = bm = 0
    for key, usage in sample.pods.items():
        pod = pods.get(key)
        if pod is None:
            continue
        if pod.qos in ONLINE:
            oc, om = oc + usage.cpu_millis, om + usage.memory_bytes
        elif pod.qos == BATCH:
            bc, bm = bc + usage.cpu_millis, bm + usage.memory_bytes
    return oc, om, bc, bm


def report(
    node: str,
    sample: NodeSample,
    pods: Mapping[str, PodState],
    capacity: meta_pb2.ResourceList,
    wall_ns: int,
) -> event_pb2.NodeUsageReport:
    oc, om, bc, bm = split(sample, pods)
    cpu = max(sample.cpu_millis, oc + bc)
    memory = max(sample.memory_bytes, om + bm)
    out = event_pb2.NodeUsageReport(node_name=node, capacity=capacity)
    out.usage.cpu_millis = cpu
    out.usage.memory_bytes = memory
    out.usage.online_cpu_millis, out.usage.online_memory_bytes = oc, om
    out.usage.batch_cpu_millis, out.usage.batch_memory_bytes = bc, bm
    out.usage.system_cpu_millis = cpu - oc - bc
    out.usage.system_memory_bytes = memory - om - bm
    out.sampled_at.FromNanoseconds(wall_ns)
    out.usage.sampled_at.CopyFrom(out.sampled_at)
    for key in sorted(sample.pods):
        if key in pods:
            u = sample.pods[key]
            out.pods.add(
                pod_key=key,
                qos_class=pods[key].qos,
                cpu_millis=u.cpu_millis,
                memory_bytes=u.memory_bytes,
            )
    return out


def qos_sample(at: float, sample: NodeSample, pods: Mapping[str, PodState]) -> Sample:
    """The QoS loop's sample. Its online pressure is the worst of the online pods batch can
    starve: an LSE pod's CPUs are its own, so what it waits for (its own threads, its
    callers) is nothing freezing batch could give back; with only LSE pods measured it is 0."""
    oc, _, bc, _ = split(sample, pods)
    measured = {
        k: pressure
        for k, p in pods.items()
        if p.qos in ONLINE
        and k in sample.pods
        and (pressure := sample.pods[k].pressure) is not None
    }
    online = [v for k, v in measured.items() if pods[k].qos != meta_pb2.QOS_CLASS_LSE]
    if measured and not online:
        online = [0.0]
    return Sample(
        at=at,
        cpu_millis=max(sample.cpu_millis, oc + bc),
        online_cpu_millis=oc,
        batch_cpu_millis=bc,
        memory_bytes=sample.memory_bytes,
        pressure=sample.pressure,
        runnable_per_cpu=sample.runnable_per_cpu,
        online_pressure=max(online) if online else None,
    )
