"""Values the scheduling chain passes around: the pod as the chain sees it, statuses, results.

"Unschedulable" is a ``Status`` with reasons per plugin, never an exception: a pod that fits
nowhere is an ordinary outcome the queue acts on. Only a bug raises.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

from sigma.resources import qos as qos_class
from sigma.resources.placement import Toleration

T = TypeVar("T")

# Topology levels, as indexes into the snapshot's domain arrays (narrowest first).
HOST, CHASSIS, CORE_SWITCH = 0, 1, 2
LEVELS = (HOST, CHASSIS, CORE_SWITCH)
LEVEL_NAMES = ("host", "chassis", "core_switch")


class Code(enum.IntEnum):
    SUCCESS = 0
    # Fits nowhere now; may fit after the cluster changes (preemption may help).
    UNSCHEDULABLE = 1
    # Can never fit as asked (for example an LSE pod asking for 1.5 cores); no preemption.
    UNRESOLVABLE = 2
    # Lost a race (the node's allocation record moved on); retry soon.
    CONFLICT = 3
    ERROR = 4


@dataclass(frozen=True, slots=True)
class Status:
    """An outcome with ``(plugin, reason)`` pairs explaining it."""

    code: Code = Code.SUCCESS
    reasons: tuple[tuple[str, str], ...] = ()

    @property
    def ok(self) -> bool:
        return self.code is Code.SUCCESS

    @property
    def plugins(self) -> frozenset[str]:
        return frozenset(p for p, _ in self.reasons)

    def message(self) -> str:
        return "; ".join(f"{p}: {r}" for p, r in self.reasons) or self.code.name

    @staticmethod
    def fail(plugin: str, reason: str, code: Code = Code.UNSCHEDULABLE) -> Status:
        return Status(code, ((plugin, reason),))


OK = Status()


@dataclass(frozen=True, slots=True)
class Spread:
    """One spread constraint of the pod's App, resolved."""

    level: int
    hard: bool
    max_skew: int = 1


DEFAULT_SPREAD = tuple(Spread(level, False, 1) for level in LEVELS)


@dataclass(frozen=True, slots=True, eq=False)
class Usage:
    """An App's usage along the day: one curve of T slots per time-aware resource (cpu,
    memory), with each curve's peak worked out once."""

    curves: dict[str, np.ndarray]
    peaks: dict[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for name, curve in self.curves.items():
            self.peaks.setdefault(name, float(curve.max()) if len(curve) else 0.0)


@dataclass(frozen=True, slots=True)
class PodInfo:
    """What placement needs to know about a pod, parsed once from the protobuf."""

    key: str  # "namespace/name"
    uid: str = ""
    cpu: int = 0  # summed container requests, millicores
    mem: int = 0  # bytes
    qos: int = qos_class.LS  # sigma.v1 QoSClass value
    priority: int = 0
    selector: tuple[tuple[str, str], ...] = ()
    tolerations: tuple[Toleration, ...] = ()
    app: str = ""  # "namespace/app" for App replicas; "" for batch and bare pods
    spread: tuple[Spread, ...] = ()
    scalars: tuple[tuple[str, int], ...] = ()  # extended resources requested, by name
    usage: Usage | None = field(default=None, compare=False)  # daily curves (time-aware fit)
    max_per_host: int = 0  # hard cap of the App's pods on one node (0: none)

    @property
    def batch(self) -> bool:
        return self.qos == qos_class.BE

    @property
    def timed_cpu(self) -> bool:
        """Whether the pod's CPU is placed by its daily curve (``TimeAwareFit``) rather than by
        its request against the room left: an online pod carrying a ``cpu`` curve."""
        return self.usage is not None and "cpu" in self.usage.curves and not self.batch

    @property
    def exclusive_cores(self) -> int:
        """Whole cores an LSE/LSR pod takes out of the shared pool (0 for others)."""
        return -(-self.cpu // 1000) if self.qos in qos_class.WHOLE_CORES else 0


@dataclass(slots=True)
class CycleState:
    """Scratch space of one scheduling attempt; plugins share data through it by key."""

    data: dict[str, Any] = field(default_factory=dict)

    def once(self, key: str, make: Callable[[], T]) -> T:
        """``make()``, worked out the first time it is asked for in the attempt: a filter
        runs once for every window of rows the attempt looks at, and what it derives from
        the pod alone is the same for all of them."""
        if key not in self.data:
            self.data[key] = make()
        return self.data[key]  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class Victim:
    pod_key: str
    node: str
    priority: int
    batch: bool


@dataclass(frozen=True, slots=True)
class Preemption:
    """Where to make room and whom to evict for it."""

    node: str
    victims: tuple[Victim, ...]
    reason: str


@dataclass(frozen=True, slots=True)
class ScheduleResult:
    """The outcome of one attempt: a node, or a status (and maybe a preemption plan)."""

    status: Status
    node: str = ""
    feasible: int = 0
    evaluated: int = 0
    preemption: Preemption | None = None
    score: float = 0.0  # the chosen node's weighted total
    examined: int = 0  # nodes filtered: fewer than the cluster when nodes are sampled

    def decision(self) -> str:
        """What was decided, in words, kept on the bound pod (``sigmactl explain`` shows it)."""
        return (
            f"placed on {self.node}: score {self.score:.1f}, the best of {self.evaluated} "
            f"scored of {self.feasible} feasible nodes ({self.examined} examined)"
        )
