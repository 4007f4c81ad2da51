"""TopologySpread: an App's replicas spread over host, chassis and core switch.

Counts per domain come from one ``bincount`` over the nodes of the App's placed replicas.
Hard constraints filter: placing on a node must keep (count in its domain + 1) - (smallest
count of any domain) within max_skew. Soft constraints score: a node whose domain already holds
more replicas than the emptiest candidate domain at a level loses that level's share, the host
level weighing most. With the default weight the host share outweighs every other score added
together, so replicas share a host only when no empty host can take them, and within that the
emptiest core switch, then the emptiest chassis, win.
"""

from __future__ import annotations

from functools import partial

import numpy as np

from sigma.scheduler.framework.interfaces import ClusterEvent
from sigma.scheduler.framework.snapshot import EVERY, Snapshot
from sigma.scheduler.framework.types import (
    CHASSIS,
    CORE_SWITCH,
    HOST,
    LEVEL_NAMES,
    OK,
    CycleState,
    PodInfo,
    Status,
)

NAME = "TopologySpread"
SHARES = {HOST: 60.0, CORE_SWITCH: 25.0, CHASSIS: 15.0}


def domain_counts(pod: PodInfo, snap: Snapshot, level: int) -> np.ndarray:
    """Replicas of the pod's App in each domain id of ``level``."""
    nodes = snap.app_nodes(pod.app)
    return np.bincount(snap.domain(level)[nodes], minlength=snap.domains[level])


def node_counts(
    pod: PodInfo, snap: Snapshot, state: CycleState, level: int, rows: slice | np.ndarray
) -> np.ndarray:
    """Replicas already in the domain at ``level`` of each node of ``rows`` (the per-domain
    counts memoised for the attempt: small, whatever the number of nodes)."""
    memo = state.data.setdefault(NAME, {})
    if level not in memo:
        memo[level] = domain_counts(pod, snap, level)
    return memo[level][snap.domain(level)[rows]]


def live_min(pod: PodInfo, snap: Snapshot, level: int) -> tuple[int, np.ndarray]:
    """Smallest replica count over the domains that hold a ready node, and the counts."""
    counts = domain_counts(pod, snap, level)
    has = np.bincount(snap.domain(level)[snap.usable], minlength=snap.domains[level]) > 0
    return (int(counts[has].min()) if has.any() else 0), counts


class TopologySpread:
    name = NAME
    resource = False
    events = frozenset({ClusterEvent.NODE_ADD, ClusterEvent.ROOM_FREED, ClusterEvent.APP_UPDATE})

    def pre_filter(self, state: CycleState, pod: PodInfo, snap: Snapshot) -> Status:
        return OK

    def filter(
        self, state: CycleState, pod: PodInfo, snap: Snapshot, part: slice = EVERY
    ) -> np.ndarray:
        mask = snap.everywhere(part)
        if not pod.app:
            return mask
        for c in pod.spread:
            if c.hard:
                key = f"{NAME}.low.{c.level}"
                low, _ = state.once(key, partial(live_min, pod, snap, c.level))
                here = node_counts(pod, snap, state, c.level, part)
                mask = mask & (here + 1 - low <= max(c.max_skew, 1))
        return mask

    def explain(self, state: CycleState, pod: PodInfo, snap: Snapshot, i: int) -> str:
        for c in pod.spread:
            if c.hard:
                low, counts = live_min(pod, snap, c.level)
                here = int(counts[snap.domain(c.level)[i]])
                if here + 1 - low > max(c.max_skew, 1):
                    return (
                        f"{LEVEL_NAMES[c.level]} skew would be {here + 1 - low} "
                        f"> max_skew {max(c.max_skew, 1)}"
                    )
        return "spread ok"

    def uniform(self, pod: PodInfo, snap: Snapshot) -> bool:
        return not pod.app or len(snap.app_nodes(pod.app)) == 0  # nothing placed to spread from

    def score(
        self, state: CycleState, pod: PodInfo, snap: Snapshot, rows: np.ndarray
    ) -> np.ndarray:
        score = np.full(len(rows), 100.0)
        if self.uniform(pod, snap):
            return score
        for c in pod.spread:
            here = node_counts(pod, snap, state, c.level, rows)
            score -= SHARES[c.level] * (here > here.min())
        return score


def new(args: dict | None = None) -> TopologySpread:
    return TopologySpread()
