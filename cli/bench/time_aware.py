"""``sigma bench scheduler --time-aware``: the same pods carrying daily CPU curves.

Each App (a bare pod: each pod) gets a daily load peaking at one hour of the day, the hour
picked from its name so Apps peak at different hours; its LS pods carry their request times
that load (``sigma.resources.curves``), so ``TimeAwareFit`` and ``ConvexCost`` work on every
attempt, as in the live scheduler. The curves are made once per hour and request, before
the clock runs. Afterwards every node's summed curves are recounted against its CPU.
"""

from __future__ import annotations

import functools
import zlib
from collections.abc import Callable, Iterator
from dataclasses import replace

import numpy as np

from sigma.resources.curves import SLOTS, carries_curve, cpu_curve
from sigma.scheduler.framework import Cache, PodInfo
from sigma.scheduler.framework.types import Usage

HOURS = 24
LOW = 0.3  # the load far from the peak, as a share of it


@functools.cache
def daily_load(hour: int) -> np.ndarray:
    """A load of 1 at ``hour`` falling to ``LOW`` twelve hours away (a cosine bump)."""
    t = (np.arange(SLOTS) + 0.5) * HOURS / SLOTS
    away = np.minimum(np.abs(t - hour - 0.5), HOURS - np.abs(t - hour - 0.5)) / (HOURS / 2)
    return LOW + (1.0 - LOW) * (1.0 + np.cos(np.pi * away)) / 2.0


@functools.cache
def usage(hour: int, cpu: int) -> Usage:
    return Usage({"cpu": cpu_curve(daily_load(hour), cpu)})


def peak_hour(pod: PodInfo) -> int:
    return zlib.crc32((pod.app or pod.key).encode()) % HOURS


def with_curves(
    pods: Callable[[int], Iterator[PodInfo]],
) -> Callable[[int], Iterator[PodInfo]]:
    """``pods``, each LS pod carrying its App's curve."""

    def timed(n: int) -> Iterator[PodInfo]:  # every pod made now, before the clock runs
        made = [
            replace(p, usage=usage(peak_hour(p), p.cpu)) if carries_curve(p.qos, p.cpu) else p
            for p in pods(n)
        ]
        return iter(made)

    return timed


def curve_overflows(cache: Cache) -> int:
    """Nodes whose summed curves exceed their CPU at some slot."""
    col = cache.snapshot().curves["cpu"]
    return int((col.used > col.capacity[:, None]).any(axis=1).sum())
