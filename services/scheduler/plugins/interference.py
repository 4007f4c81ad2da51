"""Interference: the App interference rules ``<A, B, k>`` (``sigma.resources.interference``)
in both directions, and the App's hard per-host cap.

For a pod of App X the filter reads the rules that name X and the nodes of the Apps they name
(``snap.apps``: the node row of every placed pod, so per-node counts are a ``np.unique`` of a
short array): it marks blocked the nodes where X would exceed its own limit or its per-host
cap, where X as A would join more than k of a B, and where X as B would be one too many beside
an A. The work is proportional to the pods of those Apps, never to the number of nodes.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sigma.scheduler.framework.interfaces import ClusterEvent
from sigma.scheduler.framework.snapshot import EVERY, Snapshot
from sigma.scheduler.framework.types import CycleState, PodInfo

NAME = "Interference"


Counter = Callable[[Snapshot, str], tuple[np.ndarray, np.ndarray]]


def counts(snap: Snapshot, app: str) -> tuple[np.ndarray, np.ndarray]:
    """The nodes holding ``app``'s pods and how many each holds."""
    return np.unique(snap.app_nodes(app), return_counts=True)


class Counts:
    """``counts``, kept per App while its array of node rows stays the same object: whoever
    makes snapshots makes a new array when one of the App's pods moves and never changes one
    in place (``Snapshot.apps``), so an attempt counts again only the Apps that moved, not
    every App its rules name."""

    def __init__(self) -> None:
        self._memo: dict[str, tuple[np.ndarray, tuple[np.ndarray, np.ndarray]]] = {}

    def __call__(self, snap: Snapshot, app: str) -> tuple[np.ndarray, np.ndarray]:
        rows = snap.app_nodes(app)
        kept = self._memo.get(app)
        if kept is not None and kept[0] is rows:
            return kept[1]
        got = np.unique(rows, return_counts=True)
        self._memo[app] = (rows, got)
        return got


def _at(keys: np.ndarray, values: np.ndarray, query: np.ndarray) -> np.ndarray:
    """``values`` of the sorted ``keys`` at ``query`` (0 where a key is missing)."""
    if len(keys) == 0:
        return np.zeros(len(query), dtype=np.int64)
    at = np.minimum(np.searchsorted(keys, query), len(keys) - 1)
    return np.where(keys[at] == query, values[at], 0)


def blocked(pod: PodInfo, snap: Snapshot, counts: Counter = counts) -> np.ndarray:
    """Rows where one more pod of ``pod``'s App breaks a rule or its cap (may repeat)."""
    app, rules = pod.app, snap.rules
    if not app or (not pod.max_per_host and not rules.names(app)):
        return np.zeros(0, dtype=np.int64)
    here, n_here = counts(snap, app)
    out = []
    caps = [pod.max_per_host] if pod.max_per_host else []
    if app in rules.own:
        caps.append(rules.own[app].limit)
    if caps:
        out.append(here[n_here + 1 > min(caps)])
    for rule in rules.crowds.get(app, ()):  # X is A: no node with more than k of B
        nodes, n = counts(snap, rule.b)
        out.append(nodes[n > rule.limit])
    for rule in rules.crowded.get(app, ()):  # X is B: one more X beside an A
        nodes, _ = counts(snap, rule.a)
        out.append(nodes[_at(here, n_here, nodes) + 1 > rule.limit])
    return np.concatenate(out) if out else np.zeros(0, dtype=np.int64)


def _count_on(snap: Snapshot, app: str, i: int) -> int:
    return int(np.count_nonzero(snap.app_nodes(app) == i))


class Interference:
    name = NAME
    resource = False  # evicting other Apps' pods is not how preemption frees a rule
    events = frozenset(
        {
            ClusterEvent.NODE_ADD,
            ClusterEvent.ROOM_FREED,
            ClusterEvent.APP_UPDATE,
            ClusterEvent.RULES_UPDATE,
        }
    )

    def __init__(self) -> None:
        self.counts = Counts()

    def filter(
        self, state: CycleState, pod: PodInfo, snap: Snapshot, part: slice = EVERY
    ) -> np.ndarray:
        rows = state.once(NAME, lambda: blocked(pod, snap, self.counts))
        if len(rows):
            lo, hi = snap.span(part)
            rows = rows[(rows >= lo) & (rows < hi)]
        if len(rows) == 0:
            return snap.everywhere(part)
        mask = np.ones(hi - lo, dtype=np.bool_)
        mask[rows - lo] = False
        return mask

    def explain(self, state: CycleState, pod: PodInfo, snap: Snapshot, i: int) -> str:
        mine = _count_on(snap, pod.app, i)
        if pod.max_per_host and mine + 1 > pod.max_per_host:
            return f"per-host cap {pod.max_per_host} of {pod.app} reached ({mine} here)"
        for rule in snap.rules.naming(pod.app):
            a = mine + 1 if rule.a == pod.app else _count_on(snap, rule.a, i)
            b = mine + 1 if rule.b == pod.app else _count_on(snap, rule.b, i)
            if a > 0 and b > rule.limit:
                return (
                    f"interference rule {rule.said()}: the node would hold {a} of {rule.a} "
                    f"and {b} of {rule.b} (at most {rule.limit})"
                )
        return "no rule broken"


def new(args: dict | None = None) -> Interference:
    return Interference()
