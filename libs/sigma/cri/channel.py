"""The CRI client's connection: one grpc.aio channel to the runtime's unix socket, through which
every RPC of every CRI service goes (``CriChannel.call``), so that deadlines, retries and the
translation of a failed call live in one place for all of them.

Every call has a deadline; the calls that only read are retried on ``Unavailable`` (a
restarting runtime) within that deadline with the project's one policy, the others are sent
once (a repeated create would make a second container). Status codes become the project's
errors here and nowhere else (``translate``):

====================  =====================  ===================================================
CRI code              raised                 typically
====================  =====================  ===================================================
NOT_FOUND             NotFound               no such sandbox, container or image
INVALID_ARGUMENT      Invalid (the method)   a malformed config
ALREADY_EXISTS        AlreadyExists
DEADLINE_EXCEEDED     DeadlineExceeded       the runtime did not answer within the deadline
UNAVAILABLE           Unavailable            the socket is missing or the runtime is down
UNIMPLEMENTED         FailedPrecondition     a call this runtime's version does not serve
UNKNOWN, other        FailedPrecondition     the runtime tried and failed (runc's error, a
                                             name already reserved, a pull that failed, …)
====================  =====================  ===================================================
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import grpc

from sigma.errors import (
    AlreadyExists,
    DeadlineExceeded,
    FailedPrecondition,
    Invalid,
    NotFound,
    SigmaError,
    Unavailable,
)
from sigma.retry import NO_RETRY, RetryPolicy

_CODES: dict[grpc.StatusCode, type[SigmaError]] = {
    grpc.StatusCode.NOT_FOUND: NotFound,
    grpc.StatusCode.ALREADY_EXISTS: AlreadyExists,
    grpc.StatusCode.DEADLINE_EXCEEDED: DeadlineExceeded,
    grpc.StatusCode.UNAVAILABLE: Unavailable,
}


def translate(method: str, code: grpc.StatusCode, details: str, target: str) -> SigmaError:
    """The project's error for a CRI status (``method``: the RPC; ``target``: the socket)."""
    if code == grpc.StatusCode.INVALID_ARGUMENT:
        return Invalid(method, details)
    if code == grpc.StatusCode.UNAVAILABLE:
        return Unavailable(f"container runtime at {target} is not reachable: {details}")
    return _CODES.get(code, FailedPrecondition)(f"{method}: {details}")


class CriChannel:
    """The channel to the runtime at ``socket``; ``timeout`` bounds every call that does not
    say otherwise."""

    def __init__(self, socket: str | Path, *, timeout: float = 10.0) -> None:
        self.target = f"unix://{Path(socket).resolve()}"
        self.timeout = timeout
        options = [("grpc.max_receive_message_length", 16 << 20), ("grpc.enable_retries", 0)]
        self.grpc = grpc.aio.insecure_channel(self.target, options=options)

    async def close(self) -> None:
        await self.grpc.close()

    async def call(
        self,
        stub: Any,
        method: str,
        request: Any,
        *,
        timeout: float | None = None,
        policy: RetryPolicy = NO_RETRY,
    ) -> Any:
        """RPC ``method`` of ``stub`` within ``timeout`` (retries included), its failure
        translated."""
        rpc = getattr(stub, method)
        limit = self.timeout if timeout is None else timeout
        loop = asyncio.get_running_loop()
        end = loop.time() + limit
        failures: list[SigmaError] = []

        async def once() -> Any:
            try:
                return await rpc(request, timeout=max(end - loop.time(), 0.001))
            except grpc.aio.AioRpcError as exc:
                failures.append(translate(method, exc.code(), exc.details() or "", self.target))
                raise failures[-1] from exc

        try:
            async with asyncio.timeout_at(end):
                return await policy.call(once)
        except TimeoutError as exc:
            # Retrying an unreachable runtime until the deadline: say why, not only when.
            raise (
                failures[-1]
                if failures
                else DeadlineExceeded(f"{method}: no answer within {limit} s")
            ) from exc
