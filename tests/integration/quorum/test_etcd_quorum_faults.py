"""A three-member etcd under steady write load, one member failing at a time: the leader killed
(-9) and brought back with its data, a member hung (SIGSTOP) and resumed (SIGCONT).

The store names every member, the failing one first, so the store's calls go to it when the
fault strikes (the client's worst case); and the failing one is the leader, so the cluster must
elect anew (the cluster's worst case). Targets: every acknowledged write present
after the fault, on every member; writes keep succeeding; p99 write latency during the fault
at most 2 s. The figures go to the session summary and JSON (``_figures``).

`make test` runs them reduced (a few seconds of fault); ``SIGMA_CHAOS=full`` (`make
chaos-cluster`) holds the hang for 30 s and the crash for 15 s.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from pathlib import Path

import pytest

from sigma.engines.etcd import EtcdCluster, EtcdEngine
from sigma.store.etcd import EtcdStore
from tests.integration.quorum._figures import SIZE, record
from tests.integration.quorum._load import Load

FULL = SIZE == "full"
HANG_SECONDS = 30.0 if FULL else 4.0
DOWN_SECONDS = 15.0 if FULL else 3.0
P99_TARGET = 2.0

pytestmark = [pytest.mark.etcd, pytest.mark.timeout(240 if FULL else 90)]


async def _fault(
    cluster: EtcdCluster,
    name: str,
    inject: Callable[[EtcdEngine], object],
    heal: Callable[[EtcdEngine], object],
    hold: float,
    logs: Path,
) -> dict[str, object]:
    """Load the cluster, fail its leader with ``inject`` for ``hold`` seconds, ``heal`` it,
    wait until every member holds every acknowledged write; check and record the figures."""
    victim = await asyncio.to_thread(cluster.leader)
    others = [m.endpoint for m in cluster.members if m is not victim]
    store = EtcdStore([victim.endpoint, *others])
    prefix = f"/quorum/{name}/{uuid.uuid4().hex[:8]}/"
    load = Load(lambda key: store.put(prefix + key, b"v"))
    try:
        load.start()
        await asyncio.sleep(1.0)  # a steady state first
        began = time.monotonic()
        inject(victim)
        await asyncio.sleep(hold)
        await asyncio.to_thread(heal, victim)
        healed = time.monotonic()
        so_far = {prefix + w.key for w in load.acked()}
        converged = await _every_member_holds(cluster, prefix, so_far) - healed
        await asyncio.sleep(1.0)  # writes go on with the member back
        await load.stop()
        acked = {prefix + w.key for w in load.acked()}
        await _every_member_holds(cluster, prefix, acked)
        new_leader = await asyncio.to_thread(cluster.leader)
        present = {kv.key for kv in (await store.list(prefix)).items}
    finally:
        await load.stop()
        await store.close()
        for m in cluster.members:  # whatever happened, the next test gets three members
            m.resume()
            if not m.running:
                await asyncio.to_thread(m.start)
    figures = {
        "fault": name,
        "fault_seconds": round(healed - began, 2),
        "converged_seconds_after_heal": round(converged, 2),
        "store_failovers": store.failovers,
        "leader_changed": new_leader is not victim,
        "lost_writes": len(acked - present),
        **load.figures(began, healed),
    }
    record(figures, logs)
    assert acked <= present, f"{len(acked - present)} acknowledged writes lost"
    assert figures["writes_given_up"] == 0, figures
    late = [w for w in load.acked() if began + hold / 2 <= w.acked <= healed]
    assert late, f"no write acknowledged in the second half of the fault: {figures}"
    assert figures["p99_write_seconds_during_fault"] <= P99_TARGET, figures
    return figures


async def _every_member_holds(cluster: EtcdCluster, prefix: str, keys: set[str]) -> float:
    """When every member, asked alone, lists every one of ``keys`` (the healed one caught up)."""
    async with asyncio.timeout(60):
        for member in cluster.members:
            alone = EtcdStore([member.endpoint], timeout=2.0)
            try:
                while True:
                    try:
                        have = {kv.key for kv in (await alone.list(prefix)).items}
                    except Exception:  # the member still rejoining: ask again
                        have = set()
                    if keys <= have:
                        break
                    await asyncio.sleep(0.1)
            finally:
                await alone.close()
    return time.monotonic()


# A fault: its name, how it strikes the leader, how it heals, how long it holds.
FAULTS = [
    pytest.param("etcd leader kill -9", EtcdEngine.kill, EtcdEngine.start, DOWN_SECONDS, id="kill"),
    pytest.param(
        "etcd leader SIGSTOP", EtcdEngine.pause, EtcdEngine.resume, HANG_SECONDS, id="hang"
    ),
]


@pytest.mark.parametrize(("name", "inject", "heal", "hold"), FAULTS)
async def test_one_member_failing_loses_no_write_and_writes_go_on(
    etcd_cluster: EtcdCluster,
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
    inject: Callable[[EtcdEngine], object],
    heal: Callable[[EtcdEngine], object],
    hold: float,
) -> None:
    await _fault(etcd_cluster, name, inject, heal, hold, tmp_path_factory.getbasetemp())
