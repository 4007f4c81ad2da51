"""The planner's board for the shared local search (``sigma.placement.search``).

The search itself lives in ``libs/sigma/placement`` so the live rescheduler runs the same
moves; here a ``PlanState`` is offered to it through the scheduler's own framework: where an
instance may go is what the filters (ScalarFit, Interference, TimeAwareFit) accept, and what
it adds is the ConvexCost plugin's marginal cost.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from sigma.cli.place.state import PlanState
from sigma.placement import search
from sigma.placement.search import SearchStats
from sigma.scheduler.framework import CycleState, Framework
from sigma.scheduler.plugins.convex_cost import ConvexCost

__all__ = ["PlanBoard", "Search", "SearchStats"]


class PlanBoard:
    """``state`` as a search board, asking ``fw`` what fits and what it costs."""

    def __init__(self, state: PlanState, fw: Framework) -> None:
        self.state, self.fw = state, fw
        self.cost = next(p for p in fw.plugins if isinstance(p, ConvexCost))
        self.count, self.on = state.count, state.on
        self.place, self.remove = state.place, state.remove
        self.machine_cost = state.machine_cost

    @property
    def load(self) -> np.ndarray:
        return self.state.cpu.peak

    def size(self, i: int) -> float:
        p = self.state.p
        return float(p.app_cpu[p.instance_app[i]].max())

    def _pod(self, i: int):  # type: ignore[no-untyped-def]
        return self.state.pods[self.state.p.instance_app[i]]

    def where(self, i: int) -> np.ndarray:
        return self.fw.filter(CycleState(), self._pod(i), self.state.snap)[0]

    def added(self, i: int, rows: np.ndarray) -> np.ndarray:
        return self.cost.marginal(self._pod(i), self.state.snap, rows)

    def movable(self, instances: Iterable[int]) -> bool:
        return True


class Search(search.Search):
    """The shared search on ``state`` through ``fw``'s filters and its ConvexCost plugin."""

    def __init__(self, state: PlanState, fw: Framework) -> None:
        super().__init__(PlanBoard(state, fw))
        self.state, self.fw = state, fw
