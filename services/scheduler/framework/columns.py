"""The cache's tables: NumPy columns with spare capacity and copy-on-write views.

A snapshot holds read-only views of the columns; the cache keeps writing. A column a view
shares is copied before its first write after the view was handed out, so a placement costs a
copy of the one or two columns it touches, not of the whole table, and a snapshot never moves.

The copy is skipped when nobody but the table can see the column any more: the snapshot that
got the view is gone (the usual case: an attempt takes a snapshot, decides, drops it, and
the cache then counts the placement). That is told by reference counts, as NumPy's own
``ndarray.resize`` tells that an array is not shared: the column, the view the table keeps and
the mapping of views last handed out must be referenced by the table alone. Anything else
holding any of them (a live snapshot, a slice kept by someone) makes a count higher and the
column is copied as before, so a view handed out never changes under its holder. Without the
check a placement at 20,000 nodes would copy 160 kB per column it touches.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field

import numpy as np


@dataclass(slots=True)
class Columns:
    """Columns with spare capacity, grown by doubling, copied before a write while shared."""

    spec: dict[str, type]
    size: int = 0
    cols: dict[str, np.ndarray] = field(default_factory=dict)
    shared: set[str] = field(default_factory=set)
    views: dict[str, np.ndarray] = field(default_factory=dict)
    viewed: int = 0  # rows the views handed out cover; rows past them are nobody's yet
    stale: set[str] = field(default_factory=set)  # columns written since their view was made
    handed: dict[str, np.ndarray] = field(default_factory=dict)  # the last view() returned

    def __post_init__(self) -> None:
        self.cols = {k: np.zeros(64, dtype=t) for k, t in self.spec.items()}

    def add(self, name: str, values: np.ndarray) -> None:
        """A column added after the table was made (one row of ``values`` per row of
        capacity, of any shape past the first axis): every later view carries it."""
        assert len(values) == len(next(iter(self.cols.values())))
        self.cols[name] = values

    def grow(self) -> int:
        row = self.size
        if row == len(next(iter(self.cols.values()))):
            self.cols = {k: np.concatenate([v, np.zeros_like(v)]) for k, v in self.cols.items()}
            self.shared.clear()
            self.views.clear()  # every view is rebuilt at the next view(): their length differs
        self.size += 1
        return row

    def w(self, name: str, row: int = -1) -> np.ndarray:
        """The column ``name``, safe to write in place (at ``row``, when given: a row no view
        covers, as a newly grown one, needs no copy)."""
        if row >= self.viewed:
            return self.cols[name]
        if name not in self.shared:
            self.stale.add(name)  # its view, if any, is of an older copy
        elif self._seen(name):
            self.cols[name] = self.cols[name].copy()
            self.shared.discard(name)
            self.stale.add(name)
        # else: written in place; the view the table keeps shows the write, and nobody else
        # holds it
        return self.cols[name]

    def _seen(self, name: str) -> bool:
        """Whether anything outside the table may see column ``name`` (see the module's
        docstring). The counts below are the table's own references, this frame's local
        names and ``getrefcount``'s argument."""
        col, view = self.cols[name], self.views.get(name)
        if view is None or view.base is not col:
            return True
        if sys.getrefcount(col) != 4:  # cols, the view's base, ``col``, the argument
            return True
        handed = self.handed.get(name) is view
        # views, ``view``, the argument, and the mapping last handed out when it has it
        if sys.getrefcount(view) != 3 + handed:
            return True
        return handed and sys.getrefcount(self.handed) != 2  # the table's, the argument

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
