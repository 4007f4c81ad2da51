"""Restart back-off, one entry per container, after the kubelet's ``flowcontrol.Backoff``.

A container that exits waits before its restart: 1 s after its first exit, then twice as long
after each exit that follows a short run, up to 5 minutes; a run of 10 minutes or more proves
the container healthy again and the wait starts over at 1 s. The entry is keyed by the pod's
uid and the container's name and remembers which run it was computed for, so asking twice
about the same exit gives the same answer: the agent's pure reconcile may ask on every pass.
Entries live in memory: a restarted agent starts every container's back-off afresh, as the
kubelet does.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

Key = tuple[str, str]  # (pod uid, container name)


@dataclass(frozen=True, slots=True)
class _Entry:
    attempt: int  # the run whose exit this entry is about
    delay: float
    due: float  # wall-clock seconds


class Backoff:
    def __init__(self, initial: float = 1.0, cap: float = 300.0, reset_after: float = 600.0):
        self.initial = initial
        self.cap = cap
        self.reset_after = reset_after
        self._entries: dict[Key, _Entry] = {}

    def due(self, key: Key, attempt: int, started_at: float, finished_at: float) -> float:
        """When the run ``attempt`` that ran from ``started_at`` to ``finished_at`` may restart."""
        entry = self._entries.get(key)
        if entry is not None and entry.attempt == attempt:
            return entry.due
        healthy = finished_at - started_at >= self.reset_after
        delay = self.initial if entry is None or healthy else min(entry.delay * 2, self.cap)
        self._entries[key] = _Entry(attempt, delay, finished_at + delay)
        return finished_at + delay

    def keep_only(self, uids: Iterable[str]) -> None:
        """Forget the entries of pods no longer on this node."""
        alive = set(uids)
        for key in [k for k in self._entries if k[0] not in alive]:
            del self._entries[key]
