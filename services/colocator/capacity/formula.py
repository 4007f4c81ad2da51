"""Batch capacity of one node: the formula, the online estimate, staleness and hysteresis.

Pure functions over plain values, no I/O, so every rule is tested by a table:

    result = capacity x threshold - online_estimate - system - reserve   (per resource, ≥ 0)

The online estimate is a high percentile of a recent window, not the last sample: online load is
bursty and batch placed on a dip would be squeezed by the next burst. Usage older than the
staleness limit counts for nothing (the node may be overloaded and we would not know), so the
capacity falls to zero. ``settle`` adds hysteresis: drops apply at once (online safety first),
rises only once they are worth a write and the last change has held for a while, so the figure
the scheduler reads does not flap with every sample.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Res:
    """CPU in thousandths of a core and memory in bytes."""

    cpu: int = 0
    mem: int = 0

    def __add__(self, other: Res) -> Res:
        return Res(self.cpu + other.cpu, self.mem + other.mem)

    def __sub__(self, other: Res) -> Res:
        return Res(self.cpu - other.cpu, self.mem - other.mem)

    def floor0(self) -> Res:
        return Res(max(0, self.cpu), max(0, self.mem))


ZERO = Res()


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Fraction of capacity the node may be filled to, per resource."""

    cpu: float
    mem: float


@dataclass(frozen=True, slots=True)
class Sample:
    """One usage report of a node, split by who used it. ``at`` is wall-clock seconds."""

    at: float
    capacity: Res
    online: Res
    batch: Res
    system: Res


@dataclass(frozen=True, slots=True)
class Terms:
    """The inputs and the result of one computation; what the ledger keeps."""

    capacity: Res
    thresholds: Thresholds
    online: Res
    system: Res
    reserve: Res
    result: Res


def percentile(values: Sequence[int], q: float) -> int:
    """Nearest-rank percentile (q in 0..1): an observed value, never an interpolation."""
    if not values:
        return 0
    ranked = sorted(values)
    rank = max(1, math.ceil(q * len(ranked)))
    return ranked[min(rank, len(ranked)) - 1]


def online_estimate(samples: Sequence[Sample], q: float) -> Res:
    """The q-th percentile of online usage over ``samples``, per resource."""
    return Res(
        percentile([s.online.cpu for s in samples], q),
        percentile([s.online.mem for s in samples], q),
    )


def compute(capacity: Res, thresholds: Thresholds, online: Res, system: Res, reserve: Res) -> Terms:
    """capacity x threshold - online - system - reserve, floored at zero per resource."""
    ceiling = Res(int(capacity.cpu * thresholds.cpu), int(capacity.mem * thresholds.mem))
    result = (ceiling - online - system - reserve).floor0()
    return Terms(capacity, thresholds, online, system, reserve, result)


@dataclass(frozen=True, slots=True)
class Policy:
    """The knobs of the computation; ColocatorSettings takes its defaults from here (and
    says why they are what they are)."""

    thresholds: Thresholds
    reserve: Res = ZERO
    percentile: float = 0.95
    window: float = 300.0  # seconds of samples the estimate looks at
    stale_after: float = 60.0  # seconds after which usage counts for nothing
    rise_margin: float = 0.05  # share of capacity a rise must exceed to be written
    rise_hold: float = 60.0  # seconds the current figure holds before it may rise


def terms_for(samples: Sequence[Sample], policy: Policy, now: float) -> tuple[Terms, str]:
    """Terms from a node's recent samples (oldest first) and why; zero when they are stale."""
    if not samples:
        return compute(ZERO, policy.thresholds, ZERO, ZERO, policy.reserve), "NoUsage"
    last = samples[-1]
    if now - last.at > policy.stale_after:
        terms = compute(last.capacity, policy.thresholds, ZERO, ZERO, policy.reserve)
        return Terms(
            terms.capacity, terms.thresholds, ZERO, ZERO, terms.reserve, ZERO
        ), "UsageStale"
    recent = [s for s in samples if s.at >= last.at - policy.window]
    online = online_estimate(recent, policy.percentile)
    return compute(last.capacity, policy.thresholds, online, last.system, policy.reserve), ""


def _settle_one(previous: int, proposed: int, margin: int, may_rise: bool) -> int:
    if proposed <= previous:
        return proposed
    return proposed if may_rise and proposed - previous >= margin else previous


def settle(
    previous: Res | None,
    changed_at: float,
    proposed: Res,
    capacity: Res,
    policy: Policy,
    now: float,
) -> Res:
    """The figure to publish: drops at once, rises past the margin once the hold time is over.

    ``previous`` is the published figure (None before the first), ``changed_at`` when it was
    last changed. Each resource settles on its own; a rise below the margin waits, so small
    increases accumulate until they are worth a write.
    """
    if previous is None:
        return proposed
    may_rise = now - changed_at >= policy.rise_hold
    return Res(
        _settle_one(previous.cpu, proposed.cpu, int(capacity.cpu * policy.rise_margin), may_rise),
        _settle_one(previous.mem, proposed.mem, int(capacity.mem * policy.rise_margin), may_rise),
    )


def reason_for(previous: Res | None, result: Res, cause: str) -> str:
    """CamelCase cause of a change, as ledger entries and decisions carry it."""
    if cause:
        return cause
    if previous is None:
        return "NodeRegistered"
    return "UsageRose" if result.cpu < previous.cpu or result.mem < previous.mem else "UsageFell"
