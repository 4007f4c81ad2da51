"""gRPC client helper: one channel per target list, deadlines on every call, the retry policy.

Status codes become the error tree here (``sigma.errors.from_grpc``), so code above a client
never sees ``grpc.aio.AioRpcError``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

import grpc

from sigma.errors import DeadlineExceeded, SigmaError, from_grpc
from sigma.log import new_request_id, request_id
from sigma.retry import DEFAULT, RetryPolicy
from sigma.rpc._server import REQUEST_ID_HEADER

T = TypeVar("T")

DEFAULT_TIMEOUT = 10.0


def channel(
    targets: str | Sequence[str], credentials: grpc.ChannelCredentials | None = None
) -> grpc.aio.Channel:
    """A channel balancing round robin over ``targets`` ("host:port" or a comma list).

    Several replicas of a tier behind one client behave as one: each call goes to the next.
    With ``credentials`` (``sigma.rpc.channel_credentials``) the channel speaks TLS.
    """
    if isinstance(targets, str):
        targets = [t for t in targets.split(",") if t]
    target = targets[0] if len(targets) == 1 else "ipv4:" + ",".join(targets)
    options = [
        ("grpc.lb_policy_name", "round_robin"),
        ("grpc.enable_retries", 0),
        ("grpc.keepalive_time_ms", 30_000),
    ]
    if credentials is None:
        return grpc.aio.insecure_channel(target, options=options)
    return grpc.aio.secure_channel(target, credentials, options=options)


def bearer(token: str) -> tuple[tuple[str, str], ...]:
    """The metadata that carries ``token`` on a call (none without one)."""
    return (("authorization", f"Bearer {token}"),) if token else ()


@dataclass(frozen=True, slots=True)
class Caller:
    """How this process calls another tier: TLS with its own certificate (``credentials``)
    and the token it presents. A loop that opens its own channels (a job master's stream to
    a worker on a slave) takes one, so a secured cluster admits it as it does the apiserver's
    client."""

    credentials: grpc.ChannelCredentials | None = None
    token: str = ""

    @property
    def metadata(self) -> tuple[tuple[str, str], ...]:
        return bearer(self.token)

    def channel(self, targets: str | Sequence[str]) -> grpc.aio.Channel:
        return channel(targets, self.credentials)


def _metadata() -> tuple[tuple[str, str], ...]:
    return ((REQUEST_ID_HEADER, request_id.get() or new_request_id()),)


def translate(exc: grpc.aio.AioRpcError) -> SigmaError:
    return from_grpc(exc.code(), exc.details() or "", exc.trailing_metadata())


async def unary(
    method: Callable[..., Any],
    request: Any,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    policy: RetryPolicy = DEFAULT,
    metadata: tuple[tuple[str, str], ...] = (),
) -> Any:
    """Call a unary stub method, retrying only retriable failures, all within ``timeout``.

    The deadline bounds the whole call, retries and backoff included: each attempt gets what is
    left of it, so a caller that gives up after ``timeout`` has nothing still running for it.
    ``metadata`` goes with every attempt (a caller's ``authorization``), beside the request id.
    """
    metadata = (*_metadata(), *metadata)
    loop = asyncio.get_running_loop()
    end = loop.time() + timeout

    async def once() -> Any:
        try:
            return await method(request, timeout=max(end - loop.time(), 0.0), metadata=metadata)
        except grpc.aio.AioRpcError as exc:
            raise translate(exc) from exc

    try:
        async with asyncio.timeout_at(end):
            return await policy.call(once)
    except TimeoutError as exc:
        raise DeadlineExceeded(f"no answer within the {timeout} s deadline") from exc


async def stream(
    method: Callable[..., Any], request: Any, *, timeout: float | None
) -> AsyncIterator[Any]:
    """Iterate a server stream; the call is cancelled when the caller stops iterating.

    ``timeout`` bounds the whole stream and has no default: a stream that ends (a log read)
    takes one, and only one that lasts as long as its reader wants (a watch, a follow) says
    ``None``, where the channel's keepalive pings still notice a peer that is gone."""
    call = method(request, timeout=timeout, metadata=_metadata())
    try:
        async for item in call:
            yield item
    except grpc.aio.AioRpcError as exc:
        raise translate(exc) from exc
    finally:
        call.cancel()
