"""Two scheduler replicas racing on one store, over random clusters and pod streams.

Memory is proportional to cpu on every node and every pod, so fit is one-dimensional and a
pod stream is *schedulable* whatever the placement order when the total requests plus one
largest pod per node stay within the cluster's total (some node always has room left).
Pods bigger than the largest node are mixed in and must stay pending.
"""

from __future__ import annotations

import asyncio

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sigma.scheduler.allocation import over_capacity
from sigma.scheduler.convert import node_row
from sigma.scheduler.loop import Scheduler
from sigma.scheduler.plugins.registry import default_profile
from sigma.store.memory import MemoryStore
from tests.integration.scheduler._seed import (
    MiB,
    allocations,
    make_node,
    make_pod,
    pods,
    put_node,
    put_pod,
    running,
    wait_bound,
)

clusters = st.lists(st.integers(2, 8), min_size=1, max_size=6)  # cores per node
streams = st.lists(st.integers(1, 20), min_size=1, max_size=40)  # pod cpu in 100m


def schedulable_prefix(cores: list[int], sizes: list[int]) -> list[int]:
    total = sum(cores) * 1000
    kept: list[int] = []
    for size in sizes:
        cpu = size * 100
        largest = max([cpu, *kept])
        if sum(kept) + cpu + len(cores) * largest <= total:
            kept.append(cpu)
    return kept


async def scenario(cores: list[int], cpus: list[int], impossible: int) -> None:
    store = MemoryStore()
    nodes = [make_node(f"n{i}", c * 1000, c * 1000 * MiB) for i, c in enumerate(cores)]
    for node in nodes:
        await put_node(store, node)
    replicas = [
        Scheduler(store, profile=default_profile(seed=seed), batch_size=8, max_backoff=0.05)
        for seed in (1, 2)
    ]
    async with running(*replicas):
        for i, cpu in enumerate(cpus):
            await put_pod(store, make_pod(f"p{i}", cpu, cpu * MiB))
        for i in range(impossible):
            big = max(cores) * 1000 + 100
            await put_pod(store, make_pod(f"x{i}", big, big * MiB))
        bound = await wait_bound(store, len(cpus), timeout=20)
    final = {p.meta.name: p for p in await pods(store)}
    records = await allocations(store)
    rows = {n.meta.name: node_row(n) for n in nodes}
    placements: dict[str, str] = {}
    for name, rec in records.items():
        assert over_capacity(rec, rows[name]) == "", name
        for a in rec.pods:
            assert a.pod_key not in placements, f"{a.pod_key} bound twice"
            placements[a.pod_key] = name
    assert placements == {f"t/{p}": n for p, n in bound.items()}
    assert all(final[f"p{i}"].spec.node_name for i in range(len(cpus)))
    assert not any(final[f"x{i}"].spec.node_name for i in range(impossible))


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cores=clusters, sizes=streams, impossible=st.integers(0, 2))
def test_two_replicas_never_overcommit_nor_double_bind(
    cores: list[int], sizes: list[int], impossible: int
) -> None:
    asyncio.run(scenario(cores, schedulable_prefix(cores, sizes), impossible))
