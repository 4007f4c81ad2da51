"""The end-to-end benchmark workload on a real etcd, at toy size."""

import pytest

from sigma.cli.bench.scheduler_e2e import clean, run_e2e
from sigma.engines.etcd import EtcdEngine
from sigma.resources.kinds import NODE, NODE_ALLOCATION, POD
from sigma.scheduler.allocation import over_capacity
from sigma.scheduler.convert import node_row
from sigma.store import open_store
from sigma.store.codec import decode
from sigma.v1 import node_pb2, pod_pb2

pytestmark = pytest.mark.etcd


async def test_e2e_binds_every_pod_once_through_etcd() -> None:
    # A private etcd: the benchmark's schedulers place every pending pod they see, so pods
    # other tests left on the session's etcd would be counted too.
    with EtcdEngine() as engine:
        out = await run_e2e(engine.url, nodes=50, pods=300, replicas=2, timeout=60, batch_size=32)
        assert out["placed"] == 300 and out["store"] == "etcd"
        assert out["store_put_per_s"] > 0 and 0 <= out["conflict_rate"] < 1
        assert out["placements_vs_puts"] > 0 and out["cpu_ms_per_pod"] > 0
        assert 0 < out["p50_ms"] <= out["p99_ms"] and out["peak_rss_mib"] > 0
        store = open_store(engine.url)
        try:
            listed = (await store.list(POD.namespace_prefix("bench"))).items
            bound = (decode(pod_pb2.Pod, kv) for kv in listed)
            pods = {f"bench/{p.meta.name}": p.spec.node_name for p in bound}
            nodes = {
                n.meta.name: node_row(n)
                for n in (decode(node_pb2.Node, kv) for kv in (await store.list(NODE.prefix)).items)
            }
            placed: dict[str, str] = {}
            for kv in (await store.list(NODE_ALLOCATION.prefix)).items:
                record = decode(node_pb2.NodeAllocation, kv)
                assert over_capacity(record, nodes[record.node_name]) == ""
                for a in record.pods:
                    assert a.pod_key not in placed, f"{a.pod_key} in two records"
                    placed[a.pod_key] = record.node_name
            assert len(pods) == 300 and placed == pods  # every pod bound where its record says
            await clean(store)
            assert (await store.list(POD.namespace_prefix("bench"))).items == []
            assert (await store.list("/sigma/bench/")).items == []
        finally:
            await store.close()
