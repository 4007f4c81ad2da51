"""The pending arbiter's nodes, kept as ``victims.Rooms`` rows from one tick to the next.

A tick plans for every due pending pod over every node. Rebuilding the rows, the admit masks
and the staleness of each node's report on every tick cost more than the plans on a large
cluster, and almost none of it changes between two ticks: a node's row changes when one of its
pods, its report or the node does, a pod's admit mask when a node's labels, taints or
readiness do. So the table keeps one row per node (in name order) and is told what changed:

- ``put``: a node measured again (its room and the time of the report it was measured from);
- ``drop``: a node whose report went stale or missing (its row no longer counts);
- ``forget_admits``: a node's labels, taints or readiness changed (every mask is rebuilt);
- a changed set of nodes: a new table (rows carried over by name).

What a tick's plans take (``take``) is given back at the next tick's ``restore``: until the
evictions show in the node's pods, the room as measured is what the node holds.

``state`` names what a plan reads of the table (rows, admit masks, which rows are valid): a
pod no plan could help stays so until it moves, so the arbiter does not plan for it again.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Hashable, Iterable

import numpy as np

from sigma.colocator.arbitration.victims import NodeRoom, Plan, Rooms
from sigma.colocator.capacity.formula import ZERO

_TABLES = itertools.count(1)


def empty(name: str) -> NodeRoom:
    """The row of a node not measured (no fresh report): never valid, so never planned on."""
    return NodeRoom(name, ZERO, ZERO, ())


class NodeTable:
    """One row per node, valid while its report is fresh; admit masks cached per pod shape."""

    def __init__(self, names: Iterable[str], held: dict[str, tuple[float, NodeRoom]]) -> None:
        self.names = sorted(names)
        kept = [held.get(n) for n in self.names]
        self.rooms = Rooms([k[1] if k else empty(n) for n, k in zip(self.names, kept, strict=True)])
        # the time of the report each row was measured from; -inf: not measured (never valid)
        self.at = np.array([k[0] if k else -np.inf for k in kept], dtype=np.float64)
        self.held = held  # name -> (report time, room) as measured, without takes (shared)
        self.admits: dict[Hashable, np.ndarray] = {}
        self.taken: set[int] = set()
        self.serial = next(_TABLES)  # a new table is a new state, whatever its rows
        self.version = 0  # moves with every change a plan could see
        self._valid: np.ndarray | None = None

    @property
    def state(self) -> tuple[int, int]:
        """Equal between two plans only if nothing they read of the table changed between."""
        return self.serial, self.version

    def put(self, name: str, at: float, room: NodeRoom) -> None:
        """The node measured again from the report of time ``at``."""
        self.held[name] = (at, room)
        i = self.rooms.index.get(name)
        if i is not None:
            self.version += 1
            self.rooms.put(i, room)
            self.at[i] = at
            self.taken.discard(i)

    def drop(self, name: str) -> None:
        """The node has no fresh report: its row is not planned on until measured again."""
        self.held.pop(name, None)
        i = self.rooms.index.get(name)
        if i is not None:
            self.version += 1
            self.rooms.put(i, empty(name))
            self.at[i] = -np.inf
            self.taken.discard(i)

    def restore(self) -> None:
        """Give back what the last tick's plans took: the rows as measured."""
        for i in self.taken:
            self.version += 1
            self.rooms.put(i, self.held[self.names[i]][1])
        self.taken.clear()

    def take(self, plan: Plan) -> None:
        """``Rooms.take``, remembered for ``restore``."""
        self.version += 1
        self.rooms.take(plan)
        self.taken.add(self.rooms.index[plan.node])

    def valid(self, now: float, stale_after: float) -> np.ndarray:
        """The rows measured from a report no older than ``stale_after`` at ``now``."""
        valid = ~(now - self.at > stale_after)
        if self._valid is None or not np.array_equal(valid, self._valid):
            self.version += 1
            self._valid = valid
        return valid

    def admitted(self, shape: Hashable, admits: Callable[[str], bool]) -> np.ndarray:
        """The mask of nodes ``admits`` (by name) for pods of ``shape``, built once per shape."""
        mask = self.admits.get(shape)
        if mask is None:
            mask = np.array([admits(n) for n in self.names], dtype=np.bool_)
            self.admits[shape] = mask
        return mask

    def forget_admits(self) -> None:
        """A node's labels, taints or readiness changed: every shape's mask is built again."""
        self.version += 1
        self.admits.clear()
