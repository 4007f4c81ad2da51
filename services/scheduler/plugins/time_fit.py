"""TimeAwareFit: a pod whose App carries daily usage curves fits a node when, at every slot
of the day, the node's summed curves plus the pod's stay within capacity, so Apps whose peaks
fall at different hours can share a node that their peaks summed would overflow.

Most nodes are decided from the peaks alone (``CurveColumn.peak``): the node's peak plus the
pod's peak within capacity fits for sure; the node's peak plus the pod's lowest slot over it
fits nowhere. Only the nodes in between are compared slot by slot.
"""

from __future__ import annotations

import numpy as np

from sigma.resources.curves import fits_every_slot
from sigma.scheduler.framework.interfaces import ClusterEvent
from sigma.scheduler.framework.snapshot import EVERY, Snapshot
from sigma.scheduler.framework.types import CycleState, PodInfo

NAME = "TimeAwareFit"


def fits(pod: PodInfo, snap: Snapshot, name: str, part: slice = EVERY) -> np.ndarray:
    """Nodes of ``part`` where the pod's ``name`` curve fits at every slot."""
    curve = pod.usage.curves[name]  # type: ignore[union-attr]
    col = snap.curves.get(name)
    lo, hi = snap.span(part)
    if col is None:
        return np.full(hi - lo, not curve.any())
    top = pod.usage.peaks[name]  # type: ignore[union-attr]
    return fits_every_slot(col.peak[part], col.used[lo:hi], col.capacity[part], curve, top)


class TimeAwareFit:
    name = NAME
    resource = True
    events = frozenset({ClusterEvent.NODE_ADD, ClusterEvent.NODE_UPDATE, ClusterEvent.ROOM_FREED})

    def filter(
        self, state: CycleState, pod: PodInfo, snap: Snapshot, part: slice = EVERY
    ) -> np.ndarray:
        mask = snap.everywhere(part)
        for name in pod.usage.curves if pod.usage is not None else ():
            ok = fits(pod, snap, name, part)
            mask = ok if snap.passes_all(mask) else mask & ok
        return mask

    def explain(self, state: CycleState, pod: PodInfo, snap: Snapshot, i: int) -> str:
        for name, curve in pod.usage.curves.items() if pod.usage else ():
            col = snap.curves.get(name)
            if col is None:
                return f"no node offers {name} over the day"
            over = col.used[i] + curve - col.capacity[i]
            t = int(np.argmax(over))
            if over[t] > 0:
                return (
                    f"{name} over capacity at slot {t}: {col.used[i, t]:g} used + "
                    f"{curve[t]:g} > {col.capacity[i]:g}"
                )
        return "fits at every slot"


def new(args: dict | None = None) -> TimeAwareFit:
    return TimeAwareFit()
