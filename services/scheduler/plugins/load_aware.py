"""LoadAware: prefer nodes whose measured usage (plus the pod's request) is low, since
requests and real load differ widely on colocated machines.
"""

from __future__ import annotations

import numpy as np

from sigma.scheduler.framework.interfaces import ClusterEvent
from sigma.scheduler.framework.snapshot import Snapshot
from sigma.scheduler.framework.types import CycleState, PodInfo
from sigma.scheduler.plugins._room import at, rows_of

NAME = "LoadAware"


class LoadAware:
    name = NAME
    events: frozenset[ClusterEvent] = frozenset()

    def score(
        self, state: CycleState, pod: PodInfo, snap: Snapshot, rows: np.ndarray
    ) -> np.ndarray:
        on = rows_of(snap, rows)
        cpu = np.minimum((snap.usage_cpu[on] + pod.cpu) * snap.inv_alloc_cpu[on], 1.0)
        mem = np.minimum((snap.usage_mem[on] + pod.mem) * snap.inv_alloc_mem[on], 1.0)
        return at(100.0 - 50.0 * (cpu + mem), rows, on)


def new(args: dict | None = None) -> LoadAware:
    return LoadAware()
