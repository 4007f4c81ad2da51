"""Every tier's gRPC services, in-process on the memory store and bus, on an event loop thread.

The servers run on a loop of their own in a background thread so that tests can drive them
with the synchronous gRPC client (hypothesis tests are synchronous) and can count the tasks left
on the servers' loop after many calls were abandoned.

The apiserver gets a store of its own with no background loops and a clock that never advances
(leases never expire), so any change to its revision was made by the request under test. The
scheduler, colocator and slave run with their loops on a second store, on a ``ManualClock``
that never advances: after start-up they go quiet.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Coroutine, Iterator
from concurrent.futures import Future
from dataclasses import dataclass, field
from typing import Any, TypeVar

import grpc
from google.protobuf import json_format, message_factory
from google.protobuf.descriptor import MethodDescriptor, ServiceDescriptor
from grpc_health.v1 import health_pb2, health_pb2_grpc

from sigma import rpc
from sigma.apiserver import samples
from sigma.apiserver.api import Api
from sigma.apiserver.settings import ApiServerSettings
from sigma.apiserver.tier import services
from sigma.bus.memory import MemoryBus
from sigma.cli.inprocess import InProcessApi
from sigma.cli.tiers import TIERS
from sigma.resources import POD, Repository, kind_of_key
from sigma.resources.kinds import ROOT
from sigma.slave.settings import SlaveSettings
from sigma.store.codec import decode
from sigma.store.memory import MemoryStore
from sigma.testing.clock import ManualClock
from sigma.tiers import Context
from sigma.v1 import apiserver_pb2, colocator_pb2, meta_pb2, pod_pb2, scheduler_pb2, slave_pb2
from sigma.v1 import apiserver_pb2_grpc as stubs

T = TypeVar("T")

TEAM = "team-a"
SYSTEM = "system"
NAMESPACES = (TEAM, SYSTEM)
PROTO_FILES = (apiserver_pb2, scheduler_pb2, colocator_pb2, slave_pb2)


def proto_services() -> list[ServiceDescriptor]:
    """Every service the wire contract declares: a new one is fuzzed without a test change."""
    return [s for module in PROTO_FILES for s in module.DESCRIPTOR.services_by_name.values()]


@dataclass(frozen=True)
class Method:
    """One RPC as the fuzzer sees it: where it is served and its request type."""

    path: str  # "/sigma.v1.Apps/Create"
    descriptor: MethodDescriptor
    server: int  # index into Fleet.servers
    request: type[Any]
    streaming: bool


class LoopThread:
    """An event loop running forever in a daemon thread; ``run`` a coroutine on it."""

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self._thread.start()

    def submit(self, coro: Coroutine[Any, Any, T]) -> Future[T]:
        return asyncio.run_coroutine_threadsafe(coro, self.loop)

    def run(self, coro: Coroutine[Any, Any, T], timeout: float = 30.0) -> T:
        return self.submit(coro).result(timeout)

    def tasks(self) -> int:
        """How many tasks are alive on the loop (read on the loop itself)."""

        async def count() -> int:
            return len(asyncio.all_tasks()) - 1  # not this counting task

        return self.run(count())

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(10)
        self.loop.close()


@dataclass
class Served:
    server: rpc.RpcServer
    store: MemoryStore
    channel: grpc.Channel


@dataclass
class Fleet:
    thread: LoopThread
    servers: list[Served]
    methods: list[Method]
    contexts: list[Context] = field(default_factory=list)
    versions: dict[str, int] = field(default_factory=dict)  # of seeded objects, by request type

    def revision(self, server: int) -> int:
        return self.thread.run(self.servers[server].store.revision())

    def unencodable(self, server: int) -> list[str]:
        """Keys of stored objects the change stream could not publish as JSON events."""
        store = self.servers[server].store

        async def scan() -> list[str]:
            bad = []
            for kv in (await store.list(ROOT)).items:
                kind = kind_of_key(kv.key)
                if kind is None:
                    continue
                try:
                    json_format.MessageToJson(decode(kind.message, kv))
                except json_format.SerializeToJsonError as exc:
                    bad.append(f"{kv.key}: {exc}")
            return bad

        return self.thread.run(scan())

    def healthy(self) -> bool:
        for served in self.servers:
            probe = health_pb2_grpc.HealthStub(served.channel)
            reply = probe.Check(health_pb2.HealthCheckRequest(), timeout=5)
            if reply.status != health_pb2.HealthCheckResponse.SERVING:
                return False
        return True

    def call(self, method: Method, request: Any, timeout: float) -> grpc.StatusCode:
        """The status ``request`` gets; a stream is read to its first message or its end."""
        channel = self.servers[method.server].channel
        path, serialize = method.path, _serializer(request)
        if not method.streaming:
            fn = channel.unary_unary(path, request_serializer=serialize)
            try:
                fn(request, timeout=timeout)
            except grpc.RpcError as exc:
                return exc.code()  # type: ignore[attr-defined, no-any-return]
            return grpc.StatusCode.OK
        call = channel.unary_stream(path, request_serializer=serialize)(request, timeout=timeout)
        try:
            next(iter(call), None)
        except grpc.RpcError as exc:
            return exc.code()  # type: ignore[attr-defined, no-any-return]
        finally:
            call.cancel()
        return grpc.StatusCode.OK


def _serializer(request: Any) -> Any:
    return (lambda raw: raw) if isinstance(request, bytes) else (lambda m: m.SerializeToString())


async def _start(thread: LoopThread) -> tuple[list[rpc.RpcServer], list[MemoryStore], Context]:
    config = rpc.ServerConfig(port=0, grace=0.0, default_deadline=10.0)
    api_store = MemoryStore(clock=ManualClock())  # leases never expire: no writes of its own
    settings = ApiServerSettings(namespaces=NAMESPACES, watch_bookmark_interval=0.2)
    api_server = rpc.RpcServer(services(Api(api_store, settings)), config)
    # The tiers' store and bus share their clock: on a store of its own real time, the
    # colocator's leader lease would lapse mid-run (its keep-alive waits on the manual clock).
    clock = ManualClock()
    tier_store = MemoryStore(clock=clock)
    ctx = Context(tier_store, MemoryBus(clock=clock), clock=clock)
    ctx.api = InProcessApi(tier_store)  # the colocator's evictions and time-sharing asks
    built = []
    for name in ("scheduler", "colocator", "slave"):
        ctx.settings = (
            SlaveSettings(runtime="simulated", node="fuzz-node") if name == "slave" else None
        )
        built += await TIERS[name].build(ctx)
    tier_server = rpc.RpcServer(built, config)
    for server in (api_server, tier_server):
        await server.start()
    return [api_server, tier_server], [api_store, tier_store], ctx


def _methods(servers: list[rpc.RpcServer]) -> list[Method]:
    where = {s.name: i for i, server in enumerate(servers) for s in server.services}
    out = []
    for service in proto_services():
        assert service.full_name in where, f"no test server serves {service.full_name}"
        for m in service.methods:
            out.append(
                Method(
                    f"/{service.full_name}/{m.name}",
                    m,
                    where[service.full_name],
                    message_factory.GetMessageClass(m.input_type),
                    m.server_streaming,
                )
            )
    return out


def _seed(fleet: Fleet) -> None:
    """Objects for the fuzzed requests to find, so they get past the lookup; the versions of
    those that status writes name go to ``fleet.versions`` (by request type)."""
    channel = fleet.servers[0].channel
    stubs.AppsStub(channel).Create(
        apiserver_pb2.CreateAppRequest(namespace=TEAM, app=samples.app()), timeout=5
    )
    stubs.BatchJobsStub(channel).Create(
        apiserver_pb2.CreateBatchJobRequest(namespace=TEAM, job=samples.batch_job()), timeout=5
    )
    stubs.InterferenceRuleSetsStub(channel).Create(
        apiserver_pb2.CreateInterferenceRuleSetRequest(
            namespace=SYSTEM, rule_set=samples.interference_rule_set("web", TEAM)
        ),
        timeout=5,
    )
    node = stubs.NodesStub(channel).Register(
        apiserver_pb2.RegisterNodeRequest(namespace=SYSTEM, node=samples.node()), timeout=5
    )
    pod = pod_pb2.Pod(meta=meta_pb2.ObjectMeta(namespace=TEAM, name="web-0"))
    pod.spec.template.CopyFrom(samples.template())
    created = fleet.thread.run(Repository(fleet.servers[0].store, POD).create(pod))
    fleet.versions["UpdateNodeStatusRequest"] = node.node.meta.resource_version
    fleet.versions["UpdatePodStatusRequest"] = created.meta.resource_version


def _quiet(fleet: Fleet, server: int, *, timeout: float = 10.0) -> None:
    """Wait until a store stops changing (its loops have started up and parked)."""
    last, until = -1, time.monotonic() + timeout
    while time.monotonic() < until:
        now = fleet.revision(server)
        if now == last:
            return
        last = now
        time.sleep(0.3)
    raise AssertionError(f"store of server {server} still changing after {timeout} s")


def start_fleet() -> Fleet:
    thread = LoopThread()
    servers, stores, ctx = thread.run(_start(thread))
    served = [
        Served(server, store, grpc.insecure_channel(server.address))
        for server, store in zip(servers, stores, strict=True)
    ]
    fleet = Fleet(thread, served, _methods(servers), [ctx])
    _seed(fleet)
    _quiet(fleet, 1)
    return fleet


def stop_fleet(fleet: Fleet) -> None:
    async def stop() -> None:
        for served in fleet.servers:
            await served.server.stop(0)
        tasks = [t for ctx in fleet.contexts for t in ctx.tasks]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        for served in fleet.servers:
            await served.store.close()
        rest = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
        for task in rest:  # what the tiers' loops started of their own
            task.cancel()
        await asyncio.gather(*rest, return_exceptions=True)

    for served in fleet.servers:
        served.channel.close()
    fleet.thread.run(stop())
    fleet.thread.close()


def fleet_fixture() -> Iterator[Fleet]:
    fleet = start_fleet()
    try:
        yield fleet
    finally:
        stop_fleet(fleet)
