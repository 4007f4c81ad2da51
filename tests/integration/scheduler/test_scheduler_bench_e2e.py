"""The end-to-end benchmark workload on a real etcd, at toy size."""

import pytest

from sigma.scheduler.bench_e2e import run_e2e
from sigma.store import open_store
from sigma.testing.etcd import EtcdEngine

pytestmark = pytest.mark.etcd


async def test_e2e_binds_every_pod_through_etcd() -> None:
    # A private etcd: the benchmark's schedulers place every pending pod they see, so pods
    # other tests left on the session's etcd would be counted too.
    with EtcdEngine() as engine:
        out = await run_e2e(engine.url, nodes=50, pods=300, replicas=2, timeout=60, cleanup=True)
        assert out["placed"] == 300 and out["store"] == "etcd"
        assert out["store_put_per_s"] > 0 and 0 <= out["conflict_rate"] < 1
        store = open_store(engine.url)
        try:
            assert (await store.list("/sigma/v1/pods/bench/")).items == []
            assert (await store.list("/sigma/bench/")).items == []
        finally:
            await store.close()
