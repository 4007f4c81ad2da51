"""The replay's charts: what each figure shows (axes, ticks, legend, colour scale) and that
both files are written and readable."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
from matplotlib.image import imread

from sigma.cli.sim.plot import COLOURS, Usage, heatmap_chart, mode_panel, save, utilisation_chart
from sigma.cli.sim.run import ProgressBar

DAY1 = 86400.0  # trace hour 24: the replay's default window start


def _ticks(ax) -> list[str]:
    """The x tick labels drawn (the locator also names ticks just outside the view)."""
    ax.figure.canvas.draw()
    lo, hi = ax.get_xlim()
    return [
        label.get_text()
        for x, label in zip(ax.get_xticks(), ax.get_xticklabels(), strict=True)
        if lo - 1e-9 <= x <= hi + 1e-9
    ]


def test_utilisation_has_hour_ticks_a_legend_and_a_percent_axis(tmp_path: Path) -> None:
    times = [DAY1 + k * 300 for k in range(25)]  # 00:00 .. 02:00
    fig = utilisation_chart(
        {
            "static": [(t, 0.4) for t in times],
            "timesharing": [(t, 0.6 + k / 100) for k, t in enumerate(times)],
        }
    )
    ax = fig.axes[0]
    assert _ticks(ax) == [
        "00:00",
        "00:15",
        "00:30",
        "00:45",
        "01:00",
        "01:15",
        "01:30",
        "01:45",
        "02:00",
    ]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["static", "timesharing"]
    assert [line.get_color() for line in ax.get_lines()] == [
        COLOURS["static"],
        COLOURS["timesharing"],
    ]
    assert ax.get_ylim() == (0, 1) and "%" in ax.yaxis.get_major_formatter()(0.5, 0)
    png, svg = save(fig, tmp_path / "utilisation")
    assert imread(png).shape[:2] == (450, 1000)
    text = svg.read_text()
    assert "timesharing" in text and "01:00" in text and "CPU utilisation" in text


def test_a_window_across_midnight_names_the_day_and_thins_its_ticks() -> None:
    times = [DAY1 + k * 3600 for k in range(49)]  # two days
    fig = utilisation_chart({"pools": [(t, 0.5) for t in times]})
    ticks = _ticks(fig.axes[0])
    assert ticks[0] == "d1 00:00" and "d2 00:00" in ticks and len(ticks) <= 26


def test_heatmap_maps_nodes_to_rows_time_to_columns_and_has_a_colour_bar(
    tmp_path: Path,
) -> None:
    util = np.array([[0.0, 0.1, 0.2], [1.0, 0.9, 0.8]])  # node 0 idle, node 1 full
    fig = heatmap_chart(util, [DAY1, DAY1 + 1800, DAY1 + 3600], "static")
    ax, bar = fig.axes
    image = ax.get_images()[0]
    assert (image.get_array() == util).all()
    assert (image.norm.vmin, image.norm.vmax) == (0.0, 1.0)
    assert bar.get_ylabel() == "CPU utilisation"
    assert ax.get_ylabel().startswith("node") and "00:00" in _ticks(ax)
    idle, full = image.to_rgba(0.0), image.to_rgba(1.0)
    assert idle != full
    png, _ = save(fig, tmp_path / "heatmap")
    assert imread(png).shape[:2] == (500, 1000)


def test_mode_panel_stacks_online_under_batch_for_cpu_and_memory() -> None:
    times = [DAY1, DAY1 + 3600]
    usage = Usage(times, [0.3, 0.3], [0.2, 0.4], [0.5, 0.5], [0.1, 0.2])
    fig = mode_panel(usage, "timesharing")
    cpu, memory = fig.axes
    assert cpu.get_ylabel() == "CPU used" and memory.get_ylabel() == "memory used"
    for ax in (cpu, memory):
        assert [t.get_text() for t in ax.get_legend().get_texts()] == ["online", "batch"]
    # the batch layer's top edge is online + batch
    top = cpu.collections[1].get_paths()[0].vertices[:, 1].max()
    assert top == 0.7


def test_the_progress_bar_ends_at_100_percent() -> None:
    out = io.StringIO()
    bar = ProgressBar("static", DAY1, DAY1 + 7200, file=out)
    bar(DAY1 + 3600)
    bar(DAY1 + 6900)  # the last usage report falls short of the end
    bar.finish()
    last = out.getvalue().split("\r")[-1]
    assert "100%" in last and "2.0/2.0 h" in last


def test_heatmap_rows_are_labelled_by_whole_node_numbers() -> None:
    util = np.full((20, 3), 0.5)  # 20 nodes: a float locator would label 2.5, 7.5, ...
    fig = heatmap_chart(util, [DAY1, DAY1 + 1800, DAY1 + 3600], "timesharing")
    fig.canvas.draw()
    ax = fig.axes[0]
    lo, hi = sorted(ax.get_ylim())
    shown = [t for t in ax.get_yticks() if lo <= t <= hi]
    assert shown and all(float(t).is_integer() for t in shown)
