"""One small Protocol per extension point; a plugin implements only the points it needs.

Filters and scores work on whole arrays: a filter returns a boolean mask over a part of the
snapshot's rows (every node, or the window node sampling looks at), a score returns a float
vector over the candidate rows it is given. ``explain`` gives the human reason for one node,
computed only when somebody asks (Explain RPC, status message), so the hot path never formats
strings.
"""

from __future__ import annotations

import enum
from typing import Protocol, runtime_checkable

import numpy as np

from sigma.scheduler.framework.snapshot import EVERY, Snapshot
from sigma.scheduler.framework.types import CycleState, PodInfo, Preemption, Status


class ClusterEvent(enum.Enum):
    """Changes that may make a rejected pod fit; plugins name the ones that matter to them."""

    NODE_ADD = "NodeAdd"
    NODE_UPDATE = "NodeUpdate"
    NODE_DELETE = "NodeDelete"
    ROOM_FREED = "RoomFreed"  # a pod left a node (deleted, finished, evicted)
    APP_UPDATE = "AppUpdate"
    RULES_UPDATE = "RulesUpdate"  # the interference rule sets changed


@runtime_checkable
class Plugin(Protocol):
    name: str
    # The events after which a pod this plugin rejected deserves another attempt.
    events: frozenset[ClusterEvent]


@runtime_checkable
class PreFilterPlugin(Plugin, Protocol):
    def pre_filter(self, state: CycleState, pod: PodInfo, snap: Snapshot) -> Status: ...


@runtime_checkable
class FilterPlugin(Plugin, Protocol):
    # True for filters about room (resources, cores) that evicting pods can satisfy.
    resource: bool

    def filter(
        self, state: CycleState, pod: PodInfo, snap: Snapshot, part: slice = EVERY
    ) -> np.ndarray:
        """The mask over the rows of ``part`` (a window of rows when the framework samples
        nodes): the work is proportional to the window, not to the cluster."""
        ...

    def explain(self, state: CycleState, pod: PodInfo, snap: Snapshot, i: int) -> str: ...


@runtime_checkable
class PostFilterPlugin(Plugin, Protocol):
    def post_filter(
        self, state: CycleState, pod: PodInfo, snap: Snapshot, eligible: np.ndarray
    ) -> Preemption | None:
        """A way to make room (preemption) for a pod no node fits; ``eligible`` marks the
        nodes every non-resource filter accepts."""
        ...


@runtime_checkable
class ScorePlugin(Plugin, Protocol):
    def score(
        self, state: CycleState, pod: PodInfo, snap: Snapshot, rows: np.ndarray
    ) -> np.ndarray: ...


@runtime_checkable
class UniformPlugin(ScorePlugin, Protocol):
    """A score plugin that can tell, before scoring, that it would score every node alike for
    ``pod`` (bin-packing for an online pod, say); the placement then skips it, since a
    constant added to every total moves no choice. Explain still shows its scores."""

    def uniform(self, pod: PodInfo, snap: Snapshot) -> bool: ...


@runtime_checkable
class NormalizePlugin(ScorePlugin, Protocol):
    """A score plugin with its own mapping to 0..100; without one, a plugin's raw scores are
    taken as they are (each built-in scores on 0..100 already)."""

    def normalize(self, raw: np.ndarray) -> np.ndarray: ...
