"""The /metrics endpoint as Prometheus scrapes it: two tiers in one process (as under
``sigma up``) on the embedded store, one port, the tiers apart by their ``tier`` label."""

from __future__ import annotations

import asyncio
import urllib.request

import pytest
from prometheus_client.parser import text_string_to_metric_families

from sigma import rpc
from sigma.cli.tiers import run
from sigma.errors import NotFound
from sigma.v1 import apiserver_pb2 as api
from sigma.v1 import apiserver_pb2_grpc as stubs
from sigma.v1 import scheduler_pb2, scheduler_pb2_grpc

Samples = dict[str, dict[tuple[tuple[str, str], ...], float]]


def _get(address: str) -> str:
    with urllib.request.urlopen(f"http://{address}/metrics", timeout=5) as reply:
        assert reply.status == 200
        return reply.read().decode()


async def _scrape(address: str) -> Samples:
    out: Samples = {}
    for family in text_string_to_metric_families(await asyncio.to_thread(_get, address)):
        for s in family.samples:
            out.setdefault(s.name, {})[tuple(sorted(s.labels.items()))] = s.value
    return out


def _one(samples: Samples, name: str, **labels: str) -> float:
    return samples.get(name, {}).get(tuple(sorted(labels.items())), 0.0)


async def test_two_tiers_on_one_port_count_their_calls_apart() -> None:
    stop = asyncio.Event()
    ready: asyncio.Future[dict[str, str]] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(
        run(
            ["apiserver", "scheduler"],
            store_url="memory://",
            bus_url="memory://",
            listen={"apiserver": ("127.0.0.1", 0), "scheduler": ("127.0.0.1", 0)},
            stop=stop,
            on_ready=ready.set_result,
            metrics=("127.0.0.1", 0),
        )
    )
    try:
        addresses = await asyncio.wait_for(ready, 20)
        get = {"tier": "apiserver", "method": "/sigma.v1.Apps/Get", "code": "NOT_FOUND"}
        before = _one(await _scrape(addresses["metrics"]), "sigma_grpc_requests_total", **get)
        async with rpc.channel(addresses["apiserver"]) as channel:
            request = api.GetAppRequest(namespace="default", name="missing")
            for _ in range(2):
                with pytest.raises(NotFound):
                    await rpc.unary(stubs.AppsStub(channel).Get, request)
        async with rpc.channel(addresses["scheduler"]) as channel:
            explain = scheduler_pb2.ExplainRequest(namespace="default", pod_key="default/missing")
            with pytest.raises(NotFound):
                await rpc.unary(scheduler_pb2_grpc.SchedulerStub(channel).Explain, explain)
        got = await _scrape(addresses["metrics"])
        assert _one(got, "sigma_grpc_requests_total", **get) == before + 2
        assert not _one(got, "sigma_grpc_requests_total", **(get | {"tier": "scheduler"}))
        calls = got["sigma_grpc_requests_total"]
        assert any(("tier", "scheduler") in labels for labels in calls), calls
        assert "sigma_grpc_request_seconds_bucket" in got
        assert _one(got, "sigma_store_revision") >= 1
        assert "sigma_apiserver_changestream_lag_revisions" in got
        assert (
            "sigma_scheduler_pending_pods" in got or "sigma_scheduler_attempt_seconds_count" in got
        )
        # Only the tiers this process runs: no empty colocator or slave families.
        assert not [n for n in got if n.startswith(("sigma_colocator_", "sigma_slave_"))]
        # What runs, and the process itself.
        [build] = got["sigma_build_info"]
        assert dict(build)["version"] and got["process_resident_memory_bytes"]
    finally:
        stop.set()
        await asyncio.wait_for(task, 20)
