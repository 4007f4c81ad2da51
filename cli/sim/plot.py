"""The replay's charts, drawn with matplotlib on its Agg canvas (no display, no pyplot state).

Three kinds, each written as PNG and SVG by :func:`save`:
- :func:`utilisation_chart`: cluster CPU utilisation over time, one line per mode, hour ticks
  on the trace's clock and a legend;
- :func:`heatmap_chart`: nodes x time, colour = a node's CPU utilisation, with a colour bar;
- :func:`mode_panel`: one mode's CPU and memory, online and batch stacked, one above the other.

Times are trace seconds (0 = the trace's first midnight); ticks read as ``dN HH:00`` or, in a
window within one day, ``HH:00``. Figures are built with ``matplotlib.figure.Figure`` so
nothing global (the pyplot figure registry, the backend) is touched: safe inside a server or a
test run.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import matplotlib
import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, MultipleLocator, PercentFormatter

#: One colour per mode, the same in every chart (matplotlib's default cycle, fixed per name).
COLOURS: dict[str, str] = {"pools": "#1f77b4", "static": "#ff7f0e", "timesharing": "#2ca02c"}
ONLINE, BATCH = "#1f77b4", "#ff7f0e"
#: Same bytes for the same chart: no dates in the files, a fixed SVG id salt.
_PNG_META = {"Software": None}
_SVG_META = {"Date": None, "Creator": None}


@dataclass(frozen=True)
class Usage:
    """One mode's cluster-wide usage per sample: times (trace s) and shares of capacity."""

    times: Sequence[float]
    online_cpu: Sequence[float]
    batch_cpu: Sequence[float]
    online_memory: Sequence[float]
    batch_memory: Sequence[float]


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


#: Tick steps in hours, finest first: the first that leaves at most 12 ticks is used.
_STEPS = (0.25, 0.5, 1, 2, 3, 4, 6, 12, 24, 48)


def _hour_axis(ax: Axes, start_s: float, end_s: float) -> None:
    """Ticks on the trace's clock: quarter hours in a short window, then half, whole and wider
    steps of hours so that at most 12 labels remain; a window crossing midnight names the
    day (``d1 06:00``)."""
    hours = max((end_s - start_s) / 3600, 1e-9)
    step = next((s for s in _STEPS if hours / s <= 12), _STEPS[-1])
    one_day = int(start_s // 86400) == int(max(start_s, end_s - 1) // 86400)

    def label(x: float, _pos: object) -> str:
        minutes = round(x * 60)
        day, minute = divmod(minutes, 24 * 60)
        clock = f"{minute // 60:02d}:{minute % 60:02d}"
        return clock if one_day else f"d{day} {clock}"

    ax.set_xlim(start_s / 3600, end_s / 3600)
    ax.xaxis.set_major_locator(MultipleLocator(step))
    ax.xaxis.set_major_formatter(FuncFormatter(label))
    ax.tick_params(axis="x", labelrotation=45 if hours > 8 or not one_day else 0)
    ax.set_xlabel("trace time" if one_day else "trace time (day 0 = the trace's first day)")


def _span(times: Sequence[float]) -> tuple[float, float]:
    if not times:
        return 0.0, 3600.0
    lo, hi = min(times), max(times)
    return lo, hi if hi > lo else lo + 3600.0


def utilisation_chart(series: Mapping[str, Sequence[Sequence[float]]]) -> Figure:
    """Cluster CPU utilisation (0..1) per mode, ``series[mode] = [(t, u), ...]``."""
    fig = _figure(10, 4.5)
    ax = fig.add_subplot()
    times: list[float] = []
    for mode, points in series.items():
        t = [p[0] for p in points]
        times.extend(t)
        ax.plot(
            np.divide(t, 3600), [p[1] for p in points], label=mode, color=COLOURS.get(mode), lw=1.6
        )
    _hour_axis(ax, *_span(times))
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylabel("CPU utilisation (online + batch)")
    ax.set_title("Cluster CPU utilisation by mode")
    ax.grid(alpha=0.3)
    ax.legend(loc="lower right", title="mode")
    return fig


def heatmap_chart(util: np.ndarray, times: Sequence[float], title: str) -> Figure:
    """``util`` (nodes x samples, 0..1) as an image: a row per node, a column per sample."""
    fig = _figure(10, 5)
    ax = fig.add_subplot()
    nodes = util.shape[0]
    start, end = _span(times)
    step = (end - start) / max(1, util.shape[1] - 1)
    image = ax.imshow(
        util,
        aspect="auto",
        interpolation="nearest",
        cmap="viridis",
        vmin=0.0,
        vmax=1.0,
        origin="upper",
        extent=(start / 3600, (end + step) / 3600, nodes - 0.5, -0.5),
    )
    _hour_axis(ax, start, end + step)  # a sample's column spans the interval it opens
    ax.yaxis.set_major_locator(MaxNLocator(nbins=10, integer=True))  # nodes are whole
    ax.set_ylabel(f"node (0..{nodes - 1}, trace order)")
    ax.set_title(title)
    bar = fig.colorbar(image, ax=ax, format=PercentFormatter(1.0))
    bar.set_label("CPU utilisation")
    return fig


def mode_panel(usage: Usage, mode: str) -> Figure:
    """CPU above memory for one mode: online and batch stacked, as shares of capacity."""
    fig = _figure(10, 6)
    cpu, memory = fig.subplots(2, 1, sharex=True)
    hours = np.divide(usage.times, 3600)
    for ax, online, batch, what in (
        (cpu, usage.online_cpu, usage.batch_cpu, "CPU"),
        (memory, usage.online_memory, usage.batch_memory, "memory"),
    ):
        ax.stackplot(hours, online, batch, labels=("online", "batch"), colors=(ONLINE, BATCH))
        ax.set_ylim(0, 1)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_ylabel(f"{what} used")
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left")
    _hour_axis(memory, *_span(usage.times))
    cpu.set_xlabel("")
    fig.suptitle(f"{mode}: CPU and memory used, online and batch")
    return fig


def save(fig: Figure, stem: Path) -> tuple[Path, Path]:
    """Write ``stem``.png and ``stem``.svg; returns both paths."""
    png, svg = stem.with_suffix(".png"), stem.with_suffix(".svg")
    with matplotlib.rc_context({"svg.hashsalt": "sigma"}):
        fig.savefig(png, metadata=_PNG_META)
        fig.savefig(svg, metadata=_SVG_META)
    return png, svg
