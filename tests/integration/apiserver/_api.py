"""The apiserver's gRPC API on real servers (port 0): replicas over one store, and a refusal.

``serve`` starts replicas of the whole API over ``store`` behind one round-robin channel; each
cluster gets namespaces of its own, so tests sharing the session's etcd never see each other.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Awaitable
from dataclasses import dataclass
from typing import Any

import grpc
import pytest

from sigma import rpc
from sigma.apiserver.api import Api
from sigma.apiserver.settings import ApiServerSettings
from sigma.apiserver.tier import services
from sigma.store import Store
from sigma.v1 import apiserver_pb2_grpc as stubs


@dataclass
class Cluster:
    store: Store
    ns: str  # this test's team namespace
    addresses: list[str]
    channel: grpc.aio.Channel  # round robin over every replica

    def apps(self, channel: grpc.aio.Channel | None = None) -> stubs.AppsStub:
        return stubs.AppsStub(channel or self.channel)


async def serve(store: Store, replicas: int) -> AsyncIterator[Cluster]:
    """``replicas`` apiservers over ``store``; the store is closed when they stop."""
    ns = f"team-{uuid.uuid4().hex[:8]}"
    settings = ApiServerSettings(
        namespaces=(ns, "system"), max_replicas=100, watch_bookmark_interval=0.2
    )
    config = rpc.ServerConfig(port=0, grace=0.1)
    servers = [rpc.RpcServer(services(Api(store, settings)), config) for _ in range(replicas)]
    for server in servers:
        await server.start()
    addresses = [s.address for s in servers]
    try:
        async with rpc.channel(addresses) as channel:
            yield Cluster(store, ns, addresses, channel)
    finally:
        for server in servers:
            await server.stop(0)
        await store.close()


async def refused(call: Awaitable[Any]) -> tuple[grpc.StatusCode, str]:
    """The status code and details ``call`` fails with (it must fail)."""
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call
    return caught.value.code(), caught.value.details() or ""
