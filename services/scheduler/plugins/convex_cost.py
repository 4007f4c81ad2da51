"""ConvexCost: place a pod where it adds least to the cluster's convex CPU cost.

A used node costs, over the slots of the day, the mean of ``1 + alpha * (exp(max(0, u_t -
beta)) - 1)`` with u_t its CPU curve over its capacity (``sigma.placement.cost``: Sigma's
cost as in Alibaba's 2018 scheduling contest, alpha 10, beta 0.5); an empty node costs
nothing. The score is 100 times (1 - the marginal cost of the pod's curve), so a node whose
curve stays under beta at every slot with the pod added scores 100, a node that must be
opened 0 or less, and Apps whose peaks fall at different hours share nodes. Among equal
costs, the fullest used node wins (best fit) and, among empty ones, the largest: the
tie-break is worth at most 0.01 of a point.

Nodes whose peak plus the pod's peak stays under beta are decided without looking at every
slot; only the others are computed slot by slot.
"""

from __future__ import annotations

import numpy as np

from sigma.placement.cost import ALPHA, BETA, excess
from sigma.scheduler.framework.interfaces import ClusterEvent
from sigma.scheduler.framework.snapshot import CurveColumn, Snapshot
from sigma.scheduler.framework.types import CycleState, PodInfo

NAME = "ConvexCost"
__all__ = ["ALPHA", "BETA", "NAME", "ConvexCost", "excess", "new"]


class ConvexCost:
    name = NAME
    events: frozenset[ClusterEvent] = frozenset()

    def __init__(self, alpha: float = ALPHA, beta: float = BETA, resource: str = "cpu") -> None:
        self.alpha, self.beta, self.resource = float(alpha), float(beta), resource

    def uniform(self, pod: PodInfo, snap: Snapshot) -> bool:
        return (
            pod.usage is None
            or self.resource not in pod.usage.curves
            or (self.resource not in snap.curves)
        )

    def marginal(self, pod: PodInfo, snap: Snapshot, rows: np.ndarray) -> np.ndarray:
        """The cost the pod adds on each of ``rows``."""
        col = snap.curves[self.resource]
        cap, peak = col.capacity[rows], col.peak[rows]
        delta = (peak <= 0).astype(np.float64)
        hot = self._hot(pod, col, rows, cap, peak)
        if hot is not None:
            delta[hot[0]] += hot[1]
        return delta

    def _hot(
        self, pod: PodInfo, col: CurveColumn, rows: np.ndarray, cap: np.ndarray, peak: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray] | None:
        """The rows (positions in ``rows``) where the pod's peak could take the node over
        beta, and the cost above 1 it adds on each, slot by slot; None when there are none
        (the other rows add nothing above 1)."""
        curve = pod.usage.curves[self.resource]  # type: ignore[union-attr]
        limit = self.beta * cap
        hot = np.flatnonzero(peak + pod.usage.peaks[self.resource] > limit)  # type: ignore[union-attr]
        if not len(hot):
            return None
        r = rows[hot]
        before = np.zeros(len(hot))
        was = np.flatnonzero(peak[hot] > limit[hot])
        if len(was):
            before[was] = excess(col.used[r[was]], cap[hot][was], self.alpha, self.beta)
        after = excess(col.used[r] + curve, cap[hot], self.alpha, self.beta)
        return hot, after - before

    def score(
        self, state: CycleState, pod: PodInfo, snap: Snapshot, rows: np.ndarray
    ) -> np.ndarray:
        if self.uniform(pod, snap):
            return np.zeros(len(rows))
        col = snap.curves[self.resource]
        cap, peak = col.capacity[rows], col.peak[rows]  # gathered once for both parts
        empty = peak <= 0
        fill = np.minimum((peak + pod.usage.peaks[self.resource]) / cap, 1.0)  # type: ignore[union-attr]
        tie = np.where(empty, cap / max(float(cap.max()), 1e-12), fill)
        # 100 x (1 - marginal) + 0.01 x tie, the marginal being 1 on an empty node plus the
        # cost above 1 on the hot rows: -100 x that, added in place.
        out = np.where(empty, 0.0, 100.0)
        out += 0.01 * tie
        hot = self._hot(pod, col, rows, cap, peak)
        if hot is not None:
            out[hot[0]] -= 100.0 * hot[1]
        return out


def new(args: dict | None = None) -> ConvexCost:
    return ConvexCost(**(args or {}))
