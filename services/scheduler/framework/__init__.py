"""The scheduling framework: queue, cache, snapshot, extension points, the pure chain."""

from sigma.scheduler.framework.cache import Cache, NodeRow
from sigma.scheduler.framework.interfaces import ClusterEvent
from sigma.scheduler.framework.queue import QueuedPod, SchedulingQueue, Where
from sigma.scheduler.framework.runtime import Framework, Profile
from sigma.scheduler.framework.snapshot import Snapshot
from sigma.scheduler.framework.types import (
    DEFAULT_SPREAD,
    OK,
    Code,
    CycleState,
    PodInfo,
    Preemption,
    ScheduleResult,
    Spread,
    Status,
    Toleration,
    Victim,
)

__all__ = [
    "DEFAULT_SPREAD",
    "OK",
    "Cache",
    "ClusterEvent",
    "Code",
    "CycleState",
    "Framework",
    "NodeRow",
    "PodInfo",
    "Preemption",
    "Profile",
    "QueuedPod",
    "ScheduleResult",
    "SchedulingQueue",
    "Snapshot",
    "Spread",
    "Status",
    "Toleration",
    "Victim",
    "Where",
]
