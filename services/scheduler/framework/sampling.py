"""Node sampling, as kube-scheduler's ``percentageOfNodesToScore``: an attempt filters nodes
window by window from a rotating start and stops once it has found enough feasible ones, so
its cost follows the nodes it needs, not the size of the cluster.

How many: ``percentage`` of the nodes, never fewer than ``minimum`` (all of them when the
cluster is smaller); 100 (or more) looks at every node. 0 or less takes kube-scheduler's
adaptive share, 50% less one point per 125 nodes, never under 5%: 420 of 1,000 nodes, 1,000 of
20,000. Nodes beyond the last one taken are not looked at in this attempt; the next attempt
starts right after it, so every node gets its turn.

What is given up: the best node of the whole cluster, for the best of a rotating share of
it (``sigma bench scheduler`` prints the difference against a full scan). Hard constraints are
not given up: every node scored has passed every filter, and an attempt that finds no
feasible node in its share goes on through the rest before it calls the pod unschedulable.
"""

from __future__ import annotations

ADAPTIVE_BASE = 50  # percent, less one per ADAPTIVE_STEP nodes, as kube-scheduler
ADAPTIVE_STEP = 125
ADAPTIVE_FLOOR = 5
MIN_FEASIBLE = 100  # kube-scheduler's minFeasibleNodesToFind


def nodes_to_find(n: int, percentage: int = 0, minimum: int = MIN_FEASIBLE) -> int:
    """How many feasible nodes an attempt over ``n`` nodes looks for before it stops."""
    if n <= minimum or percentage >= 100:
        return n
    if percentage <= 0:
        percentage = max(ADAPTIVE_FLOOR, ADAPTIVE_BASE - n // ADAPTIVE_STEP)
    return min(n, max(minimum, n * percentage // 100))
