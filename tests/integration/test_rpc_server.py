"""The server helper on a real port: health, reflection, error mapping, deadlines, request ids."""

import asyncio

import grpc
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from sigma import errors, rpc
from sigma.log import request_id
from sigma.retry import RetryPolicy

SERVICE = "sigma.test.Echo"
seen_ids: list[str] = []


async def _echo(request: bytes, context: grpc.aio.ServicerContext) -> bytes:
    seen_ids.append(request_id.get())
    if request == b"invalid":
        raise errors.Invalid("spec.replicas", "must not be negative")
    if request == b"stale":
        raise errors.Conflict("resource_version 3 is stale")
    if request == b"bug":
        raise ZeroDivisionError("oops")
    if request == b"slow":
        await asyncio.sleep(5)
    return request


def _register(server: grpc.aio.Server) -> None:
    handler = grpc.unary_unary_rpc_method_handler(_echo)
    server.add_generic_rpc_handlers(
        (grpc.method_handlers_generic_handler(SERVICE, {"Echo": handler}),)
    )


@pytest.fixture
async def server():
    config = rpc.ServerConfig(port=0, grace=0.5, default_deadline=0.3)
    async with rpc.RpcServer([rpc.Service(SERVICE, _register)], config) as srv:
        yield srv


@pytest.fixture
async def channel(server):
    async with rpc.channel(server.address) as ch:
        yield ch


def _echo_method(channel: grpc.aio.Channel):
    return channel.unary_unary(f"/{SERVICE}/Echo")


async def test_health_reports_serving_for_the_server_and_each_service(channel) -> None:
    stub = health_pb2_grpc.HealthStub(channel)
    for name in ("", SERVICE):
        reply = await stub.Check(health_pb2.HealthCheckRequest(service=name), timeout=2)
        assert reply.status == health_pb2.HealthCheckResponse.SERVING


async def test_reflection_lists_our_service_health_and_reflection(channel) -> None:
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)

    async def one():
        yield reflection_pb2.ServerReflectionRequest(list_services="")

    async for reply in stub.ServerReflectionInfo(one(), timeout=2):
        names = {s.name for s in reply.list_services_response.service}
        break
    assert {SERVICE, "grpc.health.v1.Health", "grpc.reflection.v1alpha.ServerReflection"} <= names


async def test_reflection_v1_is_served_as_well(channel) -> None:
    """grpcurl and Postman ask for grpc.reflection.v1 first; its messages are v1alpha's bytes."""
    call = channel.stream_stream(
        "/grpc.reflection.v1.ServerReflection/ServerReflectionInfo",
        request_serializer=reflection_pb2.ServerReflectionRequest.SerializeToString,
        response_deserializer=reflection_pb2.ServerReflectionResponse.FromString,
    )

    async def ask():
        yield reflection_pb2.ServerReflectionRequest(list_services="")
        yield reflection_pb2.ServerReflectionRequest(file_containing_symbol="grpc.health.v1.Health")

    replies = [reply async for reply in call(ask(), timeout=2)]
    names = {s.name for s in replies[0].list_services_response.service}
    assert {SERVICE, "grpc.reflection.v1.ServerReflection"} <= names
    assert replies[1].file_descriptor_response.file_descriptor_proto  # health.proto, described


@pytest.mark.parametrize(
    ("payload", "code", "details"),
    [
        (b"invalid", grpc.StatusCode.INVALID_ARGUMENT, "spec.replicas: must not be negative"),
        (b"stale", grpc.StatusCode.ABORTED, "resource_version 3 is stale"),
        (b"bug", grpc.StatusCode.INTERNAL, "internal error"),
        (b"slow", grpc.StatusCode.DEADLINE_EXCEEDED, "/sigma.test.Echo/Echo ran past its deadline"),
    ],
)
async def test_errors_become_status_codes_at_the_edge(channel, payload, code, details) -> None:
    with pytest.raises(grpc.aio.AioRpcError) as info:
        # No client deadline: the server's default (0.3 s here) bounds the slow call.
        await _echo_method(channel)(payload)
    assert info.value.code() == code
    assert info.value.details() == details


async def test_client_helper_translates_status_back_into_the_error_tree(channel) -> None:
    with pytest.raises(errors.Invalid) as info:
        await rpc.unary(_echo_method(channel), b"invalid", timeout=2)
    assert info.value.field == "spec.replicas"
    assert await rpc.unary(_echo_method(channel), b"hello", timeout=2) == b"hello"


async def test_request_id_travels_from_caller_to_server(channel) -> None:
    request_id.set("rid-1234")
    await rpc.unary(_echo_method(channel), b"x", timeout=2)
    assert seen_ids[-1] == "rid-1234"


async def test_unreachable_server_is_unavailable_after_the_retry_policy() -> None:
    policy = RetryPolicy(initial=0.001, maximum=0.01, attempts=3, deadline=3)
    async with rpc.channel("127.0.0.1:1") as ch:
        with pytest.raises(errors.Unavailable):
            await rpc.unary(_echo_method(ch), b"x", timeout=0.5, policy=policy)


async def test_stop_reports_not_serving_then_closes(server) -> None:
    async with rpc.channel(server.address) as ch:
        stub = health_pb2_grpc.HealthStub(ch)
        await server.stop(grace=0.1)
        with pytest.raises(grpc.aio.AioRpcError) as info:
            await stub.Check(health_pb2.HealthCheckRequest(), timeout=1)
        assert info.value.code() == grpc.StatusCode.UNAVAILABLE
