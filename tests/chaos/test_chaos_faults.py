"""Fault injection on real etcd and Kafka, several replicas of every tier as real processes.

During a rollout of Apps and BatchJobs each tier is SIGKILLed in turn (and started again), then
etcd and the Kafka broker restart. Afterwards: every pod placed exactly once and none lost, no
node over capacity, allocation records agreeing with the pods, every object change on the
Kafka stream at its revision, every tier leaving cleanly on SIGTERM with no task left behind,
and no process left over.

`make test` runs the reduced size; ``SIGMA_CHAOS=full`` (`make chaos`) the full one.
"""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sigma.events import read_checkpoint
from sigma.store import open_store
from sigma.tiers import LEFTOVER_MESSAGE
from tests.chaos._checks import Snapshot, read_stream, store_history
from tests.chaos._cluster import Cluster, Shape, children_alive
from tests.chaos._figures import record
from tests.chaos._rollout import FaultLog, Workload, rollout, schedule

SIZE = os.environ.get("SIGMA_CHAOS", "reduced")
pytestmark = [
    pytest.mark.etcd,
    pytest.mark.kafka,
    pytest.mark.timeout(900 if SIZE == "full" else 120),
]


@dataclass(frozen=True, slots=True)
class Size:
    shape: Shape
    workload: Workload
    rounds: int  # replicas of each tier killed, one after another
    down: float  # seconds a killed replica stays down
    gap: float  # seconds between one healed fault and the next
    converge_within: float  # seconds after the last fault the cluster has to converge


SIZES = {
    "reduced": Size(Shape(2, 2, 32), Workload(4, 25, 4, 25), 1, 0.5, 1.0, 60.0),
    "full": Size(Shape(3, 5, 64), Workload(10, 100, 10, 100), 3, 1.0, 2.0, 180.0),
}


async def _converge(cluster: Cluster, size: Size) -> Snapshot:
    """Poll etcd until nothing is owed; fail with what is owed and the tiers' logs."""
    store = open_store(cluster.etcd.url)
    began = time.monotonic()
    deadline, progress = began + size.converge_within, began + 10.0
    try:
        while True:
            snap = await Snapshot.read(store)
            owed = snap.pending(size.workload)
            if not owed:
                return snap
            if time.monotonic() > deadline:
                raise AssertionError(f"not converged: {owed}\n{cluster.log_tails()}")
            if time.monotonic() >= progress:  # shown with -s: where a slow convergence waits
                print(f"owed {time.monotonic() - began:.0f}s after the last wave: {owed}")
                progress += 10.0
            await asyncio.sleep(0.5)
    finally:
        await store.close()


async def _start_revision(cluster: Cluster) -> int:
    """The revision from which the stream owes every change: after its first checkpoint."""
    store = open_store(cluster.etcd.url)
    try:
        async with asyncio.timeout(30):
            while (await read_checkpoint(store))[1] is None:  # noqa: ASYNC110 - remote state
                await asyncio.sleep(0.1)
        return await store.revision()
    finally:
        await store.close()


def _figures(
    name: str, size: Size, faults: FaultLog, snap: Snapshot, **more: Any
) -> dict[str, Any]:
    batch = [p for p in snap.pods if p.spec.batch_task_name]
    return {
        "size": name,
        "pods": size.workload.pods,
        "nodes": size.shape.slaves,
        "replicas": size.shape.replicas,
        "kills": dict(faults.kills),
        "restarts": dict(faults.restarts),
        "longest_restart_seconds": {k: round(v, 1) for k, v in faults.longest_restart.items()},
        "creates_resent": faults.resent,
        "batch_retries": len(batch) - size.workload.jobs * size.workload.instances,
        "max_node_cpu_fill": round(snap.max_node_fill(), 3),
        **more,
    }


async def test_rollout_survives_every_fault(tmp_path: Path) -> None:
    name, size = SIZE, SIZES[SIZE]
    began = time.monotonic()
    logs = tmp_path / "logs"
    logs.mkdir()
    async with Cluster.started(size.shape, logs) as cluster:
        start = await _start_revision(cluster)
        faults = await rollout(
            cluster, size.workload, schedule(cluster, size.rounds), down=size.down, gap=size.gap
        )
        snap = await _converge(cluster, size)
        convergence = time.monotonic() - faults.last_fault_ended
        violations = snap.violations(size.workload)
        store = open_store(cluster.etcd.url)
        try:
            history = await store_history(store, start)
        finally:
            await store.close()
        stream = await read_stream(cluster.kafka.url, history)
        codes = await cluster.stop_tiers()
        stderr = cluster.stderr_text()
        leftovers = cluster.leftovers()
    figures = _figures(
        name, size, faults, snap,
        convergence_seconds=round(convergence, 2),
        stream_changes=stream.changes,
        stream_messages=stream.messages,
        stream_duplicates=stream.duplicates,
        max_publish_delay_seconds=round(stream.max_publish_delay, 3),
        wall_seconds=round(time.monotonic() - began, 1),
    )  # fmt: skip
    record(figures, logs)
    print("\n" + "\n".join(f"{k}: {v}" for k, v in figures.items()))

    assert violations == [], violations
    assert stream.missing == [], (
        f"{len(stream.missing)} changes not on the stream: {stream.missing[:10]}"
    )
    assert stream.pods_created_twice == [], stream.pods_created_twice
    assert {n: c for n, c in codes.items() if c != 0} == {}, cluster.log_tails()
    leaked = {n: text for n, text in stderr.items() if LEFTOVER_MESSAGE in text}
    assert leaked == {}, leaked
    assert leftovers == [] and children_alive() == []
