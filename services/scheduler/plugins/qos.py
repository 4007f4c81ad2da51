"""QoS: LSE pods need whole exclusive cores, LSR pods reserve whole cores; the shared pool
(LS and SYSTEM pods) must still hold its requests once cores are carved out of it. An LS pod
placed by its daily curve (``PodInfo.timed_cpu``) is held to the pool by ``TimeAwareFit``
instead, slot by slot.
"""

from __future__ import annotations

import numpy as np

from sigma.resources import qos
from sigma.scheduler.framework.interfaces import ClusterEvent
from sigma.scheduler.framework.snapshot import EVERY, Snapshot
from sigma.scheduler.framework.types import OK, Code, CycleState, PodInfo, Status

NAME = "QoS"
LSE, LSR, BE = qos.LSE, qos.LSR, qos.BE


def shared_need(pod: PodInfo) -> float:
    """Room ``pod`` takes from the shared pool: its whole cores carved out of it, or its
    request."""
    take = pod.exclusive_cores
    return 1000.0 * take if take else pod.cpu


def shared_short(pod: PodInfo, snap: Snapshot, part: slice = EVERY) -> np.ndarray:
    """Millicores the shared pool lacks on each node of ``part`` once ``pod`` is in (≤ 0:
    enough)."""
    return shared_need(pod) - snap.shared_room[part]


class QoS:
    name = NAME
    resource = True
    events = frozenset({ClusterEvent.NODE_ADD, ClusterEvent.NODE_UPDATE, ClusterEvent.ROOM_FREED})

    def pre_filter(self, state: CycleState, pod: PodInfo, snap: Snapshot) -> Status:
        if pod.qos == LSE and pod.cpu % 1000:
            return Status.fail(
                NAME, f"LSE needs whole cores, requested {pod.cpu}m", Code.UNRESOLVABLE
            )
        return OK

    def filter(
        self, state: CycleState, pod: PodInfo, snap: Snapshot, part: slice = EVERY
    ) -> np.ndarray:
        if pod.qos == BE or pod.timed_cpu:
            return snap.everywhere(part)
        mask = snap.shared_room[part] >= shared_need(pod)
        if pod.exclusive_cores:  # whole cores left after the carve-out
            cores = snap.excl_cores[part] + pod.exclusive_cores
            mask &= snap.core_millis[part] >= 1000.0 * cores
        return mask

    def explain(self, state: CycleState, pod: PodInfo, snap: Snapshot, i: int) -> str:
        take = pod.exclusive_cores
        free = int(snap.core_millis[i] // 1000) - int(snap.excl_cores[i])
        if take and free < take:
            return f"needs {take} whole cores, {free} free"
        return f"shared cpu pool short by {int(shared_short(pod, snap)[i])}m"


def new(args: dict | None = None) -> QoS:
    return QoS()
