"""NodeReady: only nodes that exist, report READY and are not cordoned take new pods."""

from __future__ import annotations

import numpy as np

from sigma.scheduler.framework.interfaces import ClusterEvent
from sigma.scheduler.framework.snapshot import EVERY, Snapshot
from sigma.scheduler.framework.types import CycleState, PodInfo

NAME = "NodeReady"


class NodeReady:
    name = NAME
    resource = False
    events = frozenset({ClusterEvent.NODE_ADD, ClusterEvent.NODE_UPDATE})

    def filter(
        self, state: CycleState, pod: PodInfo, snap: Snapshot, part: slice = EVERY
    ) -> np.ndarray:
        return snap.usable[part]

    def explain(self, state: CycleState, pod: PodInfo, snap: Snapshot, i: int) -> str:
        if not snap.present[i]:
            return "node removed"
        return "node is cordoned" if snap.cordoned[i] else "node is not ready"


def new(args: dict | None = None) -> NodeReady:
    return NodeReady()
