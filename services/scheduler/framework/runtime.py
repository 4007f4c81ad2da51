"""Runs the extension points for one pod against one snapshot: pure, no I/O.

pre-filter → filter (one mask per plugin, ANDed) → post-filter when nothing fits (preemption)
→ score + normalise + weight over the feasible rows (optionally a sample of them) → pick.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from sigma.scheduler.framework.interfaces import (
    FilterPlugin,
    PostFilterPlugin,
    PreFilterPlugin,
    ScorePlugin,
    UniformPlugin,
)
from sigma.scheduler.framework.snapshot import Snapshot
from sigma.scheduler.framework.types import OK, Code, CycleState, PodInfo, ScheduleResult, Status


@dataclass(frozen=True, slots=True)
class Profile:
    """Which plugins run, in which order, with which weights; plugin names as in the registry."""

    plugins: tuple[str, ...]
    weights: dict[str, float] = field(default_factory=dict)
    # Like kube-scheduler's percentageOfNodesToScore: score only this share of the feasible
    # nodes (never fewer than min_nodes_to_score). 0 or 100 scores them all.
    percentage_of_nodes_to_score: int = 0
    min_nodes_to_score: int = 100
    seed: int | None = None


class Framework:
    """The plugin chains of one profile."""

    def __init__(self, plugins: Sequence[object], profile: Profile) -> None:
        self.profile = profile
        self.plugins = list(plugins)
        self.pre_filters = [p for p in plugins if isinstance(p, PreFilterPlugin)]
        self.filters = [p for p in plugins if isinstance(p, FilterPlugin)]
        self.post_filters = [p for p in plugins if isinstance(p, PostFilterPlugin)]
        self.scores = [p for p in plugins if isinstance(p, ScorePlugin)]
        self.uniform = {p.name: p for p in self.scores if isinstance(p, UniformPlugin)}
        self.weights = {p.name: float(profile.weights.get(p.name, 1.0)) for p in self.scores}
        self._rng = random.Random(profile.seed)
        self._offset = 0

    # -- the chain -------------------------------------------------------------------------
    def pre_filter(self, state: CycleState, pod: PodInfo, snap: Snapshot) -> Status:
        for plugin in self.pre_filters:
            status = plugin.pre_filter(state, pod, snap)
            if not status.ok:
                return status
        return OK

    def filter(
        self, state: CycleState, pod: PodInfo, snap: Snapshot
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """The feasible mask, and each filter's own mask (for explanations and preemption)."""
        masks: dict[str, np.ndarray] = {}
        feasible = np.ones(snap.n, dtype=np.bool_)
        for plugin in self.filters:
            mask = plugin.filter(state, pod, snap)
            masks[plugin.name] = mask
            # A filter that does not concern the pod returns the snapshot's shared all-pass
            # mask (made on first use only): nothing to combine.
            if mask is not snap.cache.get("everywhere"):
                feasible &= mask
        return feasible, masks

    def score(
        self,
        state: CycleState,
        pod: PodInfo,
        snap: Snapshot,
        rows: np.ndarray,
        *,
        every: bool = True,
    ) -> tuple[np.ndarray, dict[str, tuple[np.ndarray, np.ndarray]]]:
        """Weighted totals over ``rows``, and each plugin's (raw, normalised) vectors;
        ``every`` False leaves out plugins that would score every node alike (placement)."""
        total = np.zeros(len(rows))
        parts: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        if len(rows) == 0:  # nothing to score (Explain of a pod no node takes)
            return total, parts
        for plugin in self.scores:
            weight = self.weights[plugin.name]
            if weight == 0:
                continue
            uniform = None if every else self.uniform.get(plugin.name)
            if uniform is not None and uniform.uniform(pod, snap):
                continue
            raw = plugin.score(state, pod, snap, rows)
            normalize = getattr(plugin, "normalize", None)
            norm = normalize(raw) if normalize else raw
            parts[plugin.name] = (raw, norm)
            total += weight * norm
        return total, parts

    def schedule(self, pod: PodInfo, snap: Snapshot) -> ScheduleResult:
        state = CycleState()
        status = self.pre_filter(state, pod, snap)
        if not status.ok:
            return ScheduleResult(status)
        feasible, masks = self.filter(state, pod, snap)
        rows = np.flatnonzero(feasible)
        if len(rows) == 0:
            return self._unschedulable(state, pod, snap, masks)
        candidates = self._sample(rows)
        total, _ = self.score(state, pod, snap, candidates, every=False)
        best = np.flatnonzero(total >= total.max() - 1e-9)
        chosen = best[self._rng.randrange(len(best))]
        pick = int(candidates[chosen])
        return ScheduleResult(
            OK, snap.names[pick], len(rows), len(candidates), score=float(total[chosen])
        )

    # -- helpers -----------------------------------------------------------------------------
    def _sample(self, rows: np.ndarray) -> np.ndarray:
        pct = self.profile.percentage_of_nodes_to_score
        if pct <= 0 or pct >= 100:
            return rows
        want = max(self.profile.min_nodes_to_score, len(rows) * pct // 100)
        if want >= len(rows):
            return rows
        start = self._offset % len(rows)
        self._offset += want  # rotate, so every node gets its turn
        return np.take(rows, np.arange(start, start + want), mode="wrap")

    def _unschedulable(
        self, state: CycleState, pod: PodInfo, snap: Snapshot, masks: dict[str, np.ndarray]
    ) -> ScheduleResult:
        status = self.summarize(state, pod, snap, masks)
        eligible = np.ones(snap.n, dtype=np.bool_)
        for plugin in self.filters:
            if not plugin.resource:
                eligible &= masks[plugin.name]
        for post in self.post_filters:
            plan = post.post_filter(state, pod, snap, eligible)
            if plan is not None:
                return ScheduleResult(status, preemption=plan)
        return ScheduleResult(status)

    def summarize(
        self, state: CycleState, pod: PodInfo, snap: Snapshot, masks: dict[str, np.ndarray]
    ) -> Status:
        """Why nothing fits: per filter, how many nodes it was the first to reject, and why."""
        remaining = np.ones(snap.n, dtype=np.bool_)
        reasons = []
        for plugin in self.filters:
            rejected = remaining & ~masks[plugin.name]
            count = int(rejected.sum())
            if count:
                example = plugin.explain(state, pod, snap, int(np.argmax(rejected)))
                reasons.append((plugin.name, f"{count}/{snap.n} nodes, e.g. {example}"))
            remaining &= masks[plugin.name]
        if snap.n == 0:
            reasons.append(("Framework", "no nodes"))
        return Status(Code.UNSCHEDULABLE, tuple(reasons))
