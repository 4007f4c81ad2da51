"""The cache's pods: every placed or assumed pod, its row in the pod table, and what it uses.

Placing a pod adds its requests to its node's columns (online or batch, shared pool or whole
cores) and its row to the pod table that preemption sums per node; unplacing takes them off
again. Once a pod carrying a daily CPU curve is placed, each node's online CPU is also kept
slot by slot (``CURVE``, with its peak in ``CURVE_PEAK``): such a pod adds its curve, every
other online pod its request at every slot, so time-aware fit sees all the CPU promised on
the node. Curves have ``sigma.resources.curves.SLOTS`` slots. A cluster with no curve never
pays for the columns.

Pod rows are append-only, so a snapshot's view of the pod keys never changes under it; dead
rows are squeezed out once they are the majority. An App's placed pods are kept as an array
of node rows, rebuilt for that App only when one of its pods moves.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import numpy as np

from sigma.resources.curves import SLOTS
from sigma.scheduler.framework.columns import Columns
from sigma.scheduler.framework.snapshot import POD_COLUMNS, CurveColumn
from sigma.scheduler.framework.types import PodInfo

CURVE, CURVE_PEAK = "cpu_curve", "cpu_curve_peak"  # node columns (n, T) and (n,)


def curve_columns(cols: Mapping[str, np.ndarray]) -> Mapping[str, CurveColumn]:
    """The snapshot's time-aware resources from the node columns: CPU against allocatable.
    Before any pod carried a curve, every node's is its online requests at every slot
    (``FlatCurves``)."""
    if CURVE in cols:
        return {"cpu": CurveColumn(cols["alloc_cpu"], cols[CURVE], cols[CURVE_PEAK])}
    return FlatCurves(cols)


class FlatCurves(Mapping[str, CurveColumn]):
    """The CPU curves of a cluster where no pod carries one: each node's online requests at
    every slot, a read-only broadcast of that column made only when a pod with a curve asks
    (a snapshot of pods without curves never pays for it)."""

    __slots__ = ("_cols", "_made")

    def __init__(self, cols: Mapping[str, np.ndarray]) -> None:
        self._cols = cols
        self._made: CurveColumn | None = None

    def __getitem__(self, name: str) -> CurveColumn:
        if name != "cpu":
            raise KeyError(name)
        if self._made is None:
            flat = self._cols["online_cpu"]
            used = np.broadcast_to(flat[:, None], (len(flat), SLOTS))
            self._made = CurveColumn(self._cols["alloc_cpu"], used, flat)
        return self._made

    def __contains__(self, name: object) -> bool:
        return name == "cpu"

    def __iter__(self) -> Iterator[str]:
        return iter(("cpu",))

    def __len__(self) -> int:
        return 1


@dataclass(slots=True)
class Placed:
    """Where a pod is counted, and whether its binding is still in flight (``assumed``)."""

    pod: PodInfo
    node: int
    row: int  # in the pod table
    assumed: bool


class Placements:
    """Pods on nodes. ``nodes`` are the node table's columns, which placements account in;
    ``on_change`` is called at every change, so the owner drops its snapshot."""

    def __init__(self, nodes: Columns, on_change: Callable[[], None]) -> None:
        self._nodes = nodes
        self._on_change = on_change
        self._table = Columns(POD_COLUMNS)
        self._keys: list[str] = []  # pod table row → pod key
        self._dead_rows = 0
        # pod key → placement; others only read it (a confirmation clears ``assumed``)
        self.placed: dict[str, Placed] = {}
        self._on_node: defaultdict[int, set[str]] = defaultdict(set)
        self._apps: dict[str, dict[str, int]] = {}
        self._app_arrays: dict[str, np.ndarray] = {}
        self._apps_shared = False

    def on_node(self, i: int) -> set[str]:
        """The keys of the pods on node row ``i`` (live: copy before unplacing while iterating)."""
        return self._on_node[i]

    def of_app(self, app: str) -> list[str]:
        """The keys of ``app``'s placed pods."""
        return list(self._apps.get(app, ()))

    def place(self, pod: PodInfo, i: int, assumed: bool) -> None:
        if pod.key in self.placed:
            self.unplace(pod.key)
        row = self._new_row(pod.key)
        self.placed[pod.key] = Placed(pod, i, row, assumed)
        self._on_node[i].add(pod.key)
        self._account(pod, i, row, +1)

    def unplace(self, pod_key: str) -> None:
        placed = self.placed.pop(pod_key)
        self._on_node[placed.node].discard(pod_key)
        self._account(placed.pod, placed.node, placed.row, -1)
        self._dead_rows += 1

    def view(self) -> dict[str, Any]:
        """The pod side of a ``Snapshot``, as its fields."""
        self._apps_shared = True
        return {
            "pods": self._table.view(),
            "pod_keys": self._keys,  # append-only: rows past this snapshot's size are unseen
            "apps": MappingProxyType(self._app_arrays),
        }

    def _new_row(self, key: str) -> int:
        """A fresh row at the end of the pod table; squeezes dead rows out first when they are
        the majority (the keys a snapshot holds are then another list, so it does not move)."""
        if self._dead_rows > max(4096, self._table.size // 2):
            self._compact()
        self._keys.append(key)
        return self._table.grow()

    def _compact(self) -> None:
        old = self._table
        fresh = Columns(POD_COLUMNS)
        keys: list[str] = []
        for key, placed in self.placed.items():
            row = fresh.grow()
            for col, values in old.cols.items():
                fresh.cols[col][row] = values[placed.row]
            placed.row = row
            keys.append(key)
        self._table, self._keys, self._dead_rows = fresh, keys, 0

    def _account(self, pod: PodInfo, i: int, row: int, sign: int) -> None:
        # First: the owner drops its snapshot, so a column nobody else sees is written in
        # place rather than copied (``columns``).
        self._on_change()
        t = self._nodes
        if not pod.batch and (pod.timed_cpu or CURVE in t.cols):
            self._account_curve(pod, i, sign)  # before online_cpu counts the pod
        cpu, mem = sign * pod.cpu, sign * pod.mem
        # What the pod takes, and the room columns (``nodes.ROOMS``) less the same.
        if pod.batch:
            for col, value in (("batch_cpu", cpu), ("batch_mem", mem), ("batch_pods", sign)):
                t.w(col)[i] += value
            for col, value in (("batch_room_cpu", cpu), ("batch_room_mem", mem), ("room_mem", mem)):
                t.w(col)[i] -= value
        else:
            take = sign * pod.exclusive_cores
            pool = ("excl_cores", take) if take else ("shared_cpu", cpu)
            for col, value in (("online_cpu", cpu), ("online_mem", mem), pool):
                t.w(col)[i] += value
            shared = 1000.0 * take if take else cpu
            for col, value in (("room_cpu", cpu), ("room_mem", mem), ("shared_room", shared)):
                t.w(col)[i] -= value
        p = self._table
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

    def _account_curve(self, pod: PodInfo, i: int, sign: int) -> None:
        """One row of the curve columns: the pod's curve, or its request at every slot.
        Curves and requests are whole millicores, so taking a pod off restores the row
        exactly."""
        t = self._nodes
        if CURVE not in t.cols:  # the first curve: every online pod so far by its request
            flat = t.cols["online_cpu"]
            t.add(CURVE, np.repeat(flat[:, None], SLOTS, axis=1))
            t.add(CURVE_PEAK, flat.copy())
        row, peak = t.w(CURVE)[i], t.w(CURVE_PEAK)  # the row: a view, written in place
        if pod.timed_cpu:
            curve = pod.usage.curves["cpu"]  # type: ignore[union-attr]
            if sign > 0:
                row += curve
            else:
                row -= curve
            peak[i] = row.max()
        else:
            row += sign * pod.cpu
            peak[i] += sign * pod.cpu

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
