"""The scheduler's picture of the cluster: nodes, and the pods placed or about to be placed.

A placement is *assumed* the moment the scheduler decides it, so the next attempt already sees
the room taken, and *confirmed* when the node's allocation record in the store lists it; a
failed binding *forgets* it. ``snapshot()`` hands out an immutable view; the cache copies an
array before writing to it while a snapshot holds it (copy-on-write, see ``columns``), which
costs a copy of the one or two columns a placement touches, not of the whole table.

The cache is the one door; behind it the node table (``nodes``) keeps what the nodes offer and
the placements (``placements``) what the pods take, in the node table's columns.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import replace

import numpy as np

from sigma.resources.interference import RuleIndex
from sigma.scheduler.framework.nodes import NodeRow, NodeTable
from sigma.scheduler.framework.placements import Placements, curve_columns
from sigma.scheduler.framework.snapshot import NO_RULES, Snapshot
from sigma.scheduler.framework.types import PodInfo, Usage

__all__ = ["Cache", "NodeRow", "counted_curve"]


def _same_curve(a: Usage | None, b: Usage | None) -> bool:
    """Whether two pods' usages count alike (both none, or equal curves)."""
    if a is None or b is None:
        return a is b
    return a.curves.keys() == b.curves.keys() and all(
        np.array_equal(a.curves[k], b.curves[k]) for k in a.curves
    )


class Cache:
    """Nodes and placements; single-threaded (the scheduler's event loop owns it)."""

    def __init__(self) -> None:
        self._nodes = NodeTable()
        self._pods = Placements(self._nodes.cols, self._touch)
        self.generation = 0
        self._snap: Snapshot | None = None
        self.rules = NO_RULES  # read here; replaced through set_rules

    # -- nodes --------------------------------------------------------------------------------
    def upsert_node(self, row: NodeRow) -> None:
        self._nodes.upsert(row)
        self._touch()

    def remove_node(self, name: str) -> None:
        i = self._nodes.remove(name)
        if i is None:
            return
        for key in list(self._pods.on_node(i)):
            self._pods.unplace(key)
        self._touch()

    # -- pods ---------------------------------------------------------------------------------
    def assume(self, pod: PodInfo, node: str) -> None:
        """Count ``pod`` on ``node`` now, before the binding is committed."""
        self._pods.place(pod, self._nodes.index[node], assumed=True)

    def forget(self, pod_key: str) -> None:
        """Undo an assumption whose binding failed; a confirmed placement stays."""
        placed = self._pods.placed.get(pod_key)
        if placed is not None and placed.assumed:
            self._pods.unplace(pod_key)

    def remove_pod(self, pod_key: str) -> None:
        if pod_key in self._pods.placed:
            self._pods.unplace(pod_key)

    def note_pod(self, pod: PodInfo) -> None:
        """Learn a placed pod's App and daily CPU curve (allocation records carry neither;
        a changed profile changes the curve): counted again where it is."""
        placed = self._pods.placed.get(pod.key)
        if placed is not None and (
            placed.pod.app != pod.app or not _same_curve(placed.pod.usage, pod.usage)
        ):
            node, assumed = placed.node, placed.assumed
            self._pods.unplace(pod.key)
            self._pods.place(pod, node, assumed)

    def apply_allocation(self, node: str, pods: list[PodInfo]) -> bool:
        """The node's allocation record as stored: confirm what it lists, release the rest.

        Assumed pods the record does not list yet stay assumed: their binding is in flight.
        True when a pod was released (room freed).
        """
        by_key = {p.key: p for p in pods}
        return self.sync_allocation(node, by_key, by_key.__getitem__)

    def sync_allocation(
        self, node: str, keys: Collection[str], info: Callable[[str], PodInfo]
    ) -> bool:
        """``apply_allocation`` for a record listing ``keys``; ``info`` is asked only for pods
        the cache does not already hold on that node, so the echo of the scheduler's own write
        (every pod already assumed there) converts nothing."""
        i = self._nodes.index.get(node)
        if i is None:
            return False
        pods = self._pods
        gone = [k for k in pods.on_node(i) if k not in keys and not pods.placed[k].assumed]
        for key in gone:
            pods.unplace(key)
        for key in keys:
            placed = pods.placed.get(key)
            if placed is not None and placed.node == i:
                placed.assumed = False
                continue
            pod = info(key)
            if placed is not None:
                pods.unplace(key)
            if pod.app or placed is None:
                known = pod
            else:  # the App (and its curve) the cache learnt from the pod object
                known = replace(pod, app=placed.pod.app, usage=placed.pod.usage)
            pods.place(known, i, assumed=False)
        return bool(gone)

    def placed(self, pod_key: str) -> tuple[str, PodInfo] | None:
        """Where a placed pod is, and the pod as the cache counts it there (its App and its
        daily CPU curve, learnt from the pod object); None: the pod is not placed."""
        placed = self._pods.placed.get(pod_key)
        return (self._nodes.name(placed.node), placed.pod) if placed else None

    def app_pods(self, app: str) -> list[str]:
        """The keys of the placed pods the cache counts in ``app``."""
        return self._pods.of_app(app)

    # -- rules --------------------------------------------------------------------------------
    def set_rules(self, rules: RuleIndex) -> None:
        """The interference rules every later snapshot carries."""
        self.rules = rules
        self._touch()

    # -- views --------------------------------------------------------------------------------
    def _touch(self) -> None:
        self.generation += 1
        self._snap = None

    def snapshot(self) -> Snapshot:
        """The cluster now, immutable; the same object until the cache changes."""
        if self._snap is None:
            nodes, pods = self._nodes.view(), self._pods.view()
            self._snap = Snapshot(
                **nodes,
                **pods,
                generation=self.generation,
                rules=self.rules,
                curves=curve_columns(nodes["cols"]),
            )
        return self._snap

    def __len__(self) -> int:
        return len(self._nodes)


def counted_curve(cache: Cache, pod_key: str) -> np.ndarray | None:
    """The daily CPU curve a placed pod is counted by (None: by its request, or not placed)."""
    placed = cache.placed(pod_key)
    if placed is None or not placed[1].timed_cpu:
        return None
    return placed[1].usage.curves["cpu"]  # type: ignore[union-attr]
