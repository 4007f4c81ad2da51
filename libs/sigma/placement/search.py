"""Local search that improves a valid placement and keeps it valid.

Two moves, each asking the board where an instance may go (so a move never breaks a rule or
overflows a machine) and what it would add there:

- **emptying**: take the used machines in order of their CPU at its peak, least first (in
  cores, not as a share: a small machine costs as much as a large one, so emptying it pays
  more per core moved; on the synthetic sets this order ends about 5% lower than by share),
  and try to move all of a machine's instances onto other used machines; keep the moves when
  what they add costs less than the machine did, put everything back otherwise;
- **cooling**: on a machine above beta, move an instance wherever it adds less than its
  removal saves (an empty machine counts 1).

Every accepted move lowers the cost by at least ``EPSILON``, so the search ends; it also stops
at its deadline or after ``max_moves``. Each kept move is logged in ``moves`` in the order it
was made, and each was accepted by the board as the cluster stood then, so replaying the log
in order keeps the placement valid at every step. A board may hold instances in place
(``movable``: the live board spends each App's disruption budget there); the planner's board
moves anything.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

import numpy as np

EPSILON = 1e-9


class Board(Protocol):
    """A placement the search can change: who is where, what fits, what it costs."""

    count: np.ndarray  # instances on each machine
    on: list[set[int]]  # the instances on each machine

    @property
    def load(self) -> np.ndarray:
        """Each machine's CPU at its peak, in cores (the emptying order)."""

    def size(self, i: int) -> float:
        """Instance ``i``'s CPU at its peak (large ones move first)."""

    def machine_cost(self, machines: np.ndarray) -> np.ndarray:
        """Cost of each of ``machines`` as it stands (0 for an empty one)."""

    def place(self, i: int, m: int) -> None: ...

    def remove(self, i: int) -> None: ...

    def where(self, i: int) -> np.ndarray:
        """Machines that accept instance ``i`` (on no machine now), as a mask."""

    def added(self, i: int, rows: np.ndarray) -> np.ndarray:
        """The cost instance ``i`` adds on each of ``rows``."""

    def movable(self, instances: Iterable[int]) -> bool:
        """Whether all of ``instances`` may leave their machines together now."""


class Assignments:
    """``place`` and ``remove`` over ``assign`` (instance -> machine, -1 for none) and ``on``
    (machine -> instances), shared by the boards; each board keeps its own load in
    ``_account`` (``sign`` +1 adds instance ``i``'s load to machine ``m``, -1 takes it off)."""

    assign: np.ndarray
    on: list[set[int]]

    def _account(self, i: int, m: int, sign: int) -> None:
        raise NotImplementedError

    def place(self, i: int, m: int) -> None:
        """Put instance ``i`` on machine ``m`` (taking it off its machine first)."""
        if self.assign[i] >= 0:
            self.remove(i)
        self._account(i, m, +1)
        self.assign[i] = m
        self.on[m].add(i)

    def remove(self, i: int) -> None:
        m = int(self.assign[i])
        self._account(i, m, -1)
        self.assign[i] = -1
        self.on[m].discard(i)


@dataclass
class SearchStats:
    emptied: int = 0
    moves: int = 0
    rounds: int = 0


class Search:
    """Improving moves on ``board``; ``moves`` logs (instance, from, to) in order."""

    def __init__(self, board: Board, max_moves: int | None = None) -> None:
        self.board = board
        self.max_moves = max_moves
        self.stats = SearchStats()
        self.moves: list[tuple[int, int, int]] = []

    def _room(self, wanted: int = 1) -> bool:
        return self.max_moves is None or len(self.moves) + wanted <= self.max_moves

    def best(self, i: int, exclude: int, used_only: bool) -> tuple[int, float] | None:
        """The machine where instance ``i`` (on no machine now) adds least, and how much."""
        b = self.board
        feasible = b.where(i)
        feasible[exclude] = False
        if used_only:
            feasible &= b.count > 0
        rows = np.flatnonzero(feasible)
        if len(rows) == 0:
            return None
        added = b.added(i, rows)
        j = int(np.argmin(added))
        return int(rows[j]), float(added[j])

    def empty(self, m: int) -> bool:
        """Move every instance off machine ``m`` if that lowers the cost; whether it did."""
        b = self.board
        if not self._room(len(b.on[m])) or not b.movable(b.on[m]):
            return False
        saved = float(b.machine_cost(np.array([m]))[0])
        instances = sorted(b.on[m], key=lambda i: -b.size(i))
        for i in instances:
            b.remove(i)
        added, moved = 0.0, []
        for i in instances:
            found = self.best(i, m, used_only=True)
            if found is None or added + found[1] > saved - EPSILON:
                for j, _ in moved:
                    b.remove(j)
                for j in instances:
                    b.place(j, m)
                return False
            b.place(i, found[0])
            moved.append((i, found[0]))
            added += found[1]
        self.moves += [(i, m, to) for i, to in moved]
        self.stats.emptied += 1
        self.stats.moves += len(moved)
        return True

    def cool(self, m: int) -> int:
        """Move instances off ``m`` (above beta) while each move lowers the cost."""
        b, moved = self.board, 0
        for i in sorted(b.on[m], key=lambda i: -b.size(i)):
            before = float(b.machine_cost(np.array([m]))[0])
            if before <= 1.0 + EPSILON or not self._room():
                break
            if not b.movable((i,)):
                continue
            b.remove(i)
            saved = before - float(b.machine_cost(np.array([m]))[0])
            found = self.best(i, m, used_only=False)
            if found is not None and found[1] < saved - EPSILON:
                b.place(i, found[0])
                self.moves.append((i, m, found[0]))
                moved += 1
            else:
                b.place(i, m)
        self.stats.moves += moved
        return moved

    def run(self, deadline: float, clock: Callable[[], float] = time.monotonic) -> SearchStats:
        """Rounds of cooling then emptying, until a round changes nothing or time is up."""
        b = self.board
        while clock() < deadline and self._room():
            self.stats.rounds += 1
            changed = 0
            for m in np.flatnonzero(b.machine_cost(np.arange(len(b.count))) > 1.0 + EPSILON):
                if clock() >= deadline:
                    return self.stats
                changed += self.cool(int(m))
            used = np.flatnonzero(b.count > 0)
            for m in used[np.argsort(b.load[used], kind="stable")]:
                if clock() >= deadline:
                    return self.stats
                if b.count[m] > 0:
                    changed += self.empty(int(m))
            if not changed:
                break
        return self.stats
