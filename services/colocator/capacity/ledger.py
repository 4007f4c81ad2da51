"""The reclaim ledger and the short histories the colocator keeps in memory.

Users of co-location most often ask why their batch capacity dropped; the ledger answers with
every change of a node's figure and the terms that made it. It is bounded per node (a short
time series, not an archive): the decision stream on the bus is the durable record.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterator
from dataclasses import dataclass

from sigma.colocator.capacity.formula import Res, Sample, Terms


@dataclass(frozen=True, slots=True)
class Change:
    """One change of a node's batch capacity."""

    node: str
    at: float  # wall-clock seconds
    terms: Terms
    previous: Res
    reason: str
    sampled_at: float = 0.0


class Ledger:
    """Per node, the last ``limit`` changes, oldest first."""

    def __init__(self, limit: int = 256) -> None:
        self.limit = limit
        self._by_node: dict[str, deque[Change]] = {}

    def record(self, change: Change) -> None:
        self._by_node.setdefault(change.node, deque(maxlen=self.limit)).append(change)

    def latest(self, node: str) -> Change | None:
        series = self._by_node.get(node)
        return series[-1] if series else None

    def explain(self, node: str, since: float = 0.0, limit: int = 0) -> list[Change]:
        """Newest first, at or after ``since``, at most ``limit`` (0: all kept)."""
        out = [c for c in reversed(self._by_node.get(node, ())) if c.at >= since]
        return out[:limit] if limit > 0 else out

    def nodes(self) -> Iterator[str]:
        return iter(self._by_node)

    def forget(self, node: str) -> None:
        self._by_node.pop(node, None)


class History:
    """Per node, usage samples of the last ``keep`` seconds (by sample time), oldest first."""

    def __init__(self, keep: float) -> None:
        self.keep = keep
        self._by_node: dict[str, deque[Sample]] = {}

    def add(self, node: str, sample: Sample) -> bool:
        """Append; False (and nothing kept) for a sample not newer than the last one."""
        series = self._by_node.setdefault(node, deque())
        if series and sample.at <= series[-1].at:
            return False  # redelivered or out of order: at-least-once delivery
        series.append(sample)
        while series and series[0].at < sample.at - self.keep:
            series.popleft()
        return True

    def samples(self, node: str) -> list[Sample]:
        return list(self._by_node.get(node, ()))

    def all(self) -> dict[str, list[Sample]]:
        return {node: list(series) for node, series in self._by_node.items()}

    def forget(self, node: str) -> None:
        self._by_node.pop(node, None)
