"""Soak: a cluster of real tier processes on etcd and Kafka under steady churn (Apps scaled
and upgraded, batch jobs submitted, pods deleted); every tier's asyncio tasks, open fds and
RSS, read from its /metrics, must not grow after the warm-up (RSS within 5 %, the counts flat).

`make test` runs it reduced (about a minute of churn, a sample every 3 s); ``SIGMA_SOAK=full``
(`make soak`) for 30 minutes with a sample every 30 s. ``SIGMA_SOAK_SECONDS``,
``SIGMA_SOAK_EVERY`` and ``SIGMA_SOAK_WARMUP`` change the length, and ``SIGMA_SOAK_REPORT``
names a JSON file for the samples and trends (``scripts/soak_chart.py`` draws them).
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
import os
from pathlib import Path

import pytest

from sigma.tiers import LEFTOVER_MESSAGE
from tests.chaos._cluster import Shape, children_alive
from tests.soak._report import figures, lines
from tests.soak._soak import Size, soak

SIZES = {
    "reduced": Size(Shape(1, 2, 32), 75.0, 3.0, 25.0, 1.0, 3, (1, 4), 4),
    "full": Size(Shape(2, 3, 64), 1800.0, 30.0, 300.0, 2.0, 6, (2, 8), 10),
}
SIZE = SIZES[os.environ.get("SIGMA_SOAK", "reduced")]
SIZE = dataclasses.replace(
    SIZE,
    **{
        field: float(os.environ[f"SIGMA_SOAK_{field.upper()}"])
        for field in ("seconds", "every", "warmup")
        if f"SIGMA_SOAK_{field.upper()}" in os.environ
    },
)
pytestmark = [pytest.mark.etcd, pytest.mark.kafka, pytest.mark.timeout(SIZE.seconds + 180)]


async def test_no_tier_grows_tasks_fds_or_memory_under_churn() -> None:
    before = set(children_alive())  # the session's engines, when other tests started them
    result, cluster = await soak(SIZE)
    report = figures(result, SIZE)
    for line in lines(report):
        print(line)
    if path := os.environ.get("SIGMA_SOAK_REPORT"):
        await asyncio.to_thread(Path(path).write_text, json.dumps(report, indent=1))

    scrapes = SIZE.seconds / SIZE.every
    assert set(report["tiers"]) == {p.name for p in cluster.every}
    assert {n: m for n, m in result.missed.items() if m > scrapes / 10} == {}, result.missed
    assert set(result.actions) == {"scale", "upgrade", "submit", "kill"}, result.refused
    growing = {
        f"{name} {key}": t
        for name, tier in report["tiers"].items()
        for key, t in tier["trends"].items()
        if t["growing"]
    }
    assert growing == {}, "\n".join(lines(report))
    codes = {p.name: p.exit_codes for p in cluster.every}
    assert {n: c for n, c in codes.items() if c != [0]} == {}, cluster.log_tails()
    stderr = cluster.stderr_text()
    assert {n: t for n, t in stderr.items() if LEFTOVER_MESSAGE in t} == {}
    assert cluster.leftovers() == [] and set(children_alive()) - before == set()
