"""With etcd down every apiserver RPC fails fast with UNAVAILABLE and a retry hint; nothing is
half-written.

Each RPC of the apiserver (enumerated from the proto, with the fuzzer's valid seed requests) is
timed against etcd killed: it must answer UNAVAILABLE with ``retry-after-ms`` in its trailing
metadata within a bound, not wait out its deadline. An App created during the outage is, after
etcd is back, either stored with its publish Task (one transaction) or not at all.
"""

from __future__ import annotations

import os
import signal
import statistics
import time
from collections.abc import AsyncIterator

import grpc
import pytest
from google.protobuf import message_factory

from sigma import rpc
from sigma.apiserver import samples
from sigma.apiserver.api import Api
from sigma.apiserver.settings import ApiServerSettings
from sigma.apiserver.tier import services
from sigma.engines.etcd import EtcdEngine
from sigma.errors import RETRY_AFTER_HEADER
from sigma.resources import APP, TASK, Repository
from sigma.store import Store, open_store
from sigma.store.etcd import EtcdStore
from sigma.testing.wait import took
from sigma.v1 import apiserver_pb2 as api
from tests.fuzz._seeds import seed
from tests.fuzz._servers import NAMESPACES, TEAM, Method, proto_services

pytestmark = pytest.mark.etcd

FAIL_FAST = 2.0  # seconds an RPC may take to say UNAVAILABLE
DEADLINE = 10.0  # what the client allows: failing fast means well inside it
HUNG_TIMEOUT = 1.0  # the store's per-call deadline in the frozen-etcd test


@pytest.fixture
async def apiserver() -> AsyncIterator[tuple[EtcdEngine, Store, grpc.aio.Channel]]:
    with EtcdEngine() as etcd:
        store = open_store(etcd.url)
        server = rpc.RpcServer(
            services(Api(store, ApiServerSettings(namespaces=NAMESPACES))),
            rpc.ServerConfig(port=0, grace=0.0),
        )
        await server.start()
        try:
            async with grpc.aio.insecure_channel(server.address) as channel:
                yield etcd, store, channel
        finally:
            await server.stop(0)
            await store.close()


def _apiserver_methods() -> list[Method]:
    return [
        Method(
            f"/{s.full_name}/{m.name}",
            m,
            0,
            message_factory.GetMessageClass(m.input_type),
            m.server_streaming,
        )
        for s in proto_services()
        if s.file.name.endswith("apiserver.proto")
        for m in s.methods
    ]


async def _call(channel: grpc.aio.Channel, method: Method) -> tuple[grpc.StatusCode, str, float]:
    """Status, retry hint and seconds of one call with the method's valid seed request."""
    request = seed(method.request)
    serialize = type(request).SerializeToString
    began = time.monotonic()
    try:
        if method.streaming:
            call = channel.unary_stream(method.path, request_serializer=serialize)(
                request, timeout=DEADLINE
            )
            async for _ in call:
                break
            call.cancel()
            return grpc.StatusCode.OK, "", time.monotonic() - began
        call = channel.unary_unary(method.path, request_serializer=serialize)(
            request, timeout=DEADLINE
        )
        await call
        return grpc.StatusCode.OK, "", time.monotonic() - began
    except grpc.aio.AioRpcError as exc:
        hint = dict(exc.trailing_metadata() or ()).get(RETRY_AFTER_HEADER, "")
        return exc.code(), str(hint), time.monotonic() - began


async def _until_served(channel: grpc.aio.Channel, method: Method, limit: float = 15.0) -> float:
    """Seconds until ``method`` is answered by the store again (anything but UNAVAILABLE)."""

    async def served() -> bool:
        return (await _call(channel, method))[0] != grpc.StatusCode.UNAVAILABLE

    return await took(served, timeout=limit, what=f"{method.path} served", interval=0.05)


async def test_etcd_down_fails_fast_with_a_retry_hint_and_writes_nothing_half(
    apiserver: tuple[EtcdEngine, Store, grpc.aio.Channel],
) -> None:
    etcd, store, channel = apiserver
    apps = Repository(store, APP)
    get = next(m for m in _apiserver_methods() if m.path == "/sigma.v1.Apps/Get")
    normal = []
    for _ in range(5):
        _, _, took = await _call(channel, get)
        normal.append(took)
    etcd.kill()
    try:
        outcomes = {m.path: await _call(channel, m) for m in _apiserver_methods()}
        create = api.CreateAppRequest(namespace=TEAM, app=samples.app("during-outage"))
        stub = channel.unary_unary(
            "/sigma.v1.Apps/Create", request_serializer=api.CreateAppRequest.SerializeToString
        )
        with pytest.raises(grpc.aio.AioRpcError) as refused:
            await stub(create, timeout=DEADLINE)
    finally:
        etcd.start()
    recovered = await _until_served(channel, get)
    wrong = {p: o for p, o in outcomes.items() if o[0] != grpc.StatusCode.UNAVAILABLE or not o[1]}
    assert not wrong, wrong
    slowest = max(took for _, _, took in outcomes.values())
    print(
        f"\nnormal Apps/Get {statistics.median(normal) * 1000:.1f} ms; with etcd down "
        f"{len(outcomes)} RPCs answered UNAVAILABLE in at most {slowest * 1000:.1f} ms "
        f"(hint {outcomes[get.path][1]} ms); served again {recovered:.2f} s after etcd restarted"
    )
    assert slowest < FAIL_FAST, outcomes
    assert refused.value.code() == grpc.StatusCode.UNAVAILABLE
    app = await apps.find(TEAM, "during-outage")
    tasks = [
        t for t in await Repository(store, TASK).list_all(TEAM) if ".during-outage." in t.meta.name
    ]
    assert (app is None) == (not tasks), (app, tasks)  # the App and its Task, or neither


async def test_a_hung_etcd_answers_unavailable_after_the_store_timeout() -> None:
    """etcd frozen (SIGSTOP: connections stay open, nothing answers), as in a partition: the
    call ends at the store's per-call timeout as UNAVAILABLE with the hint, not at the client's
    deadline; a Create sent into the freeze is, once etcd thaws, whole or absent."""
    with EtcdEngine() as etcd:
        store = EtcdStore([etcd.endpoint], timeout=HUNG_TIMEOUT)
        server = rpc.RpcServer(
            services(Api(store, ApiServerSettings(namespaces=NAMESPACES))),
            rpc.ServerConfig(port=0, grace=0.0),
        )
        await server.start()
        pid = etcd._proc.pid  # type: ignore[union-attr]
        try:
            async with grpc.aio.insecure_channel(server.address) as channel:
                stub = channel.unary_unary(
                    "/sigma.v1.Apps/Create",
                    request_serializer=api.CreateAppRequest.SerializeToString,
                )
                create = api.CreateAppRequest(namespace=TEAM, app=samples.app("frozen"))
                os.kill(pid, signal.SIGSTOP)
                began = time.monotonic()
                try:
                    with pytest.raises(grpc.aio.AioRpcError) as refused:
                        await stub(create, timeout=DEADLINE)
                    took = time.monotonic() - began
                finally:
                    os.kill(pid, signal.SIGCONT)
                hint = dict(refused.value.trailing_metadata() or ()).get(RETRY_AFTER_HEADER)
                assert refused.value.code() == grpc.StatusCode.UNAVAILABLE, refused.value
                assert hint and HUNG_TIMEOUT <= took < HUNG_TIMEOUT + 1.0, (hint, took)
                print(
                    f"\nhung etcd: UNAVAILABLE after {took:.2f} s (store timeout {HUNG_TIMEOUT} s)"
                )
                app = await Repository(store, APP).find(TEAM, "frozen")
                tasks = [
                    t
                    for t in await Repository(store, TASK).list_all(TEAM)
                    if ".frozen." in t.meta.name
                ]
                assert (app is None) == (not tasks), (app, tasks)
        finally:
            await server.stop(0)
            await store.close()
