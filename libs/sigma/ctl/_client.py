"""sigmactl's connection to the three endpoints: one channel each, credentials on every call.

Calls go through ``sigma.rpc.unary``/``stream`` (deadline, retry of retriable failures, the
error tree). Two failures get a clearer name here, because the user's remedy differs:
``Unreachable`` (nothing answers at the endpoint; names which one and where) and
``NotServed`` (something answers but does not serve that service, as a tier started without it).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import grpc
from google.protobuf.message import Message

from sigma import rpc
from sigma.ctl._config import CtlConfig
from sigma.errors import Unavailable
from sigma.retry import RetryPolicy
from sigma.v1 import apiserver_pb2_grpc, colocator_pb2_grpc, scheduler_pb2_grpc

# A person is waiting: retry a blip briefly, then say what is down.
POLICY = RetryPolicy(initial=0.1, maximum=1.0, attempts=3, deadline=4.0)
_STUBS = {
    "apiserver": apiserver_pb2_grpc,
    "scheduler": scheduler_pb2_grpc,
    "colocator": colocator_pb2_grpc,
}


class Unreachable(Unavailable):
    """Nothing answered at the endpoint after the retries a person is willing to wait for."""

    def __init__(self, endpoint: str, address: str, details: str) -> None:
        super().__init__(f"cannot reach the {endpoint} at {address}: {details}")
        self.endpoint = endpoint


class NotServed(Unavailable):
    """The endpoint answers but not with this service; retrying will not change that."""

    retriable = False

    def __init__(self, endpoint: str, address: str, service: str) -> None:
        super().__init__(f"the {endpoint} at {address} does not serve sigma.v1.{service}")
        self.endpoint = endpoint


class Client:
    def __init__(self, cfg: CtlConfig) -> None:
        self.cfg = cfg
        self._channels: dict[str, grpc.aio.Channel] = {}
        self._auth = rpc.bearer(cfg.token)
        self._credentials = cfg.credentials()  # read once: a bad path fails before any call

    def _method(self, endpoint: str, service: str, method: str) -> Any:
        """The stub method, wrapped to add the credentials and name the two failures above."""
        if endpoint not in self._channels:
            address = self.cfg.endpoint(endpoint)
            self._channels[endpoint] = rpc.channel(address, self._credentials)
        stub = getattr(_STUBS[endpoint], f"{service}Stub")(self._channels[endpoint])
        call = getattr(stub, method)
        address = self.cfg.endpoint(endpoint)

        def invoke(request: Message, *, timeout: float | None, metadata: Any) -> Any:
            return call(request, timeout=timeout, metadata=(*metadata, *self._auth))

        async def unary(request: Message, *, timeout: float | None, metadata: Any) -> Any:
            try:
                return await invoke(request, timeout=timeout, metadata=metadata)
            except grpc.aio.AioRpcError as exc:
                if exc.code() == grpc.StatusCode.UNIMPLEMENTED:
                    raise NotServed(endpoint, address, service) from exc
                raise  # sigma.rpc translates it into the error tree

        unary.stream = invoke  # type: ignore[attr-defined]
        return unary

    async def call(self, endpoint: str, service: str, method: str, request: Message) -> Any:
        wrapped = self._method(endpoint, service, method)
        try:
            return await rpc.unary(wrapped, request, timeout=self.cfg.timeout, policy=POLICY)
        except NotServed:
            raise
        except Unavailable as exc:
            raise Unreachable(endpoint, self.cfg.endpoint(endpoint), exc.message) from exc

    async def api(self, service: str, method: str, request: Message) -> Any:
        return await self.call("apiserver", service, method, request)

    async def watch(self, service: str, request: Message) -> AsyncIterator[Any]:
        """Events of an apiserver Watch, until the caller stops or the stream fails (no
        deadline: a watch lasts as long as its reader wants)."""
        wrapped = self._method("apiserver", service, "Watch")
        try:
            async for event in rpc.stream(wrapped.stream, request, timeout=None):
                yield event
        except Unavailable as exc:
            raise Unreachable("apiserver", self.cfg.apiserver, exc.message) from exc

    async def close(self) -> None:
        for channel in self._channels.values():
            await channel.close()
        self._channels.clear()
