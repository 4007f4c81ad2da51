"""NodeSelector: the node's labels contain every pair of the pod's node selector."""

from __future__ import annotations

import numpy as np

from sigma.scheduler.framework.interfaces import ClusterEvent
from sigma.scheduler.framework.snapshot import EVERY, Snapshot
from sigma.scheduler.framework.types import CycleState, PodInfo

NAME = "NodeSelector"


class NodeSelector:
    name = NAME
    resource = False
    events = frozenset({ClusterEvent.NODE_ADD, ClusterEvent.NODE_UPDATE})

    def filter(
        self, state: CycleState, pod: PodInfo, snap: Snapshot, part: slice = EVERY
    ) -> np.ndarray:
        mask = snap.everywhere(part)
        for key, value in pod.selector:
            labelled = snap.label_mask(key, value)
            if labelled is None:
                return np.zeros(len(mask), dtype=np.bool_)
            mask = mask & labelled[part]
        return mask

    def explain(self, state: CycleState, pod: PodInfo, snap: Snapshot, i: int) -> str:
        missing = [
            f"{k}={v}" for k, v in pod.selector if (m := snap.label_mask(k, v)) is None or not m[i]
        ]
        return "node selector does not match: missing " + ", ".join(missing)


def new(args: dict | None = None) -> NodeSelector:
    return NodeSelector()
