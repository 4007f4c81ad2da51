"""The soak's figures: per tier process and series, the trend after warm-up, as JSON (the
chart in docs/ is drawn from it) and as the lines a run prints."""

from __future__ import annotations

import dataclasses
from typing import Any

from tests.soak._soak import METRICS, Size, Soak


def figures(soak: Soak, size: Size) -> dict[str, Any]:
    trends = soak.trends(size.warmup)
    tiers = {}
    for name, samples in soak.samples.items():
        tiers[name] = {
            "samples": [[s.t, s.tasks, s.fds, s.rss] for s in samples],
            "trends": {
                key: {
                    "samples": t.samples,
                    "start": t.start,
                    "end": t.end,
                    "slope_per_s": t.slope,
                    "intercept": t.intercept,
                    "fitted_rise": t.fitted_rise,
                    "window_rise": t.window_rise,
                    "growth": t.growth,
                    "tolerance": t.tolerance,
                    "growing": t.growing,
                }
                for key, t in trends[name].items()
            },
        }
    return {
        "size": dataclasses.asdict(size),
        "columns": ["t", *METRICS],
        "actions": dict(soak.actions),
        "refused": dict(soak.refused),
        "missed_scrapes": dict(soak.missed),
        "tiers": tiers,
    }


def lines(report: dict[str, Any]) -> list[str]:
    """One line per tier process: each series' start → end and growth after warm-up."""
    out = [f"soak: {report['size']['seconds']:.0f} s of churn, actions {report['actions']}"]
    if report["refused"]:
        out.append(f"soak: refused {report['refused']}")
    for name, tier in report["tiers"].items():
        parts = []
        for key, t in tier["trends"].items():
            scale, unit = (1 / 2**20, " MiB") if key == "rss" else (1, "")
            flag = " GROWING" if t["growing"] else ""
            parts.append(
                f"{key} {t['start'] * scale:.1f}->{t['end'] * scale:.1f}{unit}"
                f" ({t['growth']:+.1%}){flag}"
            )
        out.append(f"soak: {name:<12} " + ", ".join(parts))
    return out
