"""Usage under the simulated runtime: the data model, and the controls that squeeze and read it.

A pod's usage follows its profile (points of (seconds into the period, share of its CPU
request, share of its memory request), interpolated and repeated every period); the controls
cap a pod at its CPU set and quota and stop its CPU while it is frozen, and a sample sums the
pods and the node's own share (``UsageModel.system_*``), capped at the node's CPUs.
"""

from __future__ import annotations

import bisect
from collections.abc import Mapping
from dataclasses import dataclass, field

from sigma.clock import Clock
from sigma.errors import Invalid
from sigma.resources.cpusets import CpuSet
from sigma.slave.runtime._port import NodeSample, PodRun, PodSample, PodState
from sigma.slave.runtime._table import PodTable


@dataclass(frozen=True, slots=True)
class Profile:
    """Usage over one period: points (t, cpu share, memory share) of the pod's requests."""

    period: float
    points: tuple[tuple[float, float, float], ...]

    def __post_init__(self) -> None:
        if not self.points or self.period <= 0:
            raise Invalid("profile", "needs a positive period and at least one point")

    def at(self, t: float) -> tuple[float, float]:
        t %= self.period
        times = [p[0] for p in self.points]
        i = bisect.bisect_right(times, t)
        a = self.points[i - 1] if i else self.points[-1]
        b = self.points[i] if i < len(self.points) else self.points[0]
        span = (b[0] - a[0]) % self.period or self.period
        w = ((t - a[0]) % self.period) / span
        return a[1] + (b[1] - a[1]) * w, a[2] + (b[2] - a[2]) * w


FLAT = Profile(1.0, ((0.0, 0.5, 0.5),))


@dataclass(slots=True)
class UsageModel:
    profiles: dict[str, Profile] = field(default_factory=lambda: {"flat": FLAT})
    system_cpu_millis: int = 100  # the OS and the agent, per node
    system_memory_bytes: int = 256 << 20

    @classmethod
    def from_data(cls, data: Mapping[str, object]) -> UsageModel:
        """``{"profiles": {name: {"period": s, "points": [[t, cpu, mem], ...]}}, ...}``."""
        raw = data.get("profiles", {})
        if not isinstance(raw, Mapping):
            raise Invalid("profiles", "must be a table of name → {period, points}")
        profiles = {"flat": FLAT}
        for name, spec in raw.items():
            points = tuple(tuple(map(float, p)) for p in spec["points"])  # type: ignore[index]
            profiles[name] = Profile(float(spec["period"]), points)  # type: ignore[index,arg-type]
        return cls(
            profiles,
            int(data.get("system_cpu_millis", 100)),  # type: ignore[call-overload]
            int(data.get("system_memory_bytes", 256 << 20)),  # type: ignore[call-overload]
        )


@dataclass(slots=True)
class VirtualPod:
    """A virtual pod: its state, its run, its usage profile and when it ends on its own."""

    state: PodState
    run: PodRun
    profile: Profile
    started: float  # clock seconds
    duration: float | None
    exit_code: int
    quota_millis: int = 0


class SimulatedControls:
    """One virtual node's controls over the cluster's pods of that node."""

    def __init__(
        self, pods: PodTable[VirtualPod], clock: Clock, model: UsageModel, cpu_count: int
    ) -> None:
        self._pods = pods
        self.clock = clock
        self.model = model
        self.cpu_count = cpu_count

    async def set_cpus(self, key: str, cpus: CpuSet, quota_millis: int = 0) -> None:
        pod = self._pods.known(key)
        pod.state.cpus = cpus
        pod.quota_millis = quota_millis

    async def freeze(self, key: str) -> None:
        self._pods.known(key).state.frozen = True

    async def thaw(self, key: str) -> None:
        self._pods.known(key).state.frozen = False

    def sample(self) -> NodeSample:
        now = self.clock.now()
        pods = {k: self._usage(p, now) for k, p in self._pods.items() if p.state.running}
        cpu = min(
            self.cpu_count * 1000,
            self.model.system_cpu_millis + sum(s.cpu_millis for s in pods.values()),
        )
        memory = self.model.system_memory_bytes + sum(s.memory_bytes for s in pods.values())
        return NodeSample(cpu, memory, None, cpu / 1000 / self.cpu_count, pods)

    def _usage(self, pod: VirtualPod, now: float) -> PodSample:
        if pod.state.frozen:
            cpu_share, mem_share = 0.0, pod.profile.at(now - pod.started)[1]
        else:
            cpu_share, mem_share = pod.profile.at(now - pod.started)
        request = pod.run.cpu_request_millis or 1000
        cpu = int(cpu_share * request)
        caps = [len(pod.state.cpus) * 1000 if pod.state.cpus else cpu, pod.quota_millis or cpu]
        memory = int(mem_share * (pod.run.memory_request_bytes or 256 << 20))
        return PodSample(min(cpu, *caps), memory)
