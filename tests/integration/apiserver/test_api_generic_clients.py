"""The apiserver as grpcurl or any language's generic client sees it: health checking per
service, and server reflection good enough to build a request and call a method."""

from __future__ import annotations

import grpc
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from sigma.apiserver import samples
from sigma.v1 import apiserver_pb2 as api
from tests.integration.apiserver._api import Cluster

SERVICES = (
    "sigma.v1.Apps",
    "sigma.v1.BatchJobs",
    "sigma.v1.Pods",
    "sigma.v1.Nodes",
    "sigma.v1.Tasks",
)


async def test_health_reports_serving_for_each_service(memory_cluster: Cluster) -> None:
    health = health_pb2_grpc.HealthStub(memory_cluster.channel)
    for name in ("", *SERVICES):
        reply = await health.Check(health_pb2.HealthCheckRequest(service=name), timeout=5)
        assert reply.status == health_pb2.HealthCheckResponse.SERVING, name


async def _reflect(channel: grpc.aio.Channel, request: reflection_pb2.ServerReflectionRequest):  # type: ignore[no-untyped-def]
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)

    async def one():  # type: ignore[no-untyped-def]
        yield request

    async for reply in stub.ServerReflectionInfo(one(), timeout=5):
        return reply
    raise AssertionError("no reflection reply")


async def test_a_generic_client_lists_services_and_calls_apps_list_by_reflection(
    memory_cluster: Cluster,
) -> None:
    c = memory_cluster
    await c.apps().Create(api.CreateAppRequest(namespace=c.ns, app=samples.app()))
    listed = await _reflect(c.channel, reflection_pb2.ServerReflectionRequest(list_services=""))
    assert set(SERVICES) <= {s.name for s in listed.list_services_response.service}
    found = await _reflect(
        c.channel, reflection_pb2.ServerReflectionRequest(file_containing_symbol="sigma.v1.Apps")
    )
    files = [
        descriptor_pb2.FileDescriptorProto.FromString(b)
        for b in found.file_descriptor_response.file_descriptor_proto
    ]
    pool = descriptor_pool.DescriptorPool()
    pending = {f.name: f for f in files}
    while pending:  # add each file after its dependencies
        ready = [f for f in pending.values() if all(d not in pending for d in f.dependency)]
        assert ready, f"unresolvable files {sorted(pending)}"
        for f in ready:
            pool.Add(f)
            del pending[f.name]
    method = pool.FindServiceByName("sigma.v1.Apps").FindMethodByName("List")
    request_cls = message_factory.GetMessageClass(method.input_type)
    response_cls = message_factory.GetMessageClass(method.output_type)
    call = c.channel.unary_unary(
        "/sigma.v1.Apps/List",
        request_serializer=lambda m: m.SerializeToString(),
        response_deserializer=response_cls.FromString,
    )
    reply = await call(request_cls(namespace=c.ns), timeout=5)
    assert [item.meta.name for item in reply.items] == ["web"]
    assert reply.resource_version > 0
