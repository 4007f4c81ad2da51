"""gRPC server helper: health checking, reflection, error translation, deadlines, graceful stop.

Every tier serves through ``RpcServer`` so that grpcurl and any language's client work the same
against each (standard health + reflection), and so that the error tree is mapped to status codes
in exactly one place (``sigma.errors.GRPC_CODES``), here at the edge.

Access is checked here too, for every call but health and reflection: the interceptor hands the
deserialized request, the bearer token and the TLS peer names to ``ServerConfig.guard`` with the
method's rule from its service's ``access`` table, before the handler runs.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import grpc
from google.protobuf import descriptor_pool
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection, reflection_pb2

from sigma import auth, metrics
from sigma.errors import (
    DeadlineExceeded,
    Invalid,
    PermissionDenied,
    SigmaError,
    Unauthenticated,
    grpc_code,
    retry_hint,
)
from sigma.log import get_logger, new_request_id, request_id
from sigma.rpc._tls import peer_names

log = get_logger("sigma.rpc")

REQUEST_ID_HEADER = "x-request-id"
REFLECTION_V1 = "grpc.reflection.v1.ServerReflection"


def _reflection_v1(names: Sequence[str]) -> grpc.GenericRpcHandler:
    """``grpc.reflection.v1``, which newer clients (grpcurl, Postman) ask for first, served by
    grpcio-reflection's v1alpha servicer: the two protocols' messages are the same fields under
    another package name, so the v1alpha codec reads and writes v1 bytes unchanged."""
    servicer = reflection.aio.ReflectionServicer(names)
    method = grpc.stream_stream_rpc_method_handler(
        servicer.ServerReflectionInfo,
        request_deserializer=reflection_pb2.ServerReflectionRequest.FromString,
        response_serializer=reflection_pb2.ServerReflectionResponse.SerializeToString,
    )
    return grpc.method_handlers_generic_handler(REFLECTION_V1, {"ServerReflectionInfo": method})


@dataclass(frozen=True, slots=True)
class Service:
    """One gRPC service to serve: its full name, the function that registers it, and its
    access table (method name → ``sigma.auth.Rule``), declared next to the servicer."""

    name: str
    register: Callable[[grpc.aio.Server], None]
    access: auth.Access = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 0  # 0: any free port; ``RpcServer.port`` tells which
    grace: float = 5.0  # seconds in-flight calls get on stop
    default_deadline: float = 30.0  # applied to unary calls whose client set none
    options: Sequence[tuple[str, Any]] = field(
        default=(
            ("grpc.max_receive_message_length", 16 * 1024 * 1024),
            ("grpc.so_reuseport", 0),
        )
    )
    guard: auth.Guard = field(default_factory=auth.Guard)  # open unless given an Authenticator
    credentials: grpc.ServerCredentials | None = None  # TLS (sigma.rpc.server_credentials)
    tier: str = ""  # the ``tier`` label of this server's sigma_grpc_* metrics


class RpcServer:
    """A grpc.aio server with the standard services; ``async with`` starts and stops it."""

    def __init__(self, services: Sequence[Service], config: ServerConfig | None = None) -> None:
        self.config = config or ServerConfig()
        self.services = list(services)
        rules = access_rules(self.services, require=not self.config.guard.open)
        config = self.config
        edge = _EdgeInterceptor(config.default_deadline, config.guard, rules, config.tier)
        self._server = grpc.aio.server(
            interceptors=[edge],
            options=list(self.config.options),
        )
        self._health = health.aio.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(self._health, self._server)
        for service in self.services:
            service.register(self._server)
        names = [s.name for s in self.services]
        names += [health.SERVICE_NAME, reflection.SERVICE_NAME, REFLECTION_V1]
        reflection.enable_server_reflection(names, self._server)
        self._server.add_generic_rpc_handlers((_reflection_v1(names),))
        self.port = 0

    @property
    def address(self) -> str:
        return f"{self.config.host}:{self.port}"

    async def start(self) -> None:
        address = f"{self.config.host}:{self.config.port}"
        if self.config.credentials is None:
            self.port = self._server.add_insecure_port(address)
        else:
            self.port = self._server.add_secure_port(address, self.config.credentials)
        if self.port == 0:
            raise OSError(f"cannot listen on {self.config.host}:{self.config.port}")
        await self._server.start()
        serving = health_pb2.HealthCheckResponse.SERVING
        for name in ["", *(s.name for s in self.services)]:
            await self._health.set(name, serving)
        log.info("serving", extra={"address": self.address, "services": [*self._names()]})

    async def stop(self, grace: float | None = None) -> None:
        """Report NOT_SERVING first so balancers drain us, then let in-flight calls finish."""
        await self._health.enter_graceful_shutdown()
        await self._server.stop(self.config.grace if grace is None else grace)

    async def wait(self) -> None:
        await self._server.wait_for_termination()

    def _names(self) -> list[str]:
        return [s.name for s in self.services]

    async def __aenter__(self) -> RpcServer:
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()


def access_rules(services: Sequence[Service], *, require: bool) -> Mapping[str, auth.Rule]:
    """Every method path ("/sigma.v1.Apps/Get") → its rule.

    A rule naming a method the service does not have is a bug at once; with ``require`` (tokens
    on), so is a method without a rule: the server refuses to start rather than serve it open.
    """
    pool = descriptor_pool.Default()
    rules: dict[str, auth.Rule] = {}
    for service in services:
        try:
            methods = {m.name for m in pool.FindServiceByName(service.name).methods}
        except KeyError:
            methods = set(service.access)
        unknown = set(service.access) - methods
        missing = methods - set(service.access)
        if unknown:
            raise ValueError(f"{service.name} has rules for unknown methods {sorted(unknown)}")
        if require and missing:
            raise ValueError(f"{service.name} has no access rule for {sorted(missing)}")
        rules.update({f"/{service.name}/{m}": r for m, r in service.access.items()})
    return rules


def _metadata_request_id(details: grpc.HandlerCallDetails) -> str:
    for key, value in details.invocation_metadata or ():
        if key == REQUEST_ID_HEADER:
            return value if isinstance(value, str) else value.decode()
    return new_request_id()


class _Admission:
    """One call's access check: run by the wrapped handler, which has the request."""

    __slots__ = ("guard", "method", "rule", "token")

    def __init__(
        self, guard: auth.Guard, rule: auth.Rule | None, method: str, token: str | None
    ) -> None:
        self.guard, self.rule, self.method, self.token = guard, rule, method, token

    def __call__(self, request: Any, context: grpc.aio.ServicerContext) -> None:
        try:
            principal = self.guard.admit(
                self.rule, self.method, request, self.token, peer_names(context)
            )
        except (PermissionDenied, Unauthenticated) as exc:
            log.info("denied", extra={"method": self.method, "reason": exc.message})
            raise
        auth.current.set(principal)


REQUESTS = metrics.REGISTRY.counter(
    "sigma_grpc_requests_total",
    "gRPC calls served, by tier, method and status code",
    ("tier", "method", "code"),
)
LATENCY = metrics.REGISTRY.histogram(
    "sigma_grpc_request_seconds",
    "time to answer a unary gRPC call, by tier and method",
    ("tier", "method"),
)


def _code(context: grpc.aio.ServicerContext, exc: BaseException | None) -> str:
    """The status a call ended with: from the error it raised, else what the handler set."""
    if isinstance(exc, SigmaError):
        return grpc_code(exc).name
    if isinstance(exc, TimeoutError):
        return "DEADLINE_EXCEEDED"
    if exc is not None and not isinstance(exc, grpc.aio.AbortError):
        return "INTERNAL"
    code = context.code() if hasattr(context, "code") else None
    return code.name if isinstance(code, grpc.StatusCode) else ("OK" if exc is None else "UNKNOWN")


class _Undecodable:
    """What the decoder passes on for bytes that are not the request type: the wrapped handler
    then answers INVALID_ARGUMENT, where grpc itself would answer UNKNOWN."""

    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason


def _tolerant(decode: Callable[[bytes], Any] | None) -> Callable[[bytes], Any] | None:
    if decode is None:
        return None

    def run(raw: bytes) -> Any:
        try:
            return decode(raw)
        except Exception as exc:
            return _Undecodable(str(exc))

    return run


def _decoded(request: Any) -> None:
    if isinstance(request, _Undecodable):
        raise Invalid("request", f"not a valid request message ({request.reason})")


async def _abort(context: grpc.aio.ServicerContext, exc: BaseException, method: str) -> None:
    if isinstance(exc, SigmaError):
        await context.abort(grpc_code(exc), exc.message, trailing_metadata=retry_hint(exc))
    log.exception("internal error", extra={"method": method})
    await context.abort(grpc.StatusCode.INTERNAL, "internal error")


class _EdgeInterceptor(grpc.aio.ServerInterceptor):
    """Sets the request id, checks access, bounds unary calls by a deadline, maps errors to
    status codes."""

    def __init__(
        self,
        default_deadline: float,
        guard: auth.Guard,
        rules: Mapping[str, auth.Rule],
        tier: str = "",
    ) -> None:
        self.default_deadline = default_deadline
        self.tier = tier
        self.guard = guard
        self.rules = rules

    async def intercept_service(
        self, continuation: Callable[..., Any], details: grpc.HandlerCallDetails
    ) -> grpc.RpcMethodHandler | None:
        handler = await continuation(details)
        if handler is None or details.method.startswith(("/grpc.health", "/grpc.reflection")):
            return handler
        rid = _metadata_request_id(details)
        method = details.method
        token = auth.bearer(details.invocation_metadata)
        admit = _Admission(self.guard, self.rules.get(method), method, token)
        handler = handler._replace(request_deserializer=_tolerant(handler.request_deserializer))
        if handler.unary_unary is not None:
            return handler._replace(
                unary_unary=self._unary(handler.unary_unary, rid, method, admit)
            )
        if handler.unary_stream is not None:
            stream = _stream(handler.unary_stream, rid, method, admit, self.tier)
            return handler._replace(unary_stream=stream)
        if handler.stream_stream is not None:
            both = _bidi(handler.stream_stream, rid, method, admit, self.tier)
            return handler._replace(stream_stream=both)
        # Client streaming alone: no service here has any, so none is served unchecked.
        return handler if self.guard.open else None

    def _unary(
        self, fn: Callable[..., Any], rid: str, method: str, admit: _Admission
    ) -> Callable[..., Any]:
        async def call(request: Any, context: grpc.aio.ServicerContext) -> Any:
            request_id.set(rid)
            remaining = context.time_remaining()
            budget = self.default_deadline if remaining is None else remaining
            started, failure = time.monotonic(), None
            try:
                _decoded(request)
                admit(request, context)
                async with asyncio.timeout(budget):
                    return await fn(request, context)
            except grpc.aio.AbortError as exc:
                failure = exc
                raise
            except TimeoutError as exc:
                failure = exc
                await _abort(context, DeadlineExceeded(f"{method} ran past its deadline"), method)
            except Exception as exc:
                failure = exc
                await _abort(context, exc, method)
            finally:
                REQUESTS.labels(self.tier, method, _code(context, failure)).inc()
                LATENCY.labels(self.tier, method).observe(time.monotonic() - started)

        return call


def _bidi(
    fn: Callable[..., Any], rid: str, method: str, admit: _Admission, tier: str
) -> Callable[..., Any]:
    """A stream both ways (a batch worker's): admitted once, before the first message, so its
    rule must be cluster-scoped (no request to read a namespace from); every message decoded."""

    async def decoded(requests: AsyncIterator[Any]) -> AsyncIterator[Any]:
        async for request in requests:
            _decoded(request)
            yield request

    async def call(requests: AsyncIterator[Any], context: grpc.aio.ServicerContext) -> Any:
        request_id.set(rid)
        admit(None, context)
        return fn(decoded(requests), context)

    return _stream(call, rid, method, _admitted, tier)


def _admitted(request: Any, context: grpc.aio.ServicerContext) -> None:
    """Admission already done (by ``_bidi``)."""


def _stream(
    fn: Callable[..., Any], rid: str, method: str, admit: Callable[..., None], tier: str
) -> Callable[..., Any]:
    async def call(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
        request_id.set(rid)
        failure: BaseException | None = None
        try:
            _decoded(request)
            admit(request, context)
            items = fn(request, context)
            if asyncio.iscoroutine(items):  # a bidi call (``_bidi``) admits, then streams
                items = await items
            async for item in items:
                yield item
        except grpc.aio.AbortError as exc:
            failure = exc
            raise
        except Exception as exc:
            failure = exc
            await _abort(context, exc, method)
        finally:  # a watch that the client ended counts as OK
            REQUESTS.labels(tier, method, _code(context, failure)).inc()

    return call
