"""Local search that improves a valid placement and keeps it valid.

Two moves, each asking the scheduler's own filters where an instance may go (so a move never
breaks a rule or overflows a machine) and the ConvexCost plugin what it would add there:

- **emptying**: take the used machines in order of their CPU at its peak, least first (in
  cores, not as a share: a small machine costs as much as a large one, so emptying it pays
  more per core moved; on the synthetic sets this order ends about 5% lower than by share),
  and try to move all of a machine's instances onto other used machines; keep the moves when
  what they add costs less than the machine did, put everything back otherwise;
- **cooling**: on a machine above beta, move an instance wherever it adds less than its
  removal saves (an empty machine counts 1).

Every accepted move lowers the cost by at least ``EPSILON``, so the search ends; it also stops
at its deadline. Costs are taken from the incremental state, and the caller checks the
result with the independent judge.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from sigma.cli.place.state import PlanState
from sigma.scheduler.framework import CycleState, Framework
from sigma.scheduler.plugins.convex_cost import ConvexCost

EPSILON = 1e-9


@dataclass
class SearchStats:
    emptied: int = 0
    moves: int = 0
    rounds: int = 0


class Search:
    """Improving moves on ``state`` through ``fw``'s filters and its ConvexCost plugin."""

    def __init__(self, state: PlanState, fw: Framework) -> None:
        self.state, self.fw = state, fw
        self.cost = next(p for p in fw.plugins if isinstance(p, ConvexCost))
        self.stats = SearchStats()

    def best(self, i: int, exclude: int, used_only: bool) -> tuple[int, float] | None:
        """The machine where instance ``i`` (on no machine now) adds least, and how much."""
        s = self.state
        pod = s.pods[s.p.instance_app[i]]
        feasible, _ = self.fw.filter(CycleState(), pod, s.snap)
        feasible[exclude] = False
        if used_only:
            feasible &= s.count > 0
        rows = np.flatnonzero(feasible)
        if len(rows) == 0:
            return None
        added = self.cost.marginal(pod, s.snap, rows)
        j = int(np.argmin(added))
        return int(rows[j]), float(added[j])

    def empty(self, m: int) -> bool:
        """Move every instance off machine ``m`` if that lowers the cost; whether it did."""
        s = self.state
        saved = float(s.machine_cost(np.array([m]))[0])
        instances = sorted(s.on[m], key=lambda i: -s.p.app_cpu[s.p.instance_app[i]].max())
        for i in instances:
            s.remove(i)
        added, moved = 0.0, []
        for i in instances:
            found = self.best(i, m, used_only=True)
            if found is None or added + found[1] > saved - EPSILON:
                for j in moved:
                    s.remove(j)
                for j in instances:
                    s.place(j, m)
                return False
            s.place(i, found[0])
            moved.append(i)
            added += found[1]
        self.stats.emptied += 1
        self.stats.moves += len(moved)
        return True

    def cool(self, m: int) -> int:
        """Move instances off ``m`` (above beta) while each move lowers the cost."""
        s, moved = self.state, 0
        for i in sorted(s.on[m], key=lambda i: -s.p.app_cpu[s.p.instance_app[i]].max()):
            before = float(s.machine_cost(np.array([m]))[0])
            if before <= 1.0 + EPSILON:
                break
            s.remove(i)
            saved = before - float(s.machine_cost(np.array([m]))[0])
            found = self.best(i, m, used_only=False)
            if found is not None and found[1] < saved - EPSILON:
                s.place(i, found[0])
                moved += 1
            else:
                s.place(i, m)
        self.stats.moves += moved
        return moved

    def run(self, deadline: float, clock: Callable[[], float] = time.monotonic) -> SearchStats:
        """Rounds of cooling then emptying, until a round changes nothing or time is up."""
        s = self.state
        while clock() < deadline:
            self.stats.rounds += 1
            changed = 0
            for m in np.flatnonzero(s.machine_cost(np.arange(s.p.machines)) > 1.0 + EPSILON):
                if clock() >= deadline:
                    return self.stats
                changed += self.cool(int(m))
            used = np.flatnonzero(s.count > 0)
            for m in used[np.argsort(s.cpu.peak[used], kind="stable")]:
                if clock() >= deadline:
                    return self.stats
                if s.count[m] > 0:
                    changed += self.empty(int(m))
            if not changed:
                break
        return self.stats
