"""gRPC server helper: health checking, reflection, error translation, deadlines, graceful stop.

Every tier serves through ``RpcServer`` so that grpcurl and any language's client work the same
against each (standard health + reflection), and so that the error tree is mapped to status codes
in exactly one place (``sigma.errors.GRPC_CODES``), here at the edge.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import grpc
from grpc_health.v1 import health, health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection

from sigma import metrics
from sigma.errors import DeadlineExceeded, SigmaError, grpc_code
from sigma.log import get_logger, new_request_id, request_id

log = get_logger("sigma.rpc")

REQUEST_ID_HEADER = "x-request-id"


@dataclass(frozen=True, slots=True)
class Service:
    """One gRPC service to serve: its full name and the function that registers it."""

    name: str
    register: Callable[[grpc.aio.Server], None]


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


class RpcServer:
    """A grpc.aio server with the standard services; ``async with`` starts and stops it."""

    def __init__(self, services: Sequence[Service], config: ServerConfig | None = None) -> None:
        self.config = config or ServerConfig()
        self.services = list(services)
        self._server = grpc.aio.server(
            interceptors=[_EdgeInterceptor(self.config.default_deadline)],
            options=list(self.config.options),
        )
        self._health = health.aio.HealthServicer()
        health_pb2_grpc.add_HealthServicer_to_server(self._health, self._server)
        for service in self.services:
            service.register(self._server)
        names = [s.name for s in self.services]
        names += [health.SERVICE_NAME, reflection.SERVICE_NAME]
        reflection.enable_server_reflection(names, self._server)
        self.port = 0

    @property
    def address(self) -> str:
        return f"{self.config.host}:{self.port}"

    async def start(self) -> None:
        self.port = self._server.add_insecure_port(f"{self.config.host}:{self.config.port}")
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


def _metadata_request_id(details: grpc.HandlerCallDetails) -> str:
    for key, value in details.invocation_metadata or ():
        if key == REQUEST_ID_HEADER:
            return value if isinstance(value, str) else value.decode()
    return new_request_id()


REQUESTS = metrics.REGISTRY.counter(
    "sigma_grpc_requests_total", "gRPC calls served, by method and status code", ("method", "code")
)
LATENCY = metrics.REGISTRY.histogram(
    "sigma_grpc_request_seconds", "time to answer a unary gRPC call, by method", ("method",)
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


async def _abort(context: grpc.aio.ServicerContext, exc: BaseException, method: str) -> None:
    if isinstance(exc, SigmaError):
        await context.abort(grpc_code(exc), exc.message)
    log.exception("internal error", extra={"method": method})
    await context.abort(grpc.StatusCode.INTERNAL, "internal error")


class _EdgeInterceptor(grpc.aio.ServerInterceptor):
    """Sets the request id, bounds unary calls by a deadline, maps errors to status codes."""

    def __init__(self, default_deadline: float) -> None:
        self.default_deadline = default_deadline

    async def intercept_service(
        self, continuation: Callable[..., Any], details: grpc.HandlerCallDetails
    ) -> grpc.RpcMethodHandler | None:
        handler = await continuation(details)
        if handler is None or details.method.startswith(("/grpc.health", "/grpc.reflection")):
            return handler
        rid = _metadata_request_id(details)
        method = details.method
        if handler.unary_unary is not None:
            return handler._replace(unary_unary=self._unary(handler.unary_unary, rid, method))
        if handler.unary_stream is not None:
            return handler._replace(unary_stream=_stream(handler.unary_stream, rid, method))
        return handler

    def _unary(self, fn: Callable[..., Any], rid: str, method: str) -> Callable[..., Any]:
        async def call(request: Any, context: grpc.aio.ServicerContext) -> Any:
            request_id.set(rid)
            remaining = context.time_remaining()
            budget = self.default_deadline if remaining is None else remaining
            started, failure = time.monotonic(), None
            try:
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
                REQUESTS.inc(method=method, code=_code(context, failure))
                LATENCY.observe(time.monotonic() - started, method=method)

        return call


def _stream(fn: Callable[..., Any], rid: str, method: str) -> Callable[..., Any]:
    async def call(request: Any, context: grpc.aio.ServicerContext) -> AsyncIterator[Any]:
        request_id.set(rid)
        failure: BaseException | None = None
        try:
            async for item in fn(request, context):
                yield item
        except grpc.aio.AbortError as exc:
            failure = exc
            raise
        except Exception as exc:
            failure = exc
            await _abort(context, exc, method)
        finally:  # a watch that the client ended counts as OK
            REQUESTS.inc(method=method, code=_code(context, failure))

    return call
