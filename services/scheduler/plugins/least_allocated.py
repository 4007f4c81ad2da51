"""LeastAllocated: online pods prefer the node with the most room left (spreads load)."""

from __future__ import annotations

import numpy as np

from sigma.scheduler.framework.interfaces import ClusterEvent
from sigma.scheduler.framework.snapshot import Snapshot
from sigma.scheduler.framework.types import CycleState, PodInfo
from sigma.scheduler.plugins._room import used_after

NAME = "LeastAllocated"


class LeastAllocated:
    name = NAME
    events: frozenset[ClusterEvent] = frozenset()

    def uniform(self, pod: PodInfo, snap: Snapshot) -> bool:
        return pod.batch  # batch pods bin-pack: no spreading opinion

    def score(
        self, state: CycleState, pod: PodInfo, snap: Snapshot, rows: np.ndarray
    ) -> np.ndarray:
        if pod.batch:
            return np.zeros(len(rows))
        cpu, mem = used_after(pod, snap, rows)
        return 100.0 * (1 - (cpu + mem) / 2)


def new(args: dict | None = None) -> LeastAllocated:
    return LeastAllocated()
