"""The simulated runtime: thousands of virtual nodes in one process, usage from a data model.

``SimulatedCluster`` holds every virtual pod of every virtual node and a ``UsageModel``;
``SimulatedRuntime`` is one node's view of it, behind the same ports as the process runtime
(its ``controls`` and the model live in ``_sim_usage``), so the agent's loop, the QoS
strategies and the usage reports run unchanged on top.

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

import time
from collections.abc import Callable
from pathlib import Path

from sigma.clock import Clock
from sigma.errors import NotFound
from sigma.slave.runtime._port import Capabilities, ContainerState, ExecResult, PodRun, PodState
from sigma.slave.runtime._sim_usage import FLAT, Profile, SimulatedControls, UsageModel, VirtualPod
from sigma.slave.runtime._table import PodTable

__all__ = [
    "DURATION_LABEL",
    "EXIT_LABEL",
    "PROBE_EXIT_LABEL",
    "PROFILE_LABEL",
    "Profile",
    "SimulatedCluster",
    "SimulatedRuntime",
    "UsageModel",
]

PROFILE_LABEL = "sigma.io/usage-profile"
DURATION_LABEL = "sigma.io/duration"
EXIT_LABEL = "sigma.io/exit-code"
PROBE_EXIT_LABEL = "sigma.io/probe-exit-code"


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
        self.nodes: dict[str, PodTable[VirtualPod]] = {}

    def runtime(self, node: str, cpu_count: int, memory_bytes: int) -> SimulatedRuntime:
        self.nodes.setdefault(node, PodTable(f"on virtual node {node}"))
        return SimulatedRuntime(self, node, cpu_count, memory_bytes)


class SimulatedRuntime:
    name = "simulated"
    capabilities = Capabilities(cpu_max=True, cpu_weight=True, memory_max=True, freeze="cgroup")

    def __init__(
        self, cluster: SimulatedCluster, node: str, cpu_count: int, memory_bytes: int
    ) -> None:
        self.cluster = cluster
        self.node = node
        self.memory_bytes = memory_bytes
        self._pods = cluster.nodes[node]
        self.controls = SimulatedControls(self._pods, cluster.clock, cluster.model, cpu_count)
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
        self._pods[run.key] = VirtualPod(
            state,
            run,
            profile,
            self.cluster.clock.now(),
            duration,
            int(labels.get(EXIT_LABEL, "0")),
        )
        return state

    async def restart(self, key: str, name: str) -> ContainerState:
        pod = self._pods.known(key)
        old = _container(pod, name)
        if old.running:
            return old
        new = old.next_run()
        new.started_at = self.cluster.wall()
        pod.state.containers[pod.state.containers.index(old)] = new
        return new

    async def kill(self, key: str, name: str, grace: float, reason: str) -> None:
        state = _container(self._pods.known(key), name)
        if state.running:
            state.killed, state.reason = True, reason
            _end(state, 137, self.cluster.wall())

    def crash(self, key: str, name: str, exit_code: int = 137) -> None:
        """End a container's run as a fault would (a crash, a kill from outside)."""
        state = _container(self._pods.known(key), name)
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
        pod = self._pods.known(key)
        _container(pod, name)
        return ExecResult(int(dict(pod.run.labels).get(PROBE_EXIT_LABEL, "0")))

    def log_path(self, key: str, name: str, attempt: int) -> Path | None:
        return None  # virtual pods print nothing

    async def close(self) -> None:
        return None


def _container(pod: VirtualPod, name: str) -> ContainerState:
    state = pod.state.container(name)
    if state is None:
        raise NotFound(f"pod {pod.state.key} has no container {name!r}")
    return state


def _end(state: ContainerState, exit_code: int, at: float) -> None:
    state.exit_code = exit_code
    state.signal = exit_code - 128 if 128 < exit_code <= 192 else 0
    state.finished_at = at
