"""Draw a soak's per-tier trend lines from its report (``SIGMA_SOAK_REPORT``, `make soak`'s
soak.json): ``python scripts/soak_chart.py soak.json docs/soak``.

Three panels (asyncio tasks, open fds, RSS), one colour per tier process: every sample as a
faint line, the least-squares trend after the warm-up (the line the soak judges) drawn bold
over the span it was fitted on, the warm-up shaded. Writes ``<out>/soak.png`` and ``.svg``
and the figures beside them, ``<out>/soak-figures.json``: each trend first, then the samples
(one row each: seconds, tasks, fds, RSS bytes).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from sigma.cli.sim.plot import save

PANELS = (("tasks", "asyncio tasks", 1.0), ("fds", "open fds", 1.0), ("rss", "RSS (MiB)", 2**-20))


def chart(report: dict[str, Any]) -> Figure:
    size = report["size"]
    fig = Figure(figsize=(10, 9), layout="constrained")
    FigureCanvasAgg(fig)
    axes = fig.subplots(len(PANELS), 1, sharex=True)
    columns = report["columns"]
    for ax, (key, label, scale) in zip(axes, PANELS, strict=True):
        col = columns.index(key)
        for i, (name, tier) in enumerate(report["tiers"].items()):
            colour = f"C{i % 10}"
            ts = [row[0] / 60 for row in tier["samples"]]
            vs = [row[col] * scale for row in tier["samples"]]
            ax.plot(ts, vs, color=colour, alpha=0.35, linewidth=0.8)
            t = tier["trends"][key]
            after = [
                row[0]
                for row in tier["samples"]
                if row[0] - tier["samples"][0][0] >= size["warmup"]
            ]
            ends = [after[0], after[-1]]
            fitted = [
                (t["intercept"] + t["slope_per_s"] * (x - tier["samples"][0][0])) * scale
                for x in ends
            ]
            ax.plot([x / 60 for x in ends], fitted, color=colour, linewidth=2.2,
                    label=f"{name} {t['growth']:+.1%}")  # fmt: skip
        ax.axvspan(0, size["warmup"] / 60, color="grey", alpha=0.12, linewidth=0)
        ax.set_ylabel(label)
        ax.grid(alpha=0.3)
        ax.legend(loc="center left", bbox_to_anchor=(1.0, 0.5), fontsize=8)
    axes[-1].set_xlabel("minutes of churn (warm-up shaded; growth after it in the legend)")
    minutes = size["seconds"] / 60
    fig.suptitle(f"Soak: {minutes:.3g} min of churn, a sample every {size['every']:.0f} s")
    return fig


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        print("usage: soak_chart.py REPORT.json OUT_DIR", file=sys.stderr)
        return 2
    report = json.loads(Path(argv[0]).read_text())
    out = Path(argv[1])
    out.mkdir(parents=True, exist_ok=True)
    png, _ = save(chart(report), out / "soak")
    tiers = report["tiers"].items()
    figures = {k: v for k, v in report.items() if k != "tiers"}
    figures["trends"] = {name: tier["trends"] for name, tier in tiers}
    figures["samples"] = {name: tier["samples"] for name, tier in tiers}
    (out / "soak-figures.json").write_text(json.dumps(figures, indent=1) + "\n")
    print(png)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
