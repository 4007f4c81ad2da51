"""MostAllocated: batch pods pack onto the fullest batch room (bin-packing), which keeps
whole machines' batch capacity free for big tasks and online bursts.
"""

from __future__ import annotations

import numpy as np

from sigma.scheduler.framework.interfaces import ClusterEvent
from sigma.scheduler.framework.snapshot import Snapshot
from sigma.scheduler.framework.types import CycleState, PodInfo
from sigma.scheduler.plugins._room import used_after

NAME = "MostAllocated"


class MostAllocated:
    name = NAME
    events: frozenset[ClusterEvent] = frozenset()

    def uniform(self, pod: PodInfo, snap: Snapshot) -> bool:
        return not pod.batch  # online pods spread: no bin-packing opinion

    def score(
        self, state: CycleState, pod: PodInfo, snap: Snapshot, rows: np.ndarray
    ) -> np.ndarray:
        if not pod.batch:
            return np.zeros(len(rows))
        cpu, mem = used_after(pod, snap, rows)
        return 100.0 * (cpu + mem) / 2


def new(args: dict | None = None) -> MostAllocated:
    return MostAllocated()
