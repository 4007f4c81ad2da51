"""The online load over time: the cluster usage curve, and per-app load drawn from it.

cluster_usage_mean_300s.csv is the whole cluster's mean CPU and memory per 300 s over the
eight days (row i = i * 300 s), with a clear daily cycle. The trace has no per-app series,
so each app's demand follows the cluster curve shifted by its own phase (apps peak at
slightly different times) and with its own multiplicative noise, both drawn from a stream
seeded by (seed, app name): the same seed gives the same loads whatever else is loaded.

Every malformed row is fatal: the rows are positions in time, so skipping one would shift
everything after it by five minutes.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sigma.cli.sim._csv import TraceError, rows
from sigma.cli.sim.containers import TraceApp
from sigma.cli.sim.scale import Scale
from sigma.errors import Invalid

COLUMNS = ("cpu_util_percent", "mem_util_percent", "net_in", "net_out", "disk_io_percent")
SLOT_SECONDS = 300


@dataclass(frozen=True)
class UsageCurve:
    """Cluster-mean utilisation as fractions (0.4 = 40%) per ``slot_s`` from trace time 0."""

    slot_s: int
    cpu: tuple[float, ...]
    memory: tuple[float, ...]

    @property
    def period_s(self) -> int:
        return self.slot_s * len(self.cpu)

    def cpu_at(self, times: np.ndarray) -> np.ndarray:
        """CPU fraction at trace ``times`` (seconds), linear between samples, wrapping at
        the end so windows past the eighth day repeat the trace's days."""
        grid = np.arange(len(self.cpu) + 1) * self.slot_s
        values = np.append(self.cpu, self.cpu[0])
        return np.interp(np.mod(times, self.period_s), grid, values)


def load_cluster_usage(path: Path) -> UsageCurve:
    cpu: list[float] = []
    memory: list[float] = []
    for row in rows(path, COLUMNS, header=True):
        for column, into in (("cpu_util_percent", cpu), ("mem_util_percent", memory)):
            value = row.number(column)
            if not 0 <= value <= 100:
                raise row.error(column, f"{value} is outside [0, 100]")
            into.append(value / 100)
    if not cpu:
        raise TraceError(path.name, 1, "file", "no samples")
    return UsageCurve(SLOT_SECONDS, tuple(cpu), tuple(memory))


@dataclass(frozen=True)
class LoadModel:
    """How app demand is drawn from the cluster curve.

    ``phase_s``: each app's curve is shifted by a uniform draw in [-phase_s, phase_s].
    ``noise``: standard deviation of the multiplicative per-slot noise. ``level``: demand
    as a share of the request when the cluster curve is at 100%.
    """

    phase_s: int = 3600
    noise: float = 0.05
    level: float = 1.0

    def __post_init__(self) -> None:
        if self.phase_s < 0:
            raise Invalid("phase_s", f"{self.phase_s} is negative")
        if self.noise < 0:
            raise Invalid("noise", f"{self.noise} is negative")
        if self.level <= 0:
            raise Invalid("level", f"{self.level} is not positive")


@dataclass(frozen=True)
class AppLoad:
    """One app's CPU demand per replica, as a share of its request, per slot of the window."""

    app: str
    start: int
    slot_s: int
    phase_s: float
    share: np.ndarray


def app_load(
    curve: UsageCurve, app: TraceApp, scale: Scale, model: LoadModel | None = None
) -> AppLoad:
    """``app``'s demand over ``scale``'s window, capped at its limit (the runtime would
    throttle it there anyway) and never negative."""
    model = model or LoadModel()
    rng = np.random.default_rng(scale.rng_seed(app.name))
    phase = float(rng.uniform(-model.phase_s, model.phase_s)) if model.phase_s else 0.0
    slots = math.ceil((scale.end - scale.replay_start) / curve.slot_s)
    times = scale.replay_start + np.arange(slots) * curve.slot_s + phase
    noise = rng.normal(1.0, model.noise, slots) if model.noise else np.ones(slots)
    cap = app.cpu_limit_millis / app.cpu_request_millis
    share = np.clip(model.level * curve.cpu_at(times) * noise, 0.0, cap)
    return AppLoad(app.name, scale.replay_start, curve.slot_s, phase, share)
