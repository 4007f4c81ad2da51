"""Who gives up room first: the one victim ordering of preemption, arbitration and the slave.

When room must be taken back (the scheduler preempting for a pod, the colocator relieving a
node for online, the slave squeezing batch under pressure) the cheapest victim goes first:
batch before online, lower priority before higher, the one that loses the least work (ran the
shortest) before a longer-running one, the larger before the smaller (fewer victims free the
room), then by key, so a given input always gives the same answer.
"""

from __future__ import annotations

import numpy as np


def order_key(
    *, batch: bool, priority: int, ran_for: float, size: float, key: str = ""
) -> tuple[bool, int, float, float, str]:
    """Sort key, cheapest victim first (``ran_for`` in seconds; ``size`` in the resource
    that is short)."""
    return (not batch, priority, ran_for, -size, key)


def order(
    batch: np.ndarray, priority: np.ndarray, ran_for: np.ndarray, size: np.ndarray
) -> np.ndarray:
    """Indices in ``order_key``'s order, for columns of many candidates at once (a stable
    sort: candidates equal on every column keep their order, as keys would give)."""
    return np.lexsort((-size, ran_for, priority, ~batch))
