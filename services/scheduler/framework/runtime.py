"""Runs the extension points for one pod against one snapshot: pure, no I/O.

pre-filter → filter (one mask per plugin, ANDed), window by window from a rotating start until
enough feasible nodes are found (``sampling``) → post-filter when no node at all fits
(preemption) → score + normalise + weight over the feasible nodes found → pick.
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
from sigma.scheduler.framework.sampling import MIN_FEASIBLE, nodes_to_find
from sigma.scheduler.framework.snapshot import EVERY, Snapshot
from sigma.scheduler.framework.types import OK, Code, CycleState, PodInfo, ScheduleResult, Status

MIN_DENSITY = 1 / 64  # feasible nodes per node examined, as a first window is sized


@dataclass(frozen=True, slots=True)
class Profile:
    """Which plugins run, in which order, with which weights; plugin names as in the registry."""

    plugins: tuple[str, ...]
    weights: dict[str, float] = field(default_factory=dict)
    # Like kube-scheduler's percentageOfNodesToScore (``sampling``): stop filtering once this
    # share of the nodes (never fewer than min_nodes_to_score) is found feasible and score
    # those. 0: the adaptive share (50% less one point per 125 nodes, at least 5%); 100: all.
    percentage_of_nodes_to_score: int = 0
    min_nodes_to_score: int = MIN_FEASIBLE
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
        self._start = 0  # where the next sampled attempt starts filtering
        # Feasible nodes per node examined in the last sampled attempt: its first window is
        # made long enough to need no second one when the next pod is like the last.
        self._density = 1.0

    # -- the chain -------------------------------------------------------------------------
    def pre_filter(self, state: CycleState, pod: PodInfo, snap: Snapshot) -> Status:
        for plugin in self.pre_filters:
            status = plugin.pre_filter(state, pod, snap)
            if not status.ok:
                return status
        return OK

    def filter(
        self, state: CycleState, pod: PodInfo, snap: Snapshot, part: slice = EVERY
    ) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """The feasible mask over the rows of ``part`` (the caller's own), and each filter's
        own mask (for explanations and preemption)."""
        masks: dict[str, np.ndarray] = {}
        feasible = None
        for plugin in self.filters:
            mask = plugin.filter(state, pod, snap, part)
            masks[plugin.name] = mask
            # A filter that does not concern the pod returns the snapshot's shared all-pass
            # mask: nothing to combine.
            if snap.passes_all(mask):
                continue
            if feasible is None:
                feasible = mask.copy()
            else:
                feasible &= mask
        return (snap.everywhere(part).copy() if feasible is None else feasible), masks

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
        want = nodes_to_find(
            snap.n, self.profile.percentage_of_nodes_to_score, self.profile.min_nodes_to_score
        )
        start = self._start % snap.n if want < snap.n else 0
        rows, examined, masks = self.find(state, pod, snap, start, want)
        if len(rows) == 0:  # no node at all: the whole cluster's masks say why
            # The next pod, often of the same shape, then filters the cluster in one window.
            self._density = MIN_DENSITY
            return self._unschedulable(state, pod, snap, masks, examined)
        if want < snap.n:
            self._start = start + examined  # the next attempt starts past the last node taken
            self._density = max(len(rows) / examined, MIN_DENSITY)
        total, _ = self.score(state, pod, snap, rows, every=False)
        best = np.flatnonzero(total >= total.max() - 1e-9)
        chosen = best[self._rng.randrange(len(best))]
        pick = int(rows[chosen])
        return ScheduleResult(
            OK,
            snap.names[pick],
            len(rows),
            len(rows),
            score=float(total[chosen]),
            examined=examined,
        )

    def find(
        self, state: CycleState, pod: PodInfo, snap: Snapshot, start: int, want: int
    ) -> tuple[np.ndarray, int, dict[str, np.ndarray]]:
        """Up to ``want`` feasible rows, filtering window by window from row ``start`` round
        the cluster, and how many rows were looked at up to the last one taken. Fewer only
        when the whole cluster holds fewer: a share without a feasible node is never the end.
        When there is none, each filter's mask over the whole cluster too (else empty).

        The first window is as long as the last attempt's density of feasible nodes says
        ``want`` needs, with a quarter to spare; the next, while some were found, twice the
        last or as long as this attempt's own density says the rest needs, if longer; once
        none was, all the rest (they are rare: this pod may fit nowhere, and one pass over the
        rest costs less than many small ones). Each window costs a call of every filter, so
        a few rows too many are cheaper than one window more."""
        found: list[np.ndarray] = []
        seen: list[tuple[slice, dict[str, np.ndarray]]] = []  # while nothing is found
        count = examined = 0
        n, lo, left = snap.n, start, snap.n
        size = want if want >= n else int(want / self._density * 1.25) + 1
        while left:
            part = slice(lo, min(lo + size, n, lo + left))
            feasible, masks = self.filter(state, pod, snap, part)
            rows = np.flatnonzero(feasible)
            if count + len(rows) >= want > 0:
                rows = rows[: want - count]
                examined += int(rows[-1]) + 1
                rows += part.start
                return (np.concatenate([*found, rows]) if found else rows), examined, {}
            found.append(rows + part.start)
            count += len(rows)
            examined += part.stop - part.start
            if not count:
                seen.append((part, masks))
            left -= part.stop - part.start
            lo = part.stop % n
            if count:
                size = max(2 * size, int((want - count) * examined / count * 1.25) + 1)
            else:
                size = left
        if count:
            return np.concatenate(found), examined, {}
        whole = {p.name: np.empty(snap.n, dtype=np.bool_) for p in self.filters}
        for part, masks in seen:
            for name, mask in masks.items():
                whole[name][part] = mask
        return np.zeros(0, dtype=np.int64), examined, whole

    # -- helpers -----------------------------------------------------------------------------

    def _unschedulable(
        self,
        state: CycleState,
        pod: PodInfo,
        snap: Snapshot,
        masks: dict[str, np.ndarray],
        examined: int,
    ) -> ScheduleResult:
        status = self.summarize(state, pod, snap, masks)
        eligible = np.ones(snap.n, dtype=np.bool_)
        for plugin in self.filters:
            if not plugin.resource:
                eligible &= masks[plugin.name]
        for post in self.post_filters:
            plan = post.post_filter(state, pod, snap, eligible)
            if plan is not None:
                return ScheduleResult(status, preemption=plan, examined=examined)
        return ScheduleResult(status, examined=examined)

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
