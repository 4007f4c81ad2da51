"""TaintToleration: hard taints (NoSchedule, NoExecute) must be tolerated; untolerated
PreferNoSchedule taints lower the node's score.
"""

from __future__ import annotations

import numpy as np

from sigma.resources.placement import tolerates
from sigma.scheduler.framework.interfaces import ClusterEvent
from sigma.scheduler.framework.snapshot import EVERY, Snapshot
from sigma.scheduler.framework.types import CycleState, PodInfo

NAME = "TaintToleration"
_EFFECTS = {1: "NoSchedule", 2: "PreferNoSchedule", 3: "NoExecute"}


def tolerated_bits(pod: PodInfo, snap: Snapshot) -> np.uint64:
    bits = 0
    for (key, value, effect), bit in snap.taint_bits.items():
        if any(tolerates(t, key, value, effect) for t in pod.tolerations):
            bits |= 1 << bit
    return np.uint64(bits)


class TaintToleration:
    name = NAME
    resource = False
    events = frozenset({ClusterEvent.NODE_ADD, ClusterEvent.NODE_UPDATE})

    def filter(
        self, state: CycleState, pod: PodInfo, snap: Snapshot, part: slice = EVERY
    ) -> np.ndarray:
        ok = state.once(NAME, lambda: tolerated_bits(pod, snap))
        if not snap.taint_bits:  # no taint anywhere: skip a pass over every node
            return snap.everywhere(part)
        return (snap.taints_hard[part] & ~ok) == 0

    def explain(self, state: CycleState, pod: PodInfo, snap: Snapshot, i: int) -> str:
        ok = int(tolerated_bits(pod, snap))
        bad = [
            f"{k}={v}:{_EFFECTS.get(e, e)}"
            for (k, v, e), bit in snap.taint_bits.items()
            if int(snap.taints_hard[i]) >> bit & 1 and not ok >> bit & 1
        ]
        return "untolerated taint " + ", ".join(bad)

    def uniform(self, pod: PodInfo, snap: Snapshot) -> bool:
        return not snap.taint_bits  # no taint anywhere: nothing to prefer

    def score(
        self, state: CycleState, pod: PodInfo, snap: Snapshot, rows: np.ndarray
    ) -> np.ndarray:
        ok = state.once(NAME, lambda: tolerated_bits(pod, snap))
        if not snap.taint_bits:
            return np.zeros(len(rows))
        soft = snap.taints_soft[rows] & ~ok
        return -np.bitwise_count(soft).astype(np.float64)

    def normalize(self, raw: np.ndarray) -> np.ndarray:
        worst = -raw.min() if len(raw) else 0
        return np.full(len(raw), 100.0) if worst == 0 else 100.0 * (1 + raw / worst)


def new(args: dict | None = None) -> TaintToleration:
    return TaintToleration()
