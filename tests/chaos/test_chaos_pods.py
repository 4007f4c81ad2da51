"""Pod faults against Apps holding their target, on the embedded cluster and on etcd + Kafka.

Real pod processes (the process runtime) are killed, pods deleted, liveness probes made to
fail, during a rolling upgrade and during a time-sharing shrink; each fault is timed until its
App is whole again. Afterwards every App is at its target and ready, and no pod is placed twice
or on a node over capacity. `make test` runs it reduced, `make chaos` at full size.
"""

from __future__ import annotations

import asyncio
import os
import time
from pathlib import Path
from typing import Any

import pytest

from sigma.cli.tiers import TIERS, run
from sigma.colocator.settings import ColocatorSettings
from sigma.slave.settings import SlaveSettings
from sigma.store import open_store
from tests.chaos._checks import Snapshot
from tests.chaos._cluster import Cluster, Shape, children_alive
from tests.chaos._figures import record
from tests.chaos._podfaults import PodFaults, Run, scenario

SIZE = os.environ.get("SIGMA_CHAOS", "reduced")
SIZES = {
    "reduced": PodFaults(apps=1, replicas=3, shared=4, kills=1, deletes=1, liveness=1),
    "full": PodFaults(apps=3, replicas=5, shared=6, kills=4, deletes=4, liveness=2),
}
pytestmark = pytest.mark.timeout(900 if SIZE == "full" else 180)


async def _violations(store_url: str) -> list[str]:
    store = open_store(store_url)
    try:
        return (await Snapshot.read(store)).placement_violations()
    finally:
        await store.close()


def _report(backend: str, figures: dict[str, Any], began: float, logs: Path) -> None:
    figures = {"suite": "pods", "size": SIZE, "backend": backend, **figures}
    figures["wall_seconds"] = round(time.monotonic() - began, 1)
    record(figures, logs)
    print("\n" + "\n".join(f"{k}: {v}" for k, v in figures.items()))


async def test_pod_faults_on_the_embedded_cluster(tmp_path: Path) -> None:
    began, faults, size = time.monotonic(), tmp_path / "faults", SIZES[SIZE]
    faults.mkdir()
    stop, ready = asyncio.Event(), asyncio.get_running_loop().create_future()
    settings = {
        "colocator": ColocatorSettings(tick_interval=1.0),
        "slave": SlaveSettings(node="embedded", state_dir=str(tmp_path / "state")),
    }
    runner = asyncio.ensure_future(
        run(
            tuple(TIERS),
            store_url="memory://",
            bus_url="memory://",
            listen={name: ("127.0.0.1", 0) for name in TIERS},
            stop=stop,
            settings=settings,
            on_ready=ready.set_result,
        )
    )
    try:
        addresses = await asyncio.wait_for(ready, 30)
        async with Run(addresses["apiserver"], [addresses["slave"]], faults) as chaos:
            figures = await scenario(chaos, size)
    finally:
        stop.set()
        await asyncio.wait_for(runner, 30)
    _report("embedded", figures, began, tmp_path)
    assert children_alive() == []


@pytest.mark.etcd
@pytest.mark.kafka
async def test_pod_faults_on_etcd_and_kafka(tmp_path: Path) -> None:
    began, faults, size = time.monotonic(), tmp_path / "faults", SIZES[SIZE]
    faults.mkdir()
    shape = Shape(replicas=2, slaves=2, runtime="process")
    async with Cluster.started(shape, tmp_path) as cluster:
        slaves = [f"127.0.0.1:{cluster.ports[p.name]}" for p in cluster.procs["slave"]]
        async with Run(cluster.apiservers, slaves, faults) as chaos:
            figures = await scenario(chaos, size)
        violations = await _violations(cluster.etcd.url)
        codes = await cluster.stop_tiers()
    _report("etcd+kafka", figures, began, tmp_path)
    assert violations == [], violations
    assert {n: c for n, c in codes.items() if c != 0} == {}
    assert children_alive() == []
