"""Room arithmetic shared by the resource filter, the scores and preemption.

Online pods are placed against allocatable minus online requests. CPU is compressible (the
slave squeezes batch), memory is not: batch memory already granted counts against an online pod
too, so an online pod short of memory can make room only by evicting batch. Batch pods are
placed against the node's batch capacity minus batch requests.
"""

from __future__ import annotations

import numpy as np

from sigma.scheduler.framework.snapshot import EVERY, Snapshot
from sigma.scheduler.framework.types import PodInfo


def cpu_room(pod: PodInfo, snap: Snapshot, part: slice = EVERY) -> np.ndarray:
    """Millicores ``pod``'s class may still request on each node of ``part``."""
    return (snap.batch_room_cpu if pod.batch else snap.room_cpu)[part]


def mem_room(pod: PodInfo, snap: Snapshot, part: slice = EVERY) -> np.ndarray:
    """Bytes ``pod``'s class may still request on each node of ``part``."""
    return (snap.batch_room_mem if pod.batch else snap.room_mem)[part]


def cpu_short(pod: PodInfo, snap: Snapshot, part: slice = EVERY) -> np.ndarray:
    """Millicores missing on each node of ``part`` for ``pod`` (≤ 0: enough)."""
    return pod.cpu - cpu_room(pod, snap, part)


def mem_short(pod: PodInfo, snap: Snapshot, part: slice = EVERY) -> np.ndarray:
    """Bytes missing on each node of ``part`` for ``pod`` (≤ 0: enough)."""
    return pod.mem - mem_room(pod, snap, part)


def rows_of(snap: Snapshot, rows: np.ndarray) -> slice | np.ndarray:
    """How to index the columns for ``rows`` (each scored once, in order): contiguous
    arithmetic over a span beats gathering each operand, so every node when the rows are
    (nearly) all of them, the span from the first row to the last when they are a dense run
    (a window of node sampling), else the rows themselves."""
    if 4 * len(rows) >= snap.n:
        return EVERY
    lo, hi = int(rows[0]), int(rows[-1]) + 1
    return slice(lo, hi) if len(rows) <= hi - lo <= 2 * len(rows) else rows


def at(vec: np.ndarray, rows: np.ndarray, on: slice | np.ndarray) -> np.ndarray:
    """``vec``, computed on ``on = rows_of(snap, rows)``, at ``rows``: no copy when it has
    one value per row already."""
    if len(vec) == len(rows):
        return vec
    return vec[rows - on.start] if isinstance(on, slice) and on.start else vec[rows]


def used_after(pod: PodInfo, snap: Snapshot, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Fraction of cpu and of memory requested on ``rows`` once ``pod`` is added.

    Only called on feasible rows, where the fractions are within 0..1 by construction.
    """
    on = rows_of(snap, rows)
    if pod.batch:
        cpu = (snap.batch_cpu[on] + pod.cpu) * snap.inv_batch_cpu[on]
        mem = (snap.batch_mem[on] + pod.mem) * snap.inv_batch_mem[on]
    else:
        cpu = (snap.online_cpu[on] + pod.cpu) * snap.inv_alloc_cpu[on]
        mem = (snap.online_mem[on] + pod.mem) * snap.inv_alloc_mem[on]
    return at(cpu, rows, on), at(mem, rows, on)


def fmt_cpu(millis: float) -> str:
    return f"{int(millis)}m"


def fmt_mem(size: float) -> str:
    return f"{int(size) >> 20}Mi"
