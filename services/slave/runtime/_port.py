"""The runtime ports: how the agent runs, restarts and stops pods, and squeezes and measures them.

``Runtime`` is the pods' life cycle, shaped after the Kubernetes CRI: a pod is a sandbox (its
CPU set, cgroup and limits) holding containers, and a container is started, restarted and
stopped on its own inside it, so a crashed container comes back in place without disturbing
its siblings. ``ResourceControls`` (``runtime.controls``) is the node's hold on what runs:
CPU sets and quotas, freezing, usage. The two are apart as the kubelet keeps the CRI runtime
apart from its cgroup and resource managers (and Koordinator's koordlet its resource
executor): the pod executor and the agent drive the life cycle, the QoS loop the controls.
Adapters keep the same contract: ``ProcessRuntime`` (real processes on this machine),
``ContainerdRuntime`` (containers over the CRI) and ``SimulatedRuntime`` (virtual pods on
virtual nodes, usage from a model), each with its controls over the same pods. The agent and
the QoS executor only ever talk to these ports.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Protocol

from sigma.resources.cpusets import CpuSet
from sigma.v1 import meta_pb2, pod_pb2


@dataclass(frozen=True, slots=True)
class ContainerRun:
    name: str
    argv: tuple[str, ...]  # command + args
    env: tuple[tuple[str, str], ...] = ()
    working_dir: str = ""
    image: str = ""


@dataclass(frozen=True, slots=True)
class PodRun:
    """Everything a runtime needs to start one pod, resolved from the Pod by the agent."""

    key: str  # "namespace/name"
    uid: str
    qos: int
    containers: tuple[ContainerRun, ...]
    cpus: CpuSet
    priority: int = 0
    cpu_limit_millis: int = 0  # 0: none
    cpu_request_millis: int = 0  # the share weight is derived from it
    memory_limit_bytes: int = 0  # 0: none
    memory_request_bytes: int = 0
    labels: tuple[tuple[str, str], ...] = ()

    @property
    def batch(self) -> bool:
        return self.qos == meta_pb2.QOS_CLASS_BE

    @classmethod
    def from_pod(cls, pod: pod_pb2.Pod, cpus: CpuSet) -> PodRun:
        # The pod's instance (an App's ordinal, a batch task's index): replicas sharing the
        # host's network tell their ports apart by it.
        instance = {"SIGMA_INSTANCE": str(pod.spec.instance_index)}
        containers = tuple(
            ContainerRun(
                c.name,
                (*c.command, *c.args),
                tuple(sorted({**instance, **c.env}.items())),
                c.working_dir,
                c.image,
            )
            for c in pod.spec.template.containers
        )
        limits = [c.resources.limits for c in pod.spec.template.containers]
        requests = [c.resources.requests for c in pod.spec.template.containers]
        return cls(
            key=f"{pod.meta.namespace}/{pod.meta.name}",
            uid=pod.meta.uid,
            qos=pod.spec.qos_class,
            containers=containers,
            cpus=cpus,
            priority=pod.spec.priority,
            # A limit on one container bounds the pod only when every container has one.
            cpu_limit_millis=sum(r.cpu_millis for r in limits)
            if all(r.cpu_millis for r in limits)
            else 0,
            cpu_request_millis=sum(r.cpu_millis for r in requests),
            memory_limit_bytes=(
                sum(r.memory_bytes for r in limits) if all(r.memory_bytes for r in limits) else 0
            ),
            memory_request_bytes=sum(r.memory_bytes for r in requests),
            labels=tuple(sorted(pod.meta.labels.items())),
        )


@dataclass(slots=True)
class ContainerState:
    """One container as its runtime holds it: the current (or last) run of it.

    ``attempt`` counts the runs before this one (0 for the first), so it is the container's
    restart count. ``exit_code`` is None while the run goes on.
    """

    name: str
    attempt: int = 0
    pid: int = 0  # 0 under the simulated runtime
    started_at: float = 0.0  # wall-clock seconds
    exit_code: int | None = None
    signal: int = 0  # the signal that ended the run, when one did
    finished_at: float = 0.0  # wall-clock seconds
    oom_killed: bool = False
    killed: bool = False  # stopped by the agent (a failed liveness probe, the pod's stop)
    reason: str = ""  # why the agent stopped it ("LivenessProbeFailed")
    previous: ContainerState | None = None  # the run before this one, once it restarted

    @property
    def running(self) -> bool:
        return self.exit_code is None

    def next_run(self) -> ContainerState:
        """The state of the restart of this (ended) run: the next attempt, remembering this one."""
        return ContainerState(self.name, self.attempt + 1, previous=replace(self, previous=None))


@dataclass(slots=True)
class PodState:
    """A pod's sandbox and its containers as the runtime holds them."""

    key: str
    uid: str
    qos: int
    cpus: CpuSet
    containers: list[ContainerState] = field(default_factory=list)
    started_at: float = 0.0  # wall-clock seconds: when the sandbox was made
    priority: int = 0
    memory_limit_bytes: int = 0
    frozen: bool = False
    killed: bool = False  # the agent stopped the whole pod (its exits are not a verdict)

    @classmethod
    def starting(cls, run: PodRun, now: float) -> PodState:
        """The state of ``run`` as its sandbox is made at ``now``: no container run yet."""
        containers = [ContainerState(c.name) for c in run.containers]
        return cls(
            run.key,
            run.uid,
            run.qos,
            run.cpus,
            containers,
            now,
            run.priority,
            run.memory_limit_bytes,
        )

    @property
    def running(self) -> bool:
        """Some container runs: the pod uses the machine."""
        return any(c.running for c in self.containers)

    @property
    def pids(self) -> tuple[int, ...]:
        return tuple(c.pid for c in self.containers if c.running and c.pid)

    def container(self, name: str) -> ContainerState | None:
        return next((c for c in self.containers if c.name == name), None)


@dataclass(frozen=True, slots=True)
class ExecResult:
    exit_code: int
    output: bytes = b""


@dataclass(frozen=True, slots=True)
class PodSample:
    cpu_millis: int
    memory_bytes: int
    pressure: float | None = None  # the pod's own CPU PSI some (%), where measurable


@dataclass(frozen=True, slots=True)
class NodeSample:
    cpu_millis: int
    memory_bytes: int
    pressure: float | None  # node CPU PSI some (%), None where the kernel has none
    runnable_per_cpu: float
    pods: dict[str, PodSample] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What this runtime can enforce here; the agent reports it and picks fallbacks from it."""

    cpu_max: bool = False  # a hard CPU quota per pod
    cpu_weight: bool = False
    memory_max: bool = False  # else memory_evict enforces limits from samples
    freeze: str = "signal"  # "cgroup" (cgroup.freeze) or "signal" (SIGSTOP / SIGCONT)
    idle_class: str = "nice"  # "sched_idle" or "nice" (nice 19) for batch
    pod_pressure: bool = False  # per-pod CPU PSI
    log_format: str = "plain"  # "plain" (as written) or "cri" (the CRI's framed lines)

    def describe(self) -> str:
        quota = "cpu.max" if self.cpu_max else "no quota (affinity + idle class only)"
        memory = "memory.max" if self.memory_max else "limits enforced by sampling + eviction"
        return f"{quota}; {memory}; freeze by {self.freeze}; batch at {self.idle_class}"


class ResourceControls(Protocol):
    """The node's resource controls over running pods: what the QoS loop squeezes and reads."""

    async def set_cpus(self, key: str, cpus: CpuSet, quota_millis: int = 0) -> None:
        """Move the pod to ``cpus``, capped at ``quota_millis`` where one is given."""
        ...

    async def freeze(self, key: str) -> None:
        """Stop every process of the pod at once (it keeps its memory)."""
        ...

    async def thaw(self, key: str) -> None: ...

    def sample(self) -> NodeSample:
        """The node's usage and each running pod's, since the previous sample."""
        ...


class Runtime(Protocol):
    name: str
    capabilities: Capabilities
    controls: ResourceControls  # over the same pods

    def adopt(self) -> list[PodState]:
        """Pods a previous run of the agent left running (or finished meanwhile), re-tracked."""
        ...

    def on_exit(self, callback: Callable[[], None]) -> None:
        """Call ``callback`` (soon, from the event loop) whenever a container exits, so the
        agent reacts at once instead of at its next resync."""
        ...

    async def start(self, run: PodRun) -> PodState:
        """Make the pod's sandbox and start every container (attempt 0)."""
        ...

    async def restart(self, key: str, name: str) -> ContainerState:
        """Start the next attempt of an exited container, in the same sandbox."""
        ...

    async def kill(self, key: str, name: str, grace: float, reason: str) -> None:
        """Stop one running container (SIGTERM, SIGKILL after ``grace``), marking it killed
        for ``reason``."""
        ...

    async def stop(self, key: str, grace: float) -> PodState | None:
        """Stop every container (SIGTERM, then SIGKILL after ``grace`` seconds) and take the
        sandbox down; None if the pod is unknown."""
        ...

    def pods(self) -> dict[str, PodState]: ...

    def poll(self) -> list[PodState]:
        """Refresh exit status; the pods some container of which exited since the last poll."""
        ...

    def forget(self, key: str) -> None:
        """Drop a stopped pod's record once its final status is reported."""
        ...

    async def exec(self, key: str, name: str, argv: tuple[str, ...], timeout: float) -> ExecResult:
        """Run ``argv`` in the container's environment (a probe); exit 124 on timeout."""
        ...

    def log_path(self, key: str, name: str, attempt: int) -> Path | None:
        """Where a run of a container logs (its current attempt, or the one before); None when
        that run left no log."""
        ...

    async def close(self) -> None:
        """Release the runtime's own resources; pods keep running (a restart adopts them)."""
        ...
