"""The live rescheduler's decision: from the cluster as it stands to ordered moves.

Pure: a ``LiveBoard`` (nodes, online pods, rules, caps, each App's disruption allowance) in,
``Plan`` out. Two kinds of move, in this order:

1. **repairs**: pods over an interference rule or a per-host cap (a rule tightened under
   running pods) move to a node where they break nothing, the one where they add least cost.
   For ``<A, B, k>`` the surplus pods of B move (A stays): B is what the rule limits.
2. **improvements**: the planner's own local search (``sigma.placement.search``: cooling and
   emptying), each move lowering the convex cost.

Every move is checked by the board as the cluster stands after the moves before it, so the
plan is valid when applied in order; no App loses more pods than its allowance, no pod moves
twice, and at most ``max_moves`` moves are proposed. The objective is lexicographic: fewer
broken rules first (a repair may open a node), then a lower cost.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from sigma.placement.live import CAP, LiveBoard
from sigma.placement.search import Search
from sigma.resources.interference import Rule

REPAIR, COST = "rule", "cost"


@dataclass(frozen=True, slots=True)
class Move:
    pod: str  # namespace/name
    app: str
    source: str
    target: str
    why: str  # REPAIR or COST
    detail: str  # the rule repaired, or the cost it saves

    def text(self) -> str:
        return f"move {self.pod} from {self.source} to {self.target}: {self.detail}"


@dataclass(frozen=True, slots=True)
class Plan:
    moves: tuple[Move, ...]
    cost_before: float
    cost_after: float
    breaches_before: int  # pods over a rule or cap
    breaches_after: int


def _repair(board: LiveBoard, budget: int) -> list[tuple[int, int, int, str]]:
    moves: list[tuple[int, int, int, str]] = []
    for breach in board.breaches():
        rule, m = breach.rule, breach.node
        b = board.app_of[rule.b]
        left = min(breach.over, int(board.per_app[b, m] - rule.limit))
        for i in sorted(board.on[m], key=lambda i: (-board.pods[i].cpu, board.pods[i].key)):
            if left <= 0 or len(moves) >= budget:
                break
            if board.pod_app[i] != b or not board.movable((i,)):
                continue
            board.remove(i)
            ok = board.where(i)
            ok[m] = False
            rows = np.flatnonzero(ok)
            if len(rows) == 0:
                board.place(i, m)
                continue
            to = int(rows[np.argmin(board.added(i, rows))])
            board.place(i, to)
            moves.append((i, m, to, _repairs(rule)))
            left -= 1
    return moves


def _repairs(rule: Rule) -> str:
    if rule.origin == CAP:
        return f"repairs the per-host cap of {rule.a} (at most {rule.limit} a node)"
    return f"repairs interference rule {rule.said()}"


def decide(board: LiveBoard, max_moves: int = 10) -> Plan:
    """The moves that repair broken rules, then lower the cost, on ``board`` (changed)."""
    cost_before = board.cost()
    breaches_before = sum(b.over for b in board.breaches())
    repairs = _repair(board, max_moves)
    search = Search(board, max_moves=max_moves - len(repairs))
    search.run(math.inf)  # ends: every move lowers the cost, and moves are capped
    names = [n.name for n in board.nodes]

    def move(i: int, m: int, to: int, why: str, detail: str) -> Move:
        pod = board.pods[i]
        return Move(pod.key, pod.app, names[m], names[to], why, detail)

    moves = [move(i, m, to, REPAIR, detail) for i, m, to, detail in repairs]
    after = board.cost()
    detail = f"lowers the cost (the plan takes it from {cost_before:.3f} to {after:.3f})"
    moves += [move(i, m, to, COST, detail) for i, m, to in search.moves]
    return Plan(
        tuple(moves),
        cost_before,
        after,
        breaches_before,
        sum(b.over for b in board.breaches()),
    )
