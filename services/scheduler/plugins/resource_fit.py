"""ResourceFit: the pod's requests fit the room its class may use (see ``_room``).

A pod whose CPU is placed by its daily curve (``PodInfo.timed_cpu``) is checked here for
memory only: ``TimeAwareFit`` checks its CPU slot by slot, so it may share a node whose
requests summed it would overflow, when the peaks fall at different hours.
"""

from __future__ import annotations

import numpy as np

from sigma.scheduler.framework.interfaces import ClusterEvent
from sigma.scheduler.framework.snapshot import EVERY, Snapshot
from sigma.scheduler.framework.types import CycleState, PodInfo
from sigma.scheduler.plugins._room import (
    cpu_room,
    cpu_short,
    fmt_cpu,
    fmt_mem,
    mem_room,
    mem_short,
)

NAME = "ResourceFit"


class ResourceFit:
    name = NAME
    resource = True
    events = frozenset({ClusterEvent.NODE_ADD, ClusterEvent.NODE_UPDATE, ClusterEvent.ROOM_FREED})

    def filter(
        self, state: CycleState, pod: PodInfo, snap: Snapshot, part: slice = EVERY
    ) -> np.ndarray:
        mem = mem_room(pod, snap, part) >= pod.mem
        return mem if pod.timed_cpu else (cpu_room(pod, snap, part) >= pod.cpu) & mem

    def explain(self, state: CycleState, pod: PodInfo, snap: Snapshot, i: int) -> str:
        room = "batch capacity" if pod.batch else "allocatable"
        cpu, mem = cpu_short(pod, snap)[i], mem_short(pod, snap)[i]
        parts = []
        if cpu > 0 and not pod.timed_cpu:
            parts.append(
                f"Insufficient cpu ({room}): requested {fmt_cpu(pod.cpu)}, "
                f"free {fmt_cpu(pod.cpu - cpu)}"
            )
        if mem > 0:
            parts.append(
                f"Insufficient memory ({room}): requested {fmt_mem(pod.mem)}, "
                f"free {fmt_mem(pod.mem - mem)}"
            )
        return "; ".join(parts) or "fits"


def new(args: dict | None = None) -> ResourceFit:
    return ResourceFit()
