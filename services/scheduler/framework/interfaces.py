"""One small Protocol per extension point; a plugin implements only the points it needs.

Filters and scores work on whole arrays: a filter returns a boolean mask over every node of the
snapshot, a score returns a float vector over the candidate rows it is given. ``explain`` gives
the human reason for one node, computed only when somebody asks (Explain RPC, status message),
so the hot path never formats strings.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np

from sigma.scheduler.framework.snapshot import Snapshot
from sigma.scheduler.framework.types import CycleState, PodInfo, Preemption, Status


class ClusterEvent(enum.Enum):
    """Changes that may make a rejected pod fit; plugins name the ones that matter to them."""

    NODE_ADD = "NodeAdd"
    NODE_UPDATE = "NodeUpdate"
    NODE_DELETE = "NodeDelete"
    ROOM_FREED = "RoomFreed"  # a pod left a node (deleted, finished, evicted)
    POD_PLACED = "PodPlaced"  # a pod landed somewhere (changes spreading counts)
    APP_UPDATE = "AppUpdate"


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

    def filter(self, state: CycleState, pod: PodInfo, snap: Snapshot) -> np.ndarray: ...

    def explain(self, state: CycleState, pod: PodInfo, snap: Snapshot, i: int) -> str: ...


@runtime_checkable
class PostFilterPlugin(Plugin, Protocol):
    def post_filter(
        self, state: CycleState, pod: PodInfo, snap: Snapshot, masks: dict[str, np.ndarray]
    ) -> Preemption | None: ...


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
    """A score plugin with its own mapping to 0..100 (default: min-max, higher is better)."""

    def normalize(self, raw: np.ndarray) -> np.ndarray: ...


@runtime_checkable
class ReservePlugin(Plugin, Protocol):
    def reserve(self, state: CycleState, pod: PodInfo, node: str) -> Status: ...

    def unreserve(self, state: CycleState, pod: PodInfo, node: str) -> None: ...


@runtime_checkable
class BindPlugin(Protocol):
    """Commits decisions for one node at once (evicting ``victims`` first); the only extension
    point that does I/O. A lost race is a CONFLICT status, not an exception."""

    async def bind(
        self, node: str, pods: Sequence[PodInfo], victims: Sequence[str], reason: str = ""
    ) -> Status: ...
