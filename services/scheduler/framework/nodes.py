"""The cache's node table: one row per node ever seen, parsed once from the protobuf.

A node keeps its row for the life of the cache (a removed node's row stays, cleared and not
``present``), so the row numbers snapshots and pod rows hold never change meaning. Labels are
kept as one boolean mask per (key, value), taints as bits of two 64-bit columns (hard and soft
effects), topology as small integer domain ids per level: filters and scores then work on
whole columns at once.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np

from sigma.scheduler.framework.columns import Columns
from sigma.scheduler.framework.snapshot import NODE_COLUMNS

SOFT_EFFECT = 2  # PREFER_NO_SCHEDULE; every other effect (NO_SCHEDULE, NO_EXECUTE) is hard

# Each room column from the columns of its row (``snapshot.NODE_COLUMNS``): derived here when
# a node changes; a placement takes its requests off them as it adds them to the rest
# (``placements``).
ROOMS: dict[str, Callable[[dict[str, np.ndarray], int], float]] = {
    "room_cpu": lambda c, i: c["alloc_cpu"][i] - c["online_cpu"][i],
    "room_mem": lambda c, i: c["alloc_mem"][i] - c["online_mem"][i] - c["batch_mem"][i],
    "batch_room_cpu": lambda c, i: c["batch_cap_cpu"][i] - c["batch_cpu"][i],
    "batch_room_mem": lambda c, i: c["batch_cap_mem"][i] - c["batch_mem"][i],
    "shared_room": lambda c, i: (
        c["core_millis"][i] - 1000.0 * c["excl_cores"][i] - c["shared_cpu"][i]
    ),
}


def refresh_rooms(t: Columns, i: int) -> None:
    """Derive row ``i``'s room columns again, after a change of what the node offers."""
    for name, room in ROOMS.items():
        value = room(t.cols, i)
        t.w(name)[i] = value


@dataclass(frozen=True, slots=True)
class NodeRow:
    """A node as the cache needs it, parsed once from the protobuf."""

    name: str
    alloc_cpu: float = 0
    alloc_mem: float = 0
    cores: int = 0
    ready: bool = True
    cordoned: bool = False
    batch_cap_cpu: float = 0
    batch_cap_mem: float = 0
    usage_cpu: float = 0
    usage_mem: float = 0
    labels: tuple[tuple[str, str], ...] = ()
    taints: tuple[tuple[str, str, int], ...] = ()
    topology: tuple[str, str, str] = ("", "", "")  # host, chassis, core switch


class NodeTable:
    """Nodes as columns (``cols``), with ``index`` from a node's name to its row."""

    def __init__(self) -> None:
        self.cols = Columns(NODE_COLUMNS)
        self.index: dict[str, int] = {}
        self._names: list[str] = []
        self._rows: dict[str, NodeRow] = {}
        self._labels: dict[tuple[str, str], np.ndarray] = {}
        self._taint_bits: dict[tuple[str, str, int], int] = {}
        self._domain_ids: tuple[dict[str, int], ...] = ({}, {}, {})
        self._names_view: tuple[tuple[str, ...], MappingProxyType] | None = None
        self._fixed: dict[str, Any] | None = None  # view() but the columns, until a node changes

    def __len__(self) -> int:
        return len(self._rows)

    def name(self, i: int) -> str:
        return self._names[i]

    def upsert(self, row: NodeRow) -> None:
        """Write ``row`` into its node's row (a new one for a new node); labels, taints and
        topology are re-derived only when they changed."""
        i = self.index.get(row.name)
        if i is None:
            i = self.cols.grow()
            self.index[row.name] = i
            self._names.append(row.name)
            self._names_view = None
        old = self._rows.get(row.name)
        self._rows[row.name] = row
        self._fixed = None
        t = self.cols
        for col in ("alloc_cpu", "alloc_mem", "cores", "ready", "cordoned"):
            t.w(col)[i] = getattr(row, col)
        for col in ("batch_cap_cpu", "batch_cap_mem", "usage_cpu", "usage_mem"):
            t.w(col)[i] = getattr(row, col)
        t.w("present")[i] = True
        t.w("usable")[i] = row.ready and not row.cordoned
        t.w("core_millis")[i] = row.cores * 1000 if row.cores else row.alloc_cpu
        for col, value in (
            ("inv_alloc_cpu", row.alloc_cpu),
            ("inv_alloc_mem", row.alloc_mem),
            ("inv_batch_cpu", row.batch_cap_cpu),
            ("inv_batch_mem", row.batch_cap_mem),
        ):
            t.w(col)[i] = 1.0 / value if value > 0 else 0.0
        refresh_rooms(t, i)
        if old is None or old.labels != row.labels:
            self._set_labels(i, old.labels if old else (), row.labels)
        if old is None or old.taints != row.taints:
            hard = soft = 0
            for taint in row.taints:
                bit = 1 << self._taint_bit(taint)
                if taint[2] == SOFT_EFFECT:
                    soft |= bit
                else:
                    hard |= bit
            t.w("taints_hard")[i] = np.uint64(hard)
            t.w("taints_soft")[i] = np.uint64(soft)
        if old is None or old.topology != row.topology:
            for level, col in enumerate(("dom_host", "dom_chassis", "dom_core_switch")):
                name = row.topology[level] or (row.name if level == 0 else "")
                ids = self._domain_ids[level]
                t.w(col)[i] = ids.setdefault(name, len(ids))

    def remove(self, name: str) -> int | None:
        """Clear ``name``'s row so nothing lands there; its row, or None for an unknown node."""
        i = self.index.get(name)
        if i is None or name not in self._rows:
            return None
        row = self._rows.pop(name)
        self._fixed = None
        self._set_labels(i, row.labels, ())
        for col in ("present", "ready", "usable", "alloc_cpu", "alloc_mem", "batch_cap_cpu"):
            self.cols.w(col)[i] = 0
        for col in (
            "batch_cap_mem",
            "core_millis",
            "inv_alloc_cpu",
            "inv_alloc_mem",
            "inv_batch_cpu",
            "inv_batch_mem",
        ):
            self.cols.w(col)[i] = 0
        refresh_rooms(self.cols, i)
        return i

    def view(self) -> dict[str, Any]:
        """The node side of a ``Snapshot``, as its fields. All but the columns change only with
        a node, not with a placement, so they are built once per change of a node."""
        if self._fixed is None:
            n = self.cols.size
            labels = {}
            for pair, mask in self._labels.items():
                if len(mask) < n:  # a mask made before the newest nodes came
                    mask = np.concatenate([mask, np.zeros(n - len(mask), bool)])
                    self._labels[pair] = mask
                labels[pair] = mask[:n]
            if self._names_view is None:  # only a new node changes it: kept apart, it is big
                self._names_view = (tuple(self._names), MappingProxyType(dict(self.index)))
            self._fixed = {
                "n": n,
                "names": self._names_view[0],
                "index": self._names_view[1],
                "labels": MappingProxyType(labels),
                "taint_bits": MappingProxyType(dict(self._taint_bits)),
                "domains": tuple(len(ids) for ids in self._domain_ids),
            }
        return {"cols": self.cols.view(), **self._fixed}

    def _set_labels(self, i: int, old: tuple, new: tuple) -> None:
        for pair in set(old) - set(new):
            self._labels[pair] = self._labels[pair].copy()
            self._labels[pair][i] = False
        for pair in set(new) - set(old):
            mask = np.zeros(max(self.cols.size, 1), dtype=np.bool_)
            prev = self._labels.get(pair)
            if prev is not None:
                mask[: len(prev)] = prev
            mask[i] = True
            self._labels[pair] = mask

    def _taint_bit(self, taint: tuple[str, str, int]) -> int:
        bits = self._taint_bits
        if taint not in bits:
            if len(bits) >= 64:
                raise ValueError("more than 64 distinct taints in the cluster")
            bits[taint] = len(bits)
        return bits[taint]
