"""Room arithmetic shared by the resource filter, the scores and preemption.

Online pods are placed against allocatable minus online requests. CPU is compressible (the
slave squeezes batch), memory is not: batch memory already granted counts against an online pod
too, so an online pod short of memory can make room only by evicting batch. Batch pods are
placed against the node's batch capacity minus batch requests.
"""

from __future__ import annotations

import numpy as np

from sigma.scheduler.framework.snapshot import Snapshot
from sigma.scheduler.framework.types import PodInfo


def cpu_short(pod: PodInfo, snap: Snapshot) -> np.ndarray:
    """Millicores missing on each node for ``pod`` (≤ 0: enough)."""
    if pod.batch:
        return snap.batch_cpu + pod.cpu - snap.batch_cap_cpu
    return snap.online_cpu + pod.cpu - snap.alloc_cpu


def mem_short(pod: PodInfo, snap: Snapshot) -> np.ndarray:
    """Bytes missing on each node for ``pod`` (≤ 0: enough)."""
    if pod.batch:
        return snap.batch_mem + pod.mem - snap.batch_cap_mem
    return snap.online_mem + snap.batch_mem + pod.mem - snap.alloc_mem


def at(vec: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """``vec`` restricted to ``rows`` (sorted, unique): no copy when every node is a row."""
    return vec if len(rows) == len(vec) else vec[rows]


def used_after(pod: PodInfo, snap: Snapshot, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fraction of cpu and of memory requested on ``rows`` once ``pod`` is added.

    Only called on feasible rows, where the fractions are within 0..1 by construction.
    Computed over every node and then restricted: contiguous arithmetic beats gathering each
    operand.
    """
    if pod.batch:
        cpu = (snap.batch_cpu + pod.cpu) * snap.inv_batch_cpu
        mem = (snap.batch_mem + pod.mem) * snap.inv_batch_mem
    else:
        cpu = (snap.online_cpu + pod.cpu) * snap.inv_alloc_cpu
        mem = (snap.online_mem + pod.mem) * snap.inv_alloc_mem
    return at(cpu, rows), at(mem, rows)


def fmt_cpu(millis: float) -> str:
    return f"{int(millis)}m"


def fmt_mem(size: float) -> str:
    return f"{int(size) >> 20}Mi"
