"""A tier's /metrics endpoint as Prometheus scrapes it: the apiserver, on the embedded store."""

from __future__ import annotations

import asyncio
import re

import pytest

from sigma import rpc
from sigma.errors import NotFound
from sigma.tiers import run
from sigma.v1 import apiserver_pb2 as api
from sigma.v1 import apiserver_pb2_grpc as stubs


async def _scrape(address: str) -> str:
    host, _, port = address.rpartition(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    writer.write(b"GET /metrics HTTP/1.1\r\nHost: test\r\n\r\n")
    await writer.drain()
    raw = (await asyncio.wait_for(reader.read(), 5)).decode()
    writer.close()
    head, _, body = raw.partition("\r\n\r\n")
    assert head.startswith("HTTP/1.1 200 OK"), head
    return body


def _sample(body: str, name: str, labels: str = "") -> float:
    pattern = rf"^{re.escape(name + labels)} (\S+)$"
    match = re.search(pattern, body, re.M)
    assert match, f"no {name}{labels} in:\n{body}"
    return float(match.group(1))


async def test_the_apiserver_counts_requests_by_method_and_code_and_reports_its_lag() -> None:
    stop = asyncio.Event()
    ready: asyncio.Future[dict[str, str]] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(
        run(
            ["apiserver"],
            store_url="memory://",
            bus_url="memory://",
            listen={"apiserver": ("127.0.0.1", 0)},
            stop=stop,
            on_ready=ready.set_result,
            metrics=("127.0.0.1", 0),
        )
    )
    try:
        addresses = await asyncio.wait_for(ready, 20)
        labels = '{method="/sigma.v1.Apps/Get",code="NOT_FOUND"}'
        before = await _scrape(addresses["metrics"])
        count = (
            0.0 if labels not in before else _sample(before, "sigma_grpc_requests_total", labels)
        )
        async with rpc.channel(addresses["apiserver"]) as channel:
            request = api.GetAppRequest(namespace="default", name="missing")
            for _ in range(2):
                with pytest.raises(NotFound):
                    await rpc.unary(stubs.AppsStub(channel).Get, request)
        body = await _scrape(addresses["metrics"])
        assert _sample(body, "sigma_grpc_requests_total", labels) == count + 2
        assert "# TYPE sigma_grpc_request_seconds histogram" in body
        assert _sample(body, "sigma_store_revision") >= 1
        assert _sample(body, "sigma_apiserver_changestream_lag_revisions") >= 0
        # Only the tiers this process runs: no empty scheduler or colocator families.
        assert "sigma_scheduler_" not in body and "sigma_colocator_" not in body
    finally:
        stop.set()
        await asyncio.wait_for(task, 20)
