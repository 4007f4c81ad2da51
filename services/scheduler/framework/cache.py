"""The scheduler's picture of the cluster: nodes, and the pods placed or about to be placed.

A placement is *assumed* the moment the scheduler decides it, so the next attempt already sees
the room taken, and *confirmed* when the node's allocation record in the store lists it; a
failed binding *forgets* it. ``snapshot()`` hands out an immutable view; the cache copies an
array before writing to it while a snapshot holds it (copy-on-write), which costs a copy of
the one or two columns a placement touches, not of the whole table.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field, replace
from types import MappingProxyType

import numpy as np

from sigma.scheduler.framework.snapshot import NODE_COLUMNS, POD_COLUMNS, Snapshot
from sigma.scheduler.framework.types import PodInfo

HARD_EFFECTS = (1, 3)  # NO_SCHEDULE, NO_EXECUTE
SOFT_EFFECT = 2  # PREFER_NO_SCHEDULE


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


@dataclass(slots=True)
class _Placed:
    pod: PodInfo
    node: int
    row: int  # in the pod table
    assumed: bool


@dataclass(slots=True)
class _Table:
    """Columns with spare capacity, grown by doubling, copied before a write while shared."""

    spec: dict[str, type]
    size: int = 0
    cols: dict[str, np.ndarray] = field(default_factory=dict)
    shared: set[str] = field(default_factory=set)

    def __post_init__(self) -> None:
        self.cols = {k: np.zeros(64, dtype=t) for k, t in self.spec.items()}

    def grow(self) -> int:
        row = self.size
        if row == len(next(iter(self.cols.values()))):
            self.cols = {k: np.concatenate([v, np.zeros_like(v)]) for k, v in self.cols.items()}
            self.shared.clear()
            self.views.clear()  # every view is rebuilt at the next view(): their length differs
        self.size += 1
        return row

    views: dict[str, np.ndarray] = field(default_factory=dict)
    viewed: int = 0  # rows the views handed out cover; rows past them are nobody's yet
    stale: set[str] = field(default_factory=set)  # columns written since their view was made
    handed: dict[str, np.ndarray] = field(default_factory=dict)  # the last view() returned

    def w(self, name: str, row: int = -1) -> np.ndarray:
        """The column ``name``, safe to write in place (at ``row``, when given: a row no view
        covers, as a newly grown one, needs no copy)."""
        if row >= self.viewed:
            return self.cols[name]
        if name in self.shared:
            self.cols[name] = self.cols[name].copy()
            self.shared.discard(name)
        self.stale.add(name)
        return self.cols[name]

    def view(self) -> dict[str, np.ndarray]:
        """Read-only views of every column; a view is made again only after a write to it
        (or after the table grew), and the mapping is the same object while nothing changed."""
        self.shared.update(self.cols)
        if self.viewed != self.size or len(self.views) != len(self.cols):
            self.stale.update(self.cols)
            self.viewed = self.size
        if self.stale:
            for k in self.stale:
                view = self.views[k] = self.cols[k][: self.size]
                view.flags.writeable = False
            self.stale.clear()
            self.handed = dict(self.views)
        return self.handed


class Cache:
    """Nodes and placements; single-threaded (the scheduler's event loop owns it)."""

    def __init__(self) -> None:
        self._nodes = _Table(NODE_COLUMNS)
        self._pods = _Table(POD_COLUMNS)
        self._names: list[str] = []
        self._index: dict[str, int] = {}
        self._rows: dict[str, NodeRow] = {}
        self._placed: dict[str, _Placed] = {}
        self._on_node: list[set[str]] = []
        self._pod_keys: list[str] = []
        self._dead_pod_rows = 0
        self._labels: dict[tuple[str, str], np.ndarray] = {}
        self._taint_bits: dict[tuple[str, str, int], int] = {}
        self._domain_ids: tuple[dict[str, int], ...] = ({}, {}, {})
        self._apps: dict[str, dict[str, int]] = {}
        self._app_arrays: dict[str, np.ndarray] = {}
        self._apps_shared = False
        self._names_view: tuple[tuple[str, ...], MappingProxyType] | None = None
        self.generation = 0
        self._snap: Snapshot | None = None

    # -- nodes --------------------------------------------------------------------------------
    def upsert_node(self, row: NodeRow) -> None:
        i = self._index.get(row.name)
        if i is None:
            i = self._nodes.grow()
            self._index[row.name] = i
            self._names.append(row.name)
            self._on_node.append(set())
            self._names_view = None
        old = self._rows.get(row.name)
        self._rows[row.name] = row
        t = self._nodes
        for col in ("alloc_cpu", "alloc_mem", "cores", "ready", "cordoned"):
            t.w(col)[i] = getattr(row, col)
        for col in ("batch_cap_cpu", "batch_cap_mem", "usage_cpu", "usage_mem"):
            t.w(col)[i] = getattr(row, col)
        t.w("present")[i] = True
        t.w("core_millis")[i] = row.cores * 1000 if row.cores else row.alloc_cpu
        for col, value in (
            ("inv_alloc_cpu", row.alloc_cpu),
            ("inv_alloc_mem", row.alloc_mem),
            ("inv_batch_cpu", row.batch_cap_cpu),
            ("inv_batch_mem", row.batch_cap_mem),
        ):
            t.w(col)[i] = 1.0 / value if value > 0 else 0.0
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
        self._touch()

    def remove_node(self, name: str) -> None:
        i = self._index.get(name)
        if i is None or name not in self._rows:
            return
        row = self._rows.pop(name)
        self._set_labels(i, row.labels, ())
        for col in ("present", "ready", "alloc_cpu", "alloc_mem", "batch_cap_cpu", "batch_cap_mem"):
            self._nodes.w(col)[i] = 0
        for col in (
            "core_millis",
            "inv_alloc_cpu",
            "inv_alloc_mem",
            "inv_batch_cpu",
            "inv_batch_mem",
        ):
            self._nodes.w(col)[i] = 0
        for key in list(self._on_node[i]):
            self._unplace(key)
        self._touch()

    def _set_labels(self, i: int, old: tuple, new: tuple) -> None:
        for pair in set(old) - set(new):
            self._labels[pair] = self._labels[pair].copy()
            self._labels[pair][i] = False
        for pair in set(new) - set(old):
            mask = np.zeros(max(self._nodes.size, 1), dtype=np.bool_)
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

    # -- pods ---------------------------------------------------------------------------------
    def assume(self, pod: PodInfo, node: str) -> None:
        """Count ``pod`` on ``node`` now, before the binding is committed."""
        self._place(pod, self._index[node], assumed=True)

    def forget(self, pod_key: str) -> None:
        """Undo an assumption whose binding failed; a confirmed placement stays."""
        placed = self._placed.get(pod_key)
        if placed is not None and placed.assumed:
            self._unplace(pod_key)

    def remove_pod(self, pod_key: str) -> None:
        if pod_key in self._placed:
            self._unplace(pod_key)

    def note_pod(self, pod: PodInfo) -> None:
        """Learn a placed pod's app (allocation records do not carry it)."""
        placed = self._placed.get(pod.key)
        if placed is not None and placed.pod.app != pod.app:
            node, assumed = placed.node, placed.assumed
            self._unplace(pod.key)
            self._place(pod, node, assumed)

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
        i = self._index.get(node)
        if i is None:
            return False
        gone = [k for k in self._on_node[i] if k not in keys and not self._placed[k].assumed]
        for key in gone:
            self._unplace(key)
        for key in keys:
            placed = self._placed.get(key)
            if placed is not None and placed.node == i:
                placed.assumed = False
                continue
            pod = info(key)
            if placed is not None:
                self._unplace(key)
            known = pod if pod.app or placed is None else replace(pod, app=placed.pod.app)
            self._place(known, i, assumed=False)
        return bool(gone)

    def placed_on(self, pod_key: str) -> str | None:
        placed = self._placed.get(pod_key)
        return self._names[placed.node] if placed else None

    def app_of(self, pod_key: str) -> str | None:
        """The App the cache counts a placed pod in ("" none; None: the pod is not placed)."""
        placed = self._placed.get(pod_key)
        return placed.pod.app if placed else None

    def is_assumed(self, pod_key: str) -> bool:
        placed = self._placed.get(pod_key)
        return bool(placed and placed.assumed)

    def _place(self, pod: PodInfo, i: int, assumed: bool) -> None:
        if pod.key in self._placed:
            self._unplace(pod.key)
        row = self._new_pod_row(pod.key)
        self._placed[pod.key] = _Placed(pod, i, row, assumed)
        self._on_node[i].add(pod.key)
        self._account(pod, i, row, +1)

    def _new_pod_row(self, key: str) -> int:
        """Rows are append-only, so a snapshot's view of keys never changes under it; dead
        rows are squeezed out once they are the majority."""
        if self._dead_pod_rows > max(4096, self._pods.size // 2):
            self._compact_pods()
        self._pod_keys.append(key)
        return self._pods.grow()

    def _compact_pods(self) -> None:
        old = self._pods
        fresh = _Table(POD_COLUMNS)
        keys: list[str] = []
        for key, placed in self._placed.items():
            row = fresh.grow()
            for col, values in old.cols.items():
                fresh.cols[col][row] = values[placed.row]
            placed.row = row
            keys.append(key)
        self._pods, self._pod_keys, self._dead_pod_rows = fresh, keys, 0

    def _unplace(self, pod_key: str) -> None:
        placed = self._placed.pop(pod_key)
        self._on_node[placed.node].discard(pod_key)
        self._account(placed.pod, placed.node, placed.row, -1)
        self._dead_pod_rows += 1

    def _account(self, pod: PodInfo, i: int, row: int, sign: int) -> None:
        t = self._nodes
        prefix = "batch" if pod.batch else "online"
        t.w(f"{prefix}_cpu")[i] += sign * pod.cpu
        t.w(f"{prefix}_mem")[i] += sign * pod.mem
        if pod.exclusive_cores:
            t.w("excl_cores")[i] += sign * pod.exclusive_cores
        elif not pod.batch:
            t.w("shared_cpu")[i] += sign * pod.cpu
        if pod.batch:
            t.w("batch_pods")[i] += sign
        p = self._pods
        p.w("live", row)[row] = sign > 0
        if sign > 0:
            for col, value in (
                ("node", i),
                ("priority", pod.priority),
                ("batch", pod.batch),
                ("cpu", pod.cpu),
                ("mem", pod.mem),
            ):
                p.w(col, row)[row] = value
        if pod.app:
            self._account_app(pod, i, sign)
        self._touch()

    def _account_app(self, pod: PodInfo, i: int, sign: int) -> None:
        if self._apps_shared:
            self._app_arrays = dict(self._app_arrays)
            self._apps_shared = False
        members = self._apps.setdefault(pod.app, {})
        if sign > 0:
            members[pod.key] = i
        else:
            members.pop(pod.key, None)
        if members:
            self._app_arrays[pod.app] = np.fromiter(members.values(), np.int32, len(members))
        else:
            self._apps.pop(pod.app, None)
            self._app_arrays.pop(pod.app, None)

    # -- views --------------------------------------------------------------------------------
    def _touch(self) -> None:
        self.generation += 1
        self._snap = None

    def snapshot(self) -> Snapshot:
        """The cluster now, immutable; the same object until the cache changes."""
        if self._snap is not None:
            return self._snap
        n = self._nodes.size
        labels = {}
        for pair, mask in self._labels.items():
            if len(mask) < n:
                mask = self._labels[pair] = np.concatenate([mask, np.zeros(n - len(mask), bool)])
            labels[pair] = mask[:n]
        self._apps_shared = True
        if self._names_view is None:
            self._names_view = (tuple(self._names), MappingProxyType(dict(self._index)))
        self._snap = Snapshot(
            n=n,
            names=self._names_view[0],
            index=self._names_view[1],
            cols=self._nodes.view(),
            pods=self._pods.view(),
            pod_keys=self._pod_keys,  # append-only: rows past this snapshot's size are unseen
            labels=labels,
            taint_bits=MappingProxyType(dict(self._taint_bits)),
            domains=tuple(len(ids) for ids in self._domain_ids),  # type: ignore[arg-type]
            apps=MappingProxyType(self._app_arrays),
            generation=self.generation,
        )
        return self._snap

    def __len__(self) -> int:
        return len(self._rows)
