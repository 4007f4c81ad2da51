"""Elastic time-sharing: learn an app's daily load curve and size it ahead of time.

A profile is the load per time-of-day slot (UTC), relative to the daily peak (1.0 needs
spec.replicas). Given one, ``plan`` asks for the replicas the highest load of the coming lead
window needs, with headroom, clamped between the floor and spec.replicas. Looking at the whole
lead window does both halves of the job with one rule: replicas come back a lead time before a
ramp (the ramp is inside the window), and go only once the trough covers the whole window.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sigma.colocator.capacity.formula import percentile

DAY = 86400


@dataclass(frozen=True, slots=True)
class Profile:
    slot_seconds: int
    load: tuple[float, ...]

    def at(self, wall: float) -> float:
        """Relative load of the slot holding wall-clock time ``wall`` (1.0 when unknown)."""
        if not self.load or self.slot_seconds <= 0:
            return 1.0
        return self.load[int(wall % DAY) // self.slot_seconds % len(self.load)]

    def peak(self, start: float, seconds: float) -> float:
        """The highest load of any slot touched by [start, start + seconds]."""
        step = max(1, self.slot_seconds)
        marks = [start + k * step for k in range(int(seconds // step) + 1)] + [start + seconds]
        return max(self.at(t) for t in marks)


def learn(
    observations: Iterable[tuple[float, float]], slot_seconds: int, q: float = 0.9
) -> Profile:
    """A profile from (wall time, absolute load) pairs: per slot the q-th percentile, / peak.

    Slots never observed get 1.0: without evidence of a trough there is none to exploit.
    """
    slots = DAY // slot_seconds
    seen: list[list[int]] = [[] for _ in range(slots)]
    for wall, load in observations:
        seen[int(wall % DAY) // slot_seconds].append(round(load * 1000))
    levels = [percentile(values, q) if values else None for values in seen]
    top = max((v for v in levels if v is not None), default=0)
    if top <= 0:
        return Profile(slot_seconds, tuple(1.0 for _ in range(slots)))
    return Profile(slot_seconds, tuple(1.0 if v is None else v / top for v in levels))


@dataclass(frozen=True, slots=True)
class Plan:
    replicas: int
    load: float  # the peak relative load of the lead window the count is sized for


def plan(
    profile: Profile, wall: float, replicas: int, floor: int, headroom: float, lead: float
) -> Plan:
    """Replicas for the coming ``lead`` seconds: ceil(peak load x replicas x (1 + headroom))."""
    load = profile.peak(wall, lead)
    floor = min(floor or replicas, replicas)
    need = math.ceil(round(load * replicas * (1 + headroom), 6))
    return Plan(max(floor, min(replicas, need)), load)


def decision_kind(current: int, wanted: int) -> tuple[str, str] | None:
    """("down", "Trough") / ("up", "PeakAhead") when the ask changes, None when it holds."""
    if wanted == current:
        return None
    return ("down", "Trough") if wanted < current else ("up", "PeakAhead")


def profile_of(slot_seconds: int, load: Sequence[float]) -> Profile | None:
    """A usable profile from a spec or status field, or None when it is empty or malformed."""
    if slot_seconds <= 0 or not load or slot_seconds * len(load) != DAY:
        return None
    return Profile(slot_seconds, tuple(load))
