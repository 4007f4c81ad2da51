"""An asyncio client of a container runtime's CRI v1 (RuntimeService + ImageService).

It speaks to containerd over its unix socket with grpc.aio. The RPCs are grouped as the
kubelet's CRI interface groups them: ``cri.sandboxes``, ``cri.containers`` and ``cri.images``
(``sigma.cri.services``), with the runtime's own ``version`` and ``status`` on the client. All
of them share one ``CriChannel`` (``sigma.cri.channel``): one deadline rule, one retry rule for
reads, and the one table that turns CRI status codes into the project's errors.
"""

from __future__ import annotations

from pathlib import Path
from types import TracebackType
from typing import Self

from sigma.cri.channel import CriChannel
from sigma.cri.services import Containers, Images, Sandboxes
from sigma.cri.v1 import api_pb2, api_pb2_grpc
from sigma.retry import DEFAULT


class CriClient:
    """``async with CriClient("/run/containerd/containerd.sock") as cri: await cri.version()``.

    ``timeout`` bounds every call but the slow ones, which take their own: image pulls and
    sandbox runs (``pull_timeout``), stops (the grace period plus ``timeout``), execs (theirs
    plus ``timeout``).
    """

    def __init__(
        self, socket: str | Path, *, timeout: float = 10.0, pull_timeout: float = 300.0
    ) -> None:
        self.channel = CriChannel(socket, timeout=timeout)
        self.sandboxes = Sandboxes(self.channel, pull_timeout)
        self.containers = Containers(self.channel)
        self.images = Images(self.channel, pull_timeout)
        self._runtime = api_pb2_grpc.RuntimeServiceStub(self.channel.grpc)

    async def version(self) -> api_pb2.VersionResponse:
        request = api_pb2.VersionRequest()
        return await self.channel.call(self._runtime, "Version", request, policy=DEFAULT)

    async def status(self) -> api_pb2.RuntimeStatus:
        """RuntimeReady and NetworkReady (false without CNI: host-network pods still run)."""
        request = api_pb2.StatusRequest()
        reply = await self.channel.call(self._runtime, "Status", request, policy=DEFAULT)
        return reply.status

    async def close(self) -> None:
        await self.channel.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()
