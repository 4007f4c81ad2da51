"""The apiserver as the other tiers call it: over its gRPC API, with the caller's identity.

A tier never runs another tier's code to act on its objects. The colocator evicts batch pods
through ``Pods.Evict`` and records its time-sharing asks through ``Apps.TimeShare``, so the
apiserver validates, authorises (the caller's token and certificate), records and persists
them exactly as it does a user's. ``ApiCalls`` is the port those callers depend on; ``GrpcApi``
the adapter over the network, with the project's deadlines and retries. The application layer
may hand a tier another adapter (the trace replay calls the servicers in-process on virtual
time).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import grpc

from sigma import rpc
from sigma.errors import NotFound
from sigma.v1 import apiserver_pb2 as api
from sigma.v1 import apiserver_pb2_grpc as stubs

TIMEOUT = 5.0  # seconds a call (its retries included) may take


class ApiCalls(Protocol):
    async def evict(self, namespace: str, name: str, reason: str) -> bool:
        """Stop the pod within its App's budget; False when it was gone already."""
        ...

    async def time_share(self, namespace: str, name: str, replicas: int, reason: str) -> None:
        """Ask for ``replicas`` of a time-shared App (and the task that carries it out)."""
        ...

    async def close(self) -> None: ...


class GrpcApi:
    """``ApiCalls`` over gRPC to ``targets`` (several apiserver replicas: round robin)."""

    def __init__(
        self,
        targets: str | Sequence[str],
        *,
        token: str = "",
        credentials: grpc.ChannelCredentials | None = None,
        timeout: float = TIMEOUT,
    ) -> None:
        self.targets = targets
        self.credentials = credentials
        self.timeout = timeout
        self._auth = rpc.bearer(token)
        self._channel: grpc.aio.Channel | None = None

    def _stub(self, kind: Any) -> Any:
        if self._channel is None:  # made on first use, inside the loop that will use it
            self._channel = rpc.channel(self.targets, self.credentials)
        return kind(self._channel)

    async def _call(self, method: Any, request: Any) -> Any:
        return await rpc.unary(method, request, timeout=self.timeout, metadata=self._auth)

    async def evict(self, namespace: str, name: str, reason: str) -> bool:
        request = api.EvictPodRequest(namespace=namespace, name=name, reason=reason)
        try:
            await self._call(self._stub(stubs.PodsStub).Evict, request)
        except NotFound:
            return False  # gone already: what an eviction wants
        return True

    async def time_share(self, namespace: str, name: str, replicas: int, reason: str) -> None:
        request = api.TimeShareAppRequest(
            namespace=namespace, name=name, replicas=replicas, reason=reason
        )
        await self._call(self._stub(stubs.AppsStub).TimeShare, request)

    async def close(self) -> None:
        if self._channel is not None:
            await self._channel.close()
            self._channel = None
