"""Whether a soak's series grows: a pure function of the samples, tested on synthetic series.

A leak is a level that keeps rising; noise (requests in flight at a scrape, a collection that
has not run yet) moves a level both ways. After the warm-up (imports, caches and pools
filling once) two estimates of the rise must both exceed the tolerance to call a series
growing:

- the least-squares slope over every sample, times the span it covers: a steady leak shows
  here, a single spike barely moves it;
- the median of the last quarter of samples against the median of the first quarter:
  medians ignore the odd outlier, and a series that goes up and comes back shows no rise.

The tolerance is the larger of a fraction of the starting level (RSS: 5 %) and an absolute
slack (a task or a socket in flight at the moment of a scrape is not a leak).
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limit:
    """How much a series may rise after the warm-up: ``max(relative * start, absolute)``."""

    relative: float
    absolute: float = 0.0

    def tolerance(self, start: float) -> float:
        return max(self.relative * abs(start), self.absolute)


# Targets of the soak: RSS within 5 % after warm-up; task and fd counts flat,
# give or take what one scrape may catch in flight.
LIMITS = {
    "rss": Limit(0.05),
    "tasks": Limit(0.05, absolute=3),
    "fds": Limit(0.05, absolute=3),
}


@dataclass(frozen=True, slots=True)
class Trend:
    """What the samples after the warm-up say: the level at the start and end, the rise by
    each estimate, and the fitted line (``intercept + slope * t``) a chart draws."""

    samples: int
    start: float  # median of the first quarter
    end: float  # median of the last quarter
    slope: float  # per second, least squares
    intercept: float
    span: float  # seconds from first to last sample
    tolerance: float

    @property
    def fitted_rise(self) -> float:
        return self.slope * self.span

    @property
    def window_rise(self) -> float:
        return self.end - self.start

    @property
    def growth(self) -> float:
        """The smaller rise as a fraction of the starting level (0 when it starts at 0)."""
        rise = min(self.fitted_rise, self.window_rise)
        return rise / self.start if self.start else 0.0

    @property
    def growing(self) -> bool:
        return min(self.fitted_rise, self.window_rise) > self.tolerance


def trend(points: Sequence[tuple[float, float]], warmup: float, limit: Limit) -> Trend:
    """The trend of ``(seconds, value)`` points from ``warmup`` seconds after the first on.

    Needs at least four points after the warm-up (two per window would leave the medians to
    single samples); fewer raise ``ValueError``, since no verdict is not a pass.
    """
    if not points:
        raise ValueError("no samples")
    origin = points[0][0]
    kept = [(t - origin, v) for t, v in points if t - origin >= warmup]
    if len(kept) < 4:
        raise ValueError(f"{len(kept)} samples after a {warmup} s warm-up; at least 4 needed")
    ts = [t for t, _ in kept]
    vs = [v for _, v in kept]
    slope, intercept = statistics.linear_regression(ts, vs)
    quarter = max(1, len(kept) // 4)
    start, end = statistics.median(vs[:quarter]), statistics.median(vs[-quarter:])
    return Trend(
        samples=len(kept),
        start=start,
        end=end,
        slope=slope,
        intercept=intercept,
        span=ts[-1] - ts[0],
        tolerance=limit.tolerance(start),
    )
