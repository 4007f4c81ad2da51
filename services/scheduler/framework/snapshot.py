"""The immutable view plugins see: one NumPy array per node attribute, one row per node.

Every filter turns these arrays into a boolean mask and every score into a float vector, so
the per-pod cost is a handful of array operations over all nodes, not a Python loop per node.
The arrays are read-only; the cache copies an array before changing it whenever a snapshot
still holds it (copy-on-write), so a snapshot taken at the start of an attempt stays exactly
as it was however the cache moves on.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from sigma.resources.interference import RuleIndex

# Node columns, with their dtypes. ``*_cpu`` in millicores, ``*_mem`` in bytes.
NODE_COLUMNS: dict[str, type] = {
    "present": np.bool_,  # the row holds a node (rows of removed nodes stay, cleared)
    "ready": np.bool_,  # phase READY
    "cordoned": np.bool_,  # spec.unschedulable
    "usable": np.bool_,  # present, ready and not cordoned: takes new pods
    "alloc_cpu": np.float64,  # allocatable
    "alloc_mem": np.float64,
    "online_cpu": np.float64,  # requests of online pods placed on the node
    "online_mem": np.float64,
    "batch_cap_cpu": np.float64,  # the colocator's batch capacity (0 when stale)
    "batch_cap_mem": np.float64,
    "batch_cpu": np.float64,  # requests of batch pods placed on the node
    "batch_mem": np.float64,
    "batch_pods": np.int32,  # how many batch pods are placed on the node
    "cores": np.int32,  # logical CPUs
    "core_millis": np.float64,  # 1000 x cores (allocatable cpu when cores are not reported)
    "excl_cores": np.int32,  # whole cores held by LSE/LSR pods
    "shared_cpu": np.float64,  # requests of online pods in the shared pool (LS, SYSTEM)
    "inv_alloc_cpu": np.float64,  # 1 / allocatable (0 when none): scores multiply, not divide
    "inv_alloc_mem": np.float64,
    "inv_batch_cpu": np.float64,  # 1 / batch capacity (0 when none)
    "inv_batch_mem": np.float64,
    "taints_hard": np.uint64,  # bits of NoSchedule / NoExecute taints
    "taints_soft": np.uint64,  # bits of PreferNoSchedule taints
    "dom_host": np.int32,  # topology domain ids per level
    "dom_chassis": np.int32,
    "dom_core_switch": np.int32,
    "usage_cpu": np.float64,  # measured, whole machine
    "usage_mem": np.float64,
    # Room left, derived from the columns above at every change of its row (``nodes.ROOMS``),
    # so the filters every attempt runs compare one column with the request:
    "room_cpu": np.float64,  # online: alloc_cpu - online_cpu
    "room_mem": np.float64,  # online: alloc_mem - online_mem - batch_mem
    "batch_room_cpu": np.float64,  # batch_cap_cpu - batch_cpu
    "batch_room_mem": np.float64,  # batch_cap_mem - batch_mem
    "shared_room": np.float64,  # the shared pool: core_millis - 1000 x excl_cores - shared_cpu
}
DOMAIN_COLUMNS = ("dom_host", "dom_chassis", "dom_core_switch")

# Pod table columns (one row per placed or assumed pod), for preemption's per-node sums.
POD_COLUMNS: dict[str, type] = {
    "live": np.bool_,
    "node": np.int32,
    "priority": np.int64,
    "batch": np.bool_,
    "cpu": np.float64,
    "mem": np.float64,
}


@dataclass(frozen=True, slots=True, eq=False)
class ScalarColumn:
    """A named integer resource (disk, counted slots): what each node offers and what its
    pods take."""

    allocatable: np.ndarray  # (n,)
    used: np.ndarray  # (n,)


@dataclass(frozen=True, slots=True, eq=False)
class CurveColumn:
    """A resource used along a daily curve of T slots: each node's capacity, the summed
    curves of its pods and their peak (``used.max(axis=1)``, kept by the owner so fit and
    score can rule most nodes in or out without looking at every slot)."""

    capacity: np.ndarray  # (n,)
    used: np.ndarray  # (n, T)
    peak: np.ndarray  # (n,)


NO_RULES = RuleIndex()
# The part of the rows a filter looks at: all of them, unless the framework asks for a window
# (node sampling, see ``runtime``); plugins index every column with it.
EVERY = slice(None)


@dataclass(frozen=True, slots=True)
class Snapshot:
    """The cluster at one instant, as arrays. ``n`` rows; ``names[i]`` is row i's node."""

    n: int
    names: tuple[str, ...]
    index: Mapping[str, int]
    cols: Mapping[str, np.ndarray]
    pods: Mapping[str, np.ndarray]
    pod_keys: Sequence[str]  # pod table row → "namespace/name" ("" for free rows)
    labels: Mapping[tuple[str, str], np.ndarray]  # (key, value) → bool mask of nodes
    taint_bits: Mapping[tuple[str, str, int], int]  # (key, value, effect) → bit number
    domains: tuple[int, int, int]  # number of domain ids per level
    # app → node row of each of its placed pods; a new array whenever one of them moves, never
    # one changed in place (plugins keep what they derive from an array while it is the same)
    apps: Mapping[str, np.ndarray]
    generation: int = 0
    cache: dict[str, object] = field(default_factory=dict, compare=False)
    scalars: Mapping[str, ScalarColumn] = field(default_factory=dict)  # extended resources
    curves: Mapping[str, CurveColumn] = field(default_factory=dict)  # time-aware resources
    rules: RuleIndex = NO_RULES  # app interference rules

    def __getattr__(self, name: str) -> np.ndarray:
        # Columns read as attributes: snap.alloc_cpu. Only called for missing attributes.
        try:
            return self.cols[name]
        except KeyError:
            raise AttributeError(name) from None

    def domain(self, level: int) -> np.ndarray:
        return self.cols[DOMAIN_COLUMNS[level]]

    def label_mask(self, key: str, value: str) -> np.ndarray | None:
        return self.labels.get((key, value))

    def app_nodes(self, app: str) -> np.ndarray:
        return self.apps.get(app, _EMPTY)

    def span(self, part: slice) -> tuple[int, int]:
        """The first row of ``part`` and the row past its last (a step-1 slice)."""
        lo, hi, _ = part.indices(self.n)
        return lo, max(lo, hi)

    def everywhere(self, part: slice = EVERY) -> np.ndarray:
        """A read-only mask passing every row of ``part``: what a filter returns for a pod it
        does not concern (no extended resources, no curves, no rules). A view of one array
        shared by every snapshot (``passes_all`` tells it), so handing it out costs nothing."""
        global _ALL
        if len(_ALL) < self.n:
            grown = np.ones(max(self.n, 2 * len(_ALL)), dtype=np.bool_)
            grown.flags.writeable = False
            _ALL = grown
        return _ALL[part] if part.stop is not None else _ALL[: self.n][part]

    @staticmethod
    def passes_all(mask: np.ndarray) -> bool:
        """Whether ``mask`` is (a view of) ``everywhere``: nothing to combine."""
        return mask.base is _ALL


_EMPTY = np.zeros(0, dtype=np.int32)
_ALL = np.ones(0, dtype=np.bool_)  # grown to the largest snapshot seen
