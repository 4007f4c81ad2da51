"""What node sampling costs in placement quality, for ``sigma bench scheduler``.

A sampled attempt scores only the feasible nodes it found in its share of the cluster, so its
choice can be worse than a full scan's. Two measures, the full scan the yardstick:

- ``Judge``, per attempt: the same profile over every node of the same snapshot (not timed)
  scores all feasible nodes; the chosen node's total is compared with the best of them (their
  ratio, and how often the chosen node is a best one). Comparing within the full scan's own
  totals matters: scores normalised over the candidates (spread, taints) are not comparable
  between a sample and the whole cluster.
- ``spread``, at the end of a run: nodes used and the requested CPU share of the used nodes,
  mean and max; what the default profile's spreading scores aim at, comparable between the
  baseline's row and the sampled one.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace

import numpy as np

from sigma.scheduler.framework import CycleState, PodInfo, Profile, Snapshot
from sigma.scheduler.plugins.registry import build


class Judge:
    """Each attempt's choice against a full scan of the snapshot it was made on."""

    def __init__(self, profile: Profile) -> None:
        self.full = build(replace(profile, percentage_of_nodes_to_score=100))
        self.seconds = 0.0  # spent judging: the caller takes it out of its timing
        self._ratios: list[float] = []
        self._best = 0
        self._totals: tuple[np.ndarray, float, Mapping[str, int]] | None = None
        self._clock: Callable[[], float] = lambda: 0.0

    def before(
        self, pod: PodInfo, take: Callable[[], Snapshot], clock: Callable[[], float]
    ) -> float:
        """Score every feasible node of the snapshot ``take`` gives for ``pod``, before the
        attempt places it there. Returns the seconds ``take`` took: the attempt then gets the
        same snapshot for nothing, so they count as the attempt's."""
        self._clock, self._totals = clock, None
        t0 = clock()
        snap = take()
        took = clock() - t0
        t0 += took
        fw, state = self.full, CycleState()
        if fw.pre_filter(state, pod, snap).ok:
            rows, _, _ = fw.find(state, pod, snap, 0, snap.n)
            if len(rows):
                total, _ = fw.score(state, pod, snap, rows, every=False)
                by_row = np.full(snap.n, np.nan)
                by_row[rows] = total
                self._totals = (by_row, float(total.max()), snap.index)
        self.seconds += clock() - t0
        return took

    def after(self, node: str) -> None:
        """The attempt chose ``node``: how it scores among all feasible nodes."""
        if self._totals is None:
            return
        t0 = self._clock()
        by_row, best, index = self._totals
        got = float(by_row[index[node]])
        self._ratios.append(got / best if best else 1.0)
        self._best += got >= best - 1e-9
        self._totals = None
        self.seconds += self._clock() - t0

    def figures(self) -> dict[str, float]:
        """Nothing when no attempt chose a node (every pod preempted its way in)."""
        if not self._ratios:
            return {}
        return {
            "score_vs_full_scan": round(float(np.mean(self._ratios)), 4),
            "best_node_share": round(self._best / len(self._ratios), 4),
        }


def spread(snap: Snapshot) -> dict[str, float]:
    """Nodes holding a pod, and the requested CPU share of those nodes (mean and max)."""
    used = snap.present & ((snap.online_cpu > 0) | (snap.batch_cpu > 0))
    share = (snap.online_cpu * snap.inv_alloc_cpu)[used]
    return {
        "nodes_used": int(used.sum()),
        "cpu_share_mean": round(float(share.mean()) if len(share) else 0.0, 4),
        "cpu_share_max": round(float(share.max()) if len(share) else 0.0, 4),
    }


def against(row: Mapping[str, float], base: Mapping[str, float]) -> dict[str, float]:
    """The sampled row's speed as ratios of the baseline's, measured in the same run."""
    return {
        "placements_ratio": round(row["placements_per_s"] / base["placements_per_s"], 2),
        "p99_ratio": round(row["p99_ms"] / base["p99_ms"], 2),
    }
