"""Sigma's convex CPU cost of a machine, as in Alibaba's 2018 scheduling contest.

A used machine costs, over the slots of the day, the mean of ``1 + alpha * (exp(max(0, u_t -
beta)) - 1)``, u_t its CPU over its capacity at slot t; an empty one costs nothing. Under beta a
machine costs 1 whatever it holds, so packing pays until beta and spreading pays above it. The
scheduler's ConvexCost score, the planner and the live rescheduler all price with this one
function, so what the rescheduler calls an improvement is what ``sigma place`` calls one.
"""

from __future__ import annotations

import numpy as np

ALPHA, BETA = 10.0, 0.5


def excess(used: np.ndarray, capacity: np.ndarray, alpha: float, beta: float) -> np.ndarray:
    """Each row's mean cost above 1 (rows of ``used``: curves; ``capacity``: per row)."""
    over = np.maximum(used / capacity[:, None] - beta, 0.0)
    return alpha * np.expm1(over).mean(axis=1)
