"""What QoS strategies see and what they may ask for: a view of the node in, actions out.

A strategy never reads the host and never writes it. The manager builds a ``NodeView`` from
the runtime's samples, the strategies turn it into ``Action`` values, and the executor is the
only place that applies them. That keeps every decision a pure function, tested from tables.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from sigma.resources.cpusets import CpuSet
from sigma.resources.qos import BE, ONLINE
from sigma.resources.victims import order_key

BATCH = BE


@dataclass(frozen=True, slots=True)
class PodView:
    """One pod as the node sees it right now."""

    key: str  # "namespace/name"
    qos: int  # meta_pb2.QoSClass
    priority: int = 0
    cpu_millis: int = 0  # measured
    memory_bytes: int = 0  # measured
    memory_limit_bytes: int = 0  # 0: no limit
    frozen: bool = False
    pressure: float | None = None  # the pod's own CPU pressure (PSI some, %), if known
    ran_for: float = 0.0  # seconds since the pod started (0: unknown, taken as just started)

    @property
    def online(self) -> bool:
        return self.qos in ONLINE

    @property
    def batch(self) -> bool:
        return self.qos == BATCH


@dataclass(frozen=True, slots=True)
class Sample:
    """One measurement of the whole node; a view keeps the recent ones, oldest first."""

    at: float  # clock seconds
    cpu_millis: int  # whole machine
    online_cpu_millis: int
    batch_cpu_millis: int
    memory_bytes: int
    pressure: float | None = None  # node CPU PSI some (%), None where the kernel has none
    runnable_per_cpu: float = 0.0  # run-queue length per CPU, the fallback starvation signal
    online_pressure: float | None = None  # worst online pod's own PSI, where measurable

    @property
    def system_cpu_millis(self) -> int:
        return max(0, self.cpu_millis - self.online_cpu_millis - self.batch_cpu_millis)


@dataclass(frozen=True, slots=True)
class QosPolicy:
    """Thresholds of the node's QoS loop; fractions are of the node's capacity."""

    suppress_threshold: float = 0.65  # batch may fill the node up to this share of its CPUs
    min_batch_cpus: int = 1  # suppression never takes batch below this many CPUs
    min_batch_millis: int = 100  # ... nor its quota below this
    quota_step_millis: int = 100  # smaller quota changes are not worth an action
    grow_margin_millis: int = 200  # batch gains a CPU only with this much room to spare
    enforce_quota: bool = True  # False where the runtime has no cpu.max: only CPU sets count
    cpu_evict_after: float = 5.0  # seconds batch must have sat at its floor before eviction
    memory_evict_threshold: float = 0.9
    pressure_threshold: float = 40.0  # PSI some (%) that counts as online starvation
    runnable_threshold: float = 3.0  # runnable tasks per CPU, when there is no PSI
    thaw_after: float = 1.0  # seconds without starvation before frozen batch resumes


@dataclass(frozen=True, slots=True)
class NodeView:
    node: str
    cpu_count: int
    memory_capacity_bytes: int
    batch_pool: CpuSet  # the most batch may use: every CPU that is not LSE
    reserved_cpus: CpuSet  # LSR CPUs inside batch_pool, lent to batch only as a last resort
    batch_cpus: CpuSet  # what batch runs on now
    batch_quota_millis: int  # current batch quota; 0: none
    pods: tuple[PodView, ...]
    history: tuple[Sample, ...]  # oldest first; history[-1] is now
    last_evict_at: float | None = None

    @property
    def latest(self) -> Sample:
        return self.history[-1]

    @property
    def now(self) -> float:
        return self.history[-1].at

    @property
    def capacity_millis(self) -> int:
        return self.cpu_count * 1000

    def batch_pods(self) -> list[PodView]:
        return [p for p in self.pods if p.batch]

    def online_pods(self) -> list[PodView]:
        return [p for p in self.pods if p.online]


class ActionKind(enum.StrEnum):
    SUPPRESS = "Suppress"  # set batch's CPUs and quota (growing them back is a suppress too)
    FREEZE = "Freeze"  # stop a batch pod's processes without killing them
    THAW = "Thaw"
    EVICT = "Evict"  # kill the pod; it is reported Evicted with the reason


@dataclass(frozen=True, slots=True)
class Action:
    kind: ActionKind
    target: str  # a pod key; "" for node-wide batch suppression
    reason: str  # CamelCase cause: "UsageRose", "OnlineStarved", ...
    message: str = ""
    cpus: CpuSet = field(default_factory=frozenset)
    quota_millis: int = 0


def starved(sample: Sample, policy: QosPolicy) -> bool:
    """Online work waits for CPU: its own PSI where known, else the node's, else the run queue."""
    if sample.online_pressure is not None:
        return sample.online_pressure >= policy.pressure_threshold
    if sample.pressure is not None:
        return sample.pressure >= policy.pressure_threshold
    return sample.runnable_per_cpu >= policy.runnable_threshold


def batch_room_millis(view: NodeView, sample: Sample, policy: QosPolicy) -> int:
    """CPU batch may use: capacity x threshold - what everything but batch uses now."""
    allowed = view.capacity_millis * policy.suppress_threshold
    return int(allowed - (sample.cpu_millis - sample.batch_cpu_millis))


def squeezed(view: NodeView, sample: Sample, policy: QosPolicy) -> bool:
    """Batch sits at its floor (its room would not fill the floor's CPUs) or online starves."""
    floor = policy.min_batch_cpus * 1000
    return batch_room_millis(view, sample, policy) < floor or starved(sample, policy)


def victims(pods: list[PodView], *, by: str) -> list[PodView]:
    """Eviction order (``sigma.resources.victims``): lowest priority first, then the one that
    ran the shortest, then the largest user of ``by``."""

    def key(p: PodView) -> tuple[bool, int, float, float, str]:
        return order_key(
            batch=p.batch, priority=p.priority, ran_for=p.ran_for, size=getattr(p, by), key=p.key
        )

    return sorted(pods, key=key)
