"""How the cluster's capacity splits between online, batch, system and idle over a window.

The headline metric of co-location (average CPU used). Every sample in the interval counts with
its node's capacity as weight, so a big machine weighs more than a small one and a node that
reported twice as often does not.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from sigma.colocator.capacity.formula import Res, Sample


@dataclass(frozen=True, slots=True)
class Shares:
    online: float = 0.0
    batch: float = 0.0
    system: float = 0.0
    idle: float = 0.0


@dataclass(frozen=True, slots=True)
class Interval:
    start: float
    end: float
    cpu: Shares
    mem: Shares
    nodes: int
    capacity: Res


def _shares(parts: list[tuple[float, float, float, float]]) -> Shares:
    cap = sum(p[0] for p in parts)
    if cap <= 0:
        return Shares()
    online, batch, system = (sum(p[i] for p in parts) / cap for i in (1, 2, 3))
    return Shares(online, batch, system, max(0.0, 1.0 - online - batch - system))


def _means(samples: Sequence[Sample], resource: str) -> tuple[float, float, float]:
    """Mean online, batch and system use of ``resource`` ("cpu" or "mem") over ``samples``."""
    n = len(samples)
    online, batch, system = (
        sum(getattr(getattr(s, part), resource) for s in samples) / n
        for part in ("online", "batch", "system")
    )
    return online, batch, system


def interval(history: Mapping[str, Sequence[Sample]], start: float, end: float) -> Interval:
    """Shares over [start, end): per node the mean of its samples there, weighted by capacity."""
    cpu: list[tuple[float, float, float, float]] = []
    mem: list[tuple[float, float, float, float]] = []
    capacity = Res()
    for samples in history.values():
        inside = [s for s in samples if start <= s.at < end]
        if not inside:
            continue
        cap = inside[-1].capacity
        capacity = capacity + cap
        cpu.append((cap.cpu, *_means(inside, "cpu")))
        mem.append((cap.mem, *_means(inside, "mem")))
    return Interval(start, end, _shares(cpu), _shares(mem), len(cpu), capacity)


def series(
    history: Mapping[str, Sequence[Sample]], start: float, end: float, step: float
) -> list[Interval]:
    """One interval per ``step`` from ``start`` (the last ends at ``end``), oldest first.

    An end a hair past a whole number of steps (a half-open window made to include "now") does
    not open an extra, empty interval.
    """
    if step <= 0 or end <= start:
        return []
    count = max(1, math.ceil((end - start) / step - 1e-6))
    edges = [start + k * step for k in range(count)] + [end]
    return [interval(history, a, b) for a, b in itertools.pairwise(edges)]
