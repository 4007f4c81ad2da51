"""The simulated runtime: thousands of virtual nodes in one process, usage from a data model.

``SimulatedCluster`` holds every virtual pod of every virtual node and a ``UsageModel``;
``SimulatedRuntime`` is one node's view of it, behind the same port as the process runtime, so
the agent's loop, the QoS strategies and the usage reports run unchanged on top.

The model is data, not code: named profiles of (seconds into the period, fraction of the pod's
CPU request, fraction of its memory request) points, linearly interpolated and repeated every
period. A pod picks its profile with the label ``sigma.io/usage-profile`` (default "flat") and
may finish on its own after ``sigma.io/duration`` seconds (batch), with exit code
``sigma.io/exit-code`` (default 0): every container of it exits then. ``crash`` ends one
container's run, as a fault would; a restarted container runs until the pod's duration is up.
Suppression caps batch at its CPU set and quota; a frozen pod uses no CPU. Exec (probes)
succeeds unless the pod's ``sigma.io/probe-exit-code`` label says otherwise.
"""

from __future__ import annotations

import bisect
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sigma.clock import Clock
from sigma.errors import Invalid, NotFound
from sigma.resources.cpusets import CpuSet
from sigma.slave.runtime._port import (
    Capabilities,
    ContainerState,
    ExecResult,
    NodeSample,
    PodRun,
    PodSample,
    PodState,
)

PROFILE_LABEL = "sigma.io/usage-profile"
DURATION_LABEL = "sigma.io/duration"
EXIT_LABEL = "sigma.io/exit-code"
PROBE_EXIT_LABEL = "sigma.io/probe-exit-code"


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
class _VirtualPod:
    state: PodState
    run: PodRun
    profile: Profile
    started: float  # clock seconds
    duration: float | None
    exit_code: int
    quota_millis: int = 0


class SimulatedCluster:
    """Every virtual node's pods; ``wall`` stamps their start and exit times."""

    def __init__(
        self,
        clock: Clock,
        model: UsageModel | None = None,
        *,
        wall: Callable[[], float] = time.time,
    ) -> None:
        self.clock = clock
        self.wall = wall
        self.model = model or UsageModel()
        self.nodes: dict[str, dict[str, _VirtualPod]] = {}

    def runtime(self, node: str, cpu_count: int, memory_bytes: int) -> SimulatedRuntime:
        self.nodes.setdefault(node, {})
        return SimulatedRuntime(self, node, cpu_count, memory_bytes)


class SimulatedRuntime:
    name = "simulated"
    capabilities = Capabilities(cpu_max=True, cpu_weight=True, memory_max=True, freeze="cgroup")

    def __init__(
        self, cluster: SimulatedCluster, node: str, cpu_count: int, memory_bytes: int
    ) -> None:
        self.cluster = cluster
        self.node = node
        self.cpu_count = cpu_count
        self.memory_bytes = memory_bytes
        self._pods = cluster.nodes[node]

        self._on_exit: Callable[[], None] | None = None

    def adopt(self) -> list[PodState]:
        return [p.state for p in self._pods.values()]

    def on_exit(self, callback: Callable[[], None]) -> None:
        self._on_exit = callback

    async def start(self, run: PodRun) -> PodState:
        existing = self._pods.get(run.key)
        if existing is not None and existing.state.uid == run.uid:
            return existing.state
        labels = dict(run.labels)
        profile = self.cluster.model.profiles.get(labels.get(PROFILE_LABEL, "flat"), FLAT)
        duration = float(labels[DURATION_LABEL]) if DURATION_LABEL in labels else None
        now = self.cluster.wall()
        state = PodState(
            run.key,
            run.uid,
            run.qos,
            run.cpus,
            [ContainerState(c.name, started_at=now) for c in run.containers],
            now,
            run.priority,
            run.memory_limit_bytes,
        )
        self._pods[run.key] = _VirtualPod(
            state,
            run,
            profile,
            self.cluster.clock.now(),
            duration,
            int(labels.get(EXIT_LABEL, "0")),
        )
        return state

    async def restart(self, key: str, name: str) -> ContainerState:
        pod = self._known(key)
        old = _container(pod, name)
        if old.running:
            return old
        new = old.next_run()
        new.started_at = self.cluster.wall()
        pod.state.containers[pod.state.containers.index(old)] = new
        return new

    async def kill(self, key: str, name: str, grace: float, reason: str) -> None:
        state = _container(self._known(key), name)
        if state.running:
            state.killed, state.reason = True, reason
            _end(state, 137, self.cluster.wall())

    def crash(self, key: str, name: str, exit_code: int = 137) -> None:
        """End a container's run as a fault would (a crash, a kill from outside)."""
        state = _container(self._known(key), name)
        if state.running:
            _end(state, exit_code, self.cluster.wall())
            if self._on_exit is not None:
                self._on_exit()

    async def stop(self, key: str, grace: float) -> PodState | None:
        pod = self._pods.get(key)
        if pod is None:
            return None
        pod.state.killed = True
        for c in pod.state.containers:
            if c.running:
                c.killed = True
                _end(c, 137, self.cluster.wall())
        pod.state.frozen = False
        return pod.state

    def pods(self) -> dict[str, PodState]:
        return {k: p.state for k, p in self._pods.items()}

    def poll(self) -> list[PodState]:
        now = self.cluster.clock.now()
        done = []
        for pod in self._pods.values():
            if pod.state.running and pod.duration is not None and now - pod.started >= pod.duration:
                for c in pod.state.containers:
                    if c.running:
                        _end(c, pod.exit_code, self.cluster.wall())
                done.append(pod.state)
        return done

    def forget(self, key: str) -> None:
        self._pods.pop(key, None)

    async def exec(self, key: str, name: str, argv: tuple[str, ...], timeout: float) -> ExecResult:
        pod = self._known(key)
        _container(pod, name)
        return ExecResult(int(dict(pod.run.labels).get(PROBE_EXIT_LABEL, "0")))

    def log_path(self, key: str, name: str, attempt: int) -> Path | None:
        return None  # virtual pods print nothing

    async def set_cpus(self, key: str, cpus: CpuSet, quota_millis: int = 0) -> None:
        pod = self._known(key)
        pod.state.cpus = cpus
        pod.quota_millis = quota_millis

    async def freeze(self, key: str) -> None:
        self._known(key).state.frozen = True

    async def thaw(self, key: str) -> None:
        self._known(key).state.frozen = False

    def sample(self) -> NodeSample:
        now = self.cluster.clock.now()
        pods = {k: self._usage(p, now) for k, p in self._pods.items() if p.state.running}
        model = self.cluster.model
        cpu = min(
            self.cpu_count * 1000,
            model.system_cpu_millis + sum(s.cpu_millis for s in pods.values()),
        )
        memory = model.system_memory_bytes + sum(s.memory_bytes for s in pods.values())
        return NodeSample(cpu, memory, None, cpu / 1000 / self.cpu_count, pods)

    async def close(self) -> None:
        return None

    def _usage(self, pod: _VirtualPod, now: float) -> PodSample:
        if pod.state.frozen:
            cpu_share, mem_share = 0.0, pod.profile.at(now - pod.started)[1]
        else:
            cpu_share, mem_share = pod.profile.at(now - pod.started)
        request = pod.run.cpu_request_millis or 1000
        cpu = int(cpu_share * request)
        caps = [len(pod.state.cpus) * 1000 if pod.state.cpus else cpu, pod.quota_millis or cpu]
        memory = int(mem_share * (pod.run.memory_request_bytes or 256 << 20))
        return PodSample(min(cpu, *caps), memory)

    def _known(self, key: str) -> _VirtualPod:
        pod = self._pods.get(key)
        if pod is None:
            raise NotFound(f"pod {key} is not on virtual node {self.node}")
        return pod


def _container(pod: _VirtualPod, name: str) -> ContainerState:
    state = pod.state.container(name)
    if state is None:
        raise NotFound(f"pod {pod.state.key} has no container {name!r}")
    return state


def _end(state: ContainerState, exit_code: int, at: float) -> None:
    state.exit_code = exit_code
    state.signal = exit_code - 128 if 128 < exit_code <= 192 else 0
    state.finished_at = at
