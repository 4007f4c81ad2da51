"""Whole-cluster placement, shared by ``sigma place`` and the live rescheduler.

- ``cost``: Sigma's convex CPU cost of a machine (Alibaba's 2018 contest: alpha 10, beta 0.5);
- ``search``: local search that improves a valid placement and keeps it valid, over any
  ``Board`` (the planner's board asks the scheduler's own filters; the live one reads nodes,
  pods and interference rules);
- ``live``: the live cluster as a ``Board``, and which pods are over which rule;
- ``reschedule``: the rescheduler's pure decision, ordered moves within disruption budgets.
"""

from sigma.placement.cost import ALPHA, BETA, excess
from sigma.placement.search import Board, Search, SearchStats

__all__ = ["ALPHA", "BETA", "Board", "Search", "SearchStats", "excess"]
