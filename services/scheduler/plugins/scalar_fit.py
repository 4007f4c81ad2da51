"""ScalarFit: extended resources, named integers a node offers and a pod asks for (disk,
counted slots such as Sigma's P, M and PM). One generic filter for them all: a node fits when,
for every resource the pod asks for, what its pods take plus the ask stays within what it
offers. A resource no node offers fits nowhere.
"""

from __future__ import annotations

import numpy as np

from sigma.scheduler.framework.interfaces import ClusterEvent
from sigma.scheduler.framework.snapshot import EVERY, Snapshot
from sigma.scheduler.framework.types import CycleState, PodInfo

NAME = "ScalarFit"


class ScalarFit:
    name = NAME
    resource = True
    events = frozenset({ClusterEvent.NODE_ADD, ClusterEvent.NODE_UPDATE, ClusterEvent.ROOM_FREED})

    def filter(
        self, state: CycleState, pod: PodInfo, snap: Snapshot, part: slice = EVERY
    ) -> np.ndarray:
        mask = snap.everywhere(part)
        for name, amount in pod.scalars:
            if amount <= 0:
                continue
            col = snap.scalars.get(name)
            if col is None:
                return np.zeros(len(mask), dtype=np.bool_)
            mask = mask & (col.used[part] + amount <= col.allocatable[part])
        return mask

    def explain(self, state: CycleState, pod: PodInfo, snap: Snapshot, i: int) -> str:
        short = []
        for name, amount in pod.scalars:
            col = snap.scalars.get(name)
            if col is None:
                short.append(f"Insufficient {name}: requested {amount}, no node offers it")
            elif col.used[i] + amount > col.allocatable[i]:
                free = col.allocatable[i] - col.used[i]
                short.append(f"Insufficient {name}: requested {amount}, free {free:g}")
        return "; ".join(short) or "fits"


def new(args: dict | None = None) -> ScalarFit:
    return ScalarFit()
