"""A job master's checkpoints on a real etcd: a master killed mid-job is resumed from them by
another, which runs again only what was in flight; the benchmark leaves no record behind."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest

from sigma.cli.bench import batch as bench
from sigma.engines.etcd import EtcdEngine
from sigma.scheduler.batch import Checkpointer, JobMaster, JobSpec, Phase, resume, save
from sigma.scheduler.batch import checkpoint as C
from sigma.store import open_store

pytestmark = pytest.mark.etcd


async def test_a_master_resumed_from_etcd_reruns_only_the_in_flight(
    etcd_engine: EtcdEngine,
) -> None:
    name = f"ckpt-{uuid.uuid4().hex[:8]}"
    spec = JobSpec.of([("map", 5000, ()), ("reduce", 50, ("map",))], name=name, uid=name)
    store = open_store(etcd_engine.url)
    try:
        first, cp = JobMaster(spec), Checkpointer(interval=0.0)
        first.grant("w1", "n1", 16)
        for _ in range(100):
            for d in first.dispatch():
                first.finished(d.worker, d.task, d.index, ok=True)
        await save(store, cp.take(first, 1.0))
        in_flight = {(d.task, d.index) for d in first.dispatch()}
        keys = [kv.key for kv in (await store.list(C.job_prefix("default", name))).items]
        assert keys == [C.key("default", name, "map")]  # one record per changed task
        second = await resume(store, spec)
        second.grant("w2", "n2", 64)
        ran = set()
        while second.job_phase != Phase.SUCCEEDED:
            for d in second.dispatch():
                assert (d.task, d.index) not in ran
                ran.add((d.task, d.index))
                second.finished(d.worker, d.task, d.index, ok=True)
        ran_before = {(0, i) for i in range(1600 + 16)}  # 100 rounds of 16 done, 16 in flight
        assert ran_before & ran == in_flight  # of what ran before, only the in-flight again
        assert len(ran) == 5050 - 1600
        await save(store, cp.take(second, 2.0))
        records = {kv.key: json.loads(kv.value) for kv in (await store.list(C.PREFIX)).items}
        done = [records[C.key("default", name, t)]["done_count"] for t in ("map", "reduce")]
        assert done == [5000, 50]
    finally:
        for kv in (await store.list(C.job_prefix("default", name))).items:
            await store.delete(kv.key)
        await store.close()


async def test_the_benchmark_on_etcd_cleans_up(
    etcd_engine: EtcdEngine, capsys: pytest.CaptureFixture
) -> None:
    argv = ["--store", etcd_engine.url, "--instances", "2000", "--runs", "1", "--json"]
    assert await _main(argv) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert rows[0]["phase"] == "succeeded" and rows[-1]["store"] == "etcd"
    assert 0 < rows[0]["store_writes"] <= 8
    store = open_store(etcd_engine.url)
    try:
        left = [kv.key for kv in (await store.list(C.PREFIX)).items]
        assert not [k for k in left if "/bench-batch-" in k]
    finally:
        await store.close()


async def _main(argv: list[str]) -> int:
    """``bench.main`` runs its own event loop: run it off this one."""
    return await asyncio.to_thread(bench.main, argv)
