"""The soak's report from synthetic samples: every tier and series judged, a leak named."""

from __future__ import annotations

import json

from tests.chaos._cluster import Shape
from tests.soak._report import figures, lines
from tests.soak._soak import Sample, Size, Soak

SIZE = Size(Shape(1, 1, 8), 600.0, 30.0, 120.0, 1.0, 2, (1, 3), 2)


def test_a_leaking_tier_is_named_and_a_flat_one_passes() -> None:
    soak = Soak()
    soak.samples["scheduler-0"] = [Sample(t, 30, 20, 100 << 20) for t in range(0, 601, 30)]
    soak.samples["apiserver-0"] = [
        Sample(t, 90 + t // 60, 20, (100 << 20) + t * 20_000) for t in range(0, 601, 30)
    ]
    soak.actions.update(scale=3, upgrade=3)
    report = json.loads(json.dumps(figures(soak, SIZE)))  # what the JSON file holds
    verdicts = {
        (name, key): t["growing"]
        for name, tier in report["tiers"].items()
        for key, t in tier["trends"].items()
    }
    assert verdicts == {
        ("scheduler-0", "tasks"): False,
        ("scheduler-0", "fds"): False,
        ("scheduler-0", "rss"): False,
        ("apiserver-0", "tasks"): True,
        ("apiserver-0", "fds"): False,
        ("apiserver-0", "rss"): True,
    }
    assert report["tiers"]["apiserver-0"]["samples"][1] == [30, 90, 20, (100 << 20) + 600_000]
    text = lines(report)
    assert text[0] == "soak: 600 s of churn, actions {'scale': 3, 'upgrade': 3}"
    assert [line.count("GROWING") for line in text[1:]] == [0, 2]
