"""The end-to-end workload of ``sigma bench scheduler``: pods bound through a real store.

Nodes and pending pods are written first (in batched transactions), then scheduler replicas
start, list them through their informers and bind; the clock runs from the replicas' start
to the last binding. The raw put rate of the same store is measured in the same run, before
and after the binding (their mean is reported, so a machine busy with other work during one
of them skews the ratio less), so the two figures can be compared; ``cpu_ms_per_pod`` is the
scheduler process's own CPU time per bound pod, which other load on the machine hardly moves.
"""

from __future__ import annotations

import asyncio
import os
import resource
import time
from collections.abc import Sequence

import numpy as np

from sigma.resources.kinds import NODE, NODE_ALLOCATION, POD
from sigma.scheduler.loop import Scheduler
from sigma.scheduler.plugins.registry import default_profile
from sigma.store import Delete, Put, Store, open_store
from sigma.store.codec import encode
from sigma.v1 import meta_pb2, node_pb2, pod_pb2

GiB = 1 << 30
BATCH_SIZE = 128  # pods decided per round (one round's commit overlaps the next decisions)


def _node(i: int) -> node_pb2.Node:
    name = f"bench-node-{i:05d}"
    res = meta_pb2.ResourceList(cpu_millis=32000, memory_bytes=128 * GiB)
    return node_pb2.Node(
        meta=meta_pb2.ObjectMeta(name=name, uid=f"uid-{name}"),
        spec=node_pb2.NodeSpec(
            allocatable=res,
            capacity=res,
            cpu_count=32,
            topology=node_pb2.NodeTopology(
                host=name, chassis=f"chassis-{i // 10}", core_switch=f"switch-{i // 100}"
            ),
        ),
        status=node_pb2.NodeStatus(phase=node_pb2.NODE_PHASE_READY),
    )


def _pod(i: int) -> pod_pb2.Pod:
    requests = meta_pb2.ResourceList(cpu_millis=100 + (i % 8) * 100, memory_bytes=256 << 20)
    container = pod_pb2.Container(
        name="main", resources=pod_pb2.ResourceRequirements(requests=requests)
    )
    return pod_pb2.Pod(
        meta=meta_pb2.ObjectMeta(namespace="bench", name=f"p-{i}", uid=f"uid-p-{i}"),
        spec=pod_pb2.PodSpec(
            template=pod_pb2.PodTemplate(containers=[container]),
            qos_class=meta_pb2.QOS_CLASS_LS,
        ),
        status=pod_pb2.PodStatus(phase=pod_pb2.POD_PHASE_PENDING),
    )


async def _write(store: Store, puts: Sequence[Put], batch: int = 100) -> None:
    for start in range(0, len(puts), batch):
        await store.txn([], puts[start : start + batch])


async def put_rate(
    store: Store, count: int = 3000, concurrency: int = 64, prefix: str = "/sigma/bench/put/"
) -> float:
    """Single-key puts per second of a pod-sized value, ``concurrency`` in flight."""
    value = encode(_pod(0))
    keys = iter(range(count))

    async def worker() -> None:
        for i in keys:
            await store.put(f"{prefix}{i}", value)

    t0 = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(concurrency)))
    return count / (time.perf_counter() - t0)


BENCH_PREFIXES = (
    "/sigma/bench/put/",
    "/sigma/bench/put2/",
    POD.namespace_prefix("bench"),
    NODE.prefix,
    NODE_ALLOCATION.prefix,
)


async def clean(store: Store) -> None:
    """Delete everything the run wrote (for a shared store)."""
    for prefix in BENCH_PREFIXES:
        listed = await store.list(prefix)
        keys = [kv.key for kv in listed.items]
        for start in range(0, len(keys), 100):
            await store.txn([], [Delete(k) for k in keys[start : start + 100]])


async def run_e2e(
    url: str,
    nodes: int,
    pods: int,
    replicas: int,
    timeout: float = 300,
    cleanup: bool = False,
    batch_size: int = BATCH_SIZE,
) -> dict:
    """Bind ``pods`` on ``nodes`` with ``replicas`` schedulers; ``cleanup`` removes the
    run's keys afterwards (node names are bench-node-NNNNN, pods live in namespace "bench")."""
    store = open_store(url)
    try:
        raw_before = await put_rate(store)
        node_puts = [Put(NODE.key("", _node(i).meta.name), encode(_node(i))) for i in range(nodes)]
        await _write(store, node_puts)
        await _write(store, [Put(POD.key("bench", f"p-{i}"), encode(_pod(i))) for i in range(pods)])
        scheds = [
            Scheduler(store, profile=default_profile(seed=r), batch_size=batch_size)
            for r in range(replicas)
        ]
        t0, cpu0 = time.perf_counter(), time.process_time()
        tasks = [asyncio.ensure_future(s.run()) for s in scheds]
        try:
            async with asyncio.timeout(timeout):
                while sum(s.stats.bound for s in scheds) < pods:  # noqa: ASYNC110 - a benchmark poll
                    await asyncio.sleep(0.01)
            elapsed, cpu = time.perf_counter() - t0, time.process_time() - cpu0
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        raw_after = await put_rate(store, prefix="/sigma/bench/put2/")
        raw = (raw_before + raw_after) / 2
        latencies = np.array([x for s in scheds for x in s.stats.latencies]) * 1e3
        commits = sum(s.binder.commits for s in scheds)
        txns = sum(s.binder.transactions for s in scheds)
        conflicts = sum(s.binder.conflicts for s in scheds)
        return {
            "workload": "e2e",
            "store": url.split("://", 1)[0],
            "nodes": nodes,
            "measured_pods": pods,
            "replicas": replicas,
            "batch_size": batch_size,
            "placed": sum(s.stats.bound for s in scheds),
            "placements_per_s": round(pods / elapsed, 1),
            "store_put_per_s": round(raw, 1),
            "store_put_per_s_before_after": [round(raw_before, 1), round(raw_after, 1)],
            "placements_vs_puts": round(pods / elapsed / raw, 3),
            "cpu_ms_per_pod": round(cpu * 1e3 / pods, 3),
            "p50_ms": round(float(np.percentile(latencies, 50)), 3),
            "p99_ms": round(float(np.percentile(latencies, 99)), 3),
            "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
            "load_avg_1m": round(os.getloadavg()[0], 2),
            "transactions": txns,
            "node_commits": commits,
            "conflict_rate": round(conflicts / max(commits + conflicts, 1), 4),
        }
    finally:
        if cleanup:
            await clean(store)
        await store.close()


def run(
    url: str | None, nodes: int, pods: int, replicas: int, batch_size: int = BATCH_SIZE
) -> dict:
    """Run against ``url``, or against a private etcd started for the run when None."""
    if url:
        return asyncio.run(run_e2e(url, nodes, pods, replicas, batch_size=batch_size))
    from sigma.engines.etcd import EtcdEngine

    with EtcdEngine() as engine:
        return asyncio.run(run_e2e(engine.url, nodes, pods, replicas, batch_size=batch_size))
