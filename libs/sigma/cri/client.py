"""An asyncio client of a container runtime's CRI v1 (RuntimeService + ImageService).

It speaks to containerd over its unix socket with grpc.aio. Every call has a deadline; the calls
that only read are retried on ``Unavailable`` (a restarting runtime) within that deadline with
the project's one policy, the others are sent once (a repeated create would make a second
container). Status codes become the project's errors here and nowhere else (``translate``):

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

Messages are the generated ``sigma.cri.v1`` ones; ``sigma.cri.specs`` builds the configs.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any, NamedTuple, Self

import grpc

from sigma.cri.v1 import api_pb2, api_pb2_grpc
from sigma.errors import (
    AlreadyExists,
    DeadlineExceeded,
    FailedPrecondition,
    Invalid,
    NotFound,
    SigmaError,
    Unavailable,
)
from sigma.retry import DEFAULT, NO_RETRY, RetryPolicy

_IMAGE_METHODS = frozenset({"PullImage", "ImageStatus", "RemoveImage", "ListImages"})
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


class ExecResult(NamedTuple):
    exit_code: int
    stdout: bytes
    stderr: bytes


@dataclass(frozen=True, slots=True)
class ContainerInfo:
    """What the verbose ContainerStatus adds: the main process and the cgroup."""

    pid: int  # 0 once the container has exited
    cgroups_path: str  # e.g. /sigma/web-0/<container id>; see sigma.cri.cgroups


def parse_info(info: Mapping[str, str]) -> ContainerInfo:
    """``ContainerInfo`` from the ``info`` map of a verbose status (containerd's JSON)."""
    try:
        data = json.loads(info["info"])
        return ContainerInfo(
            int(data.get("pid", 0)), str(data["runtimeSpec"]["linux"].get("cgroupsPath", ""))
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise FailedPrecondition(f"ContainerStatus: no container info in {info!r:.200}") from exc


class CriClient:
    """``async with CriClient("/run/containerd/containerd.sock") as cri: await cri.version()``.

    ``timeout`` bounds every call but the slow ones, which take their own: image pulls
    (``pull_timeout``), stops (the grace period plus ``timeout``), execs (theirs plus ``timeout``).
    """

    def __init__(
        self, socket: str | Path, *, timeout: float = 10.0, pull_timeout: float = 300.0
    ) -> None:
        self.target = f"unix://{Path(socket).resolve()}"
        self.timeout = timeout
        self.pull_timeout = pull_timeout
        options = [("grpc.max_receive_message_length", 16 << 20), ("grpc.enable_retries", 0)]
        self._channel = grpc.aio.insecure_channel(self.target, options=options)
        self._runtime = api_pb2_grpc.RuntimeServiceStub(self._channel)
        self._images = api_pb2_grpc.ImageServiceStub(self._channel)

    async def close(self) -> None:
        await self._channel.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        await self.close()

    async def _call(
        self,
        method: str,
        request: Any,
        *,
        timeout: float | None = None,
        policy: RetryPolicy = NO_RETRY,
    ) -> Any:
        """One RPC within ``timeout`` (retries included), its failure translated."""
        rpc = getattr(self._images if method in _IMAGE_METHODS else self._runtime, method)
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

    # -- runtime and images ------------------------------------------------------------------

    async def version(self) -> api_pb2.VersionResponse:
        return await self._call("Version", api_pb2.VersionRequest(), policy=DEFAULT)

    async def status(self) -> api_pb2.RuntimeStatus:
        """RuntimeReady and NetworkReady (false without CNI: host-network pods still run)."""
        reply = await self._call("Status", api_pb2.StatusRequest(), policy=DEFAULT)
        return reply.status

    async def pull_image(self, image: str, sandbox: api_pb2.PodSandboxConfig | None = None) -> str:
        """Pull ``image`` (a fully qualified reference); the image id (``sha256:…``)."""
        request = api_pb2.PullImageRequest(image=api_pb2.ImageSpec(image=image))
        if sandbox is not None:
            request.sandbox_config.CopyFrom(sandbox)
        reply = await self._call("PullImage", request, timeout=self.pull_timeout)
        return reply.image_ref

    async def image_status(self, image: str) -> api_pb2.Image | None:
        """The image if this runtime holds it, else None."""
        request = api_pb2.ImageStatusRequest(image=api_pb2.ImageSpec(image=image))
        reply = await self._call("ImageStatus", request, policy=DEFAULT)
        return reply.image if reply.HasField("image") else None

    async def remove_image(self, image: str) -> None:
        request = api_pb2.RemoveImageRequest(image=api_pb2.ImageSpec(image=image))
        await self._call("RemoveImage", request)

    # -- sandboxes -----------------------------------------------------------------------------

    async def run_pod_sandbox(self, config: api_pb2.PodSandboxConfig, handler: str = "") -> str:
        """Start a sandbox (pulling its pause image if needed); its id."""
        request = api_pb2.RunPodSandboxRequest(config=config, runtime_handler=handler)
        reply = await self._call("RunPodSandbox", request, timeout=self.pull_timeout)
        return reply.pod_sandbox_id

    async def stop_pod_sandbox(self, sandbox_id: str) -> None:
        """Stop every container of the sandbox (killed at once) and the sandbox itself."""
        request = api_pb2.StopPodSandboxRequest(pod_sandbox_id=sandbox_id)
        await self._call("StopPodSandbox", request)

    async def remove_pod_sandbox(self, sandbox_id: str) -> None:
        request = api_pb2.RemovePodSandboxRequest(pod_sandbox_id=sandbox_id)
        await self._call("RemovePodSandbox", request)

    async def pod_sandbox_status(self, sandbox_id: str) -> api_pb2.PodSandboxStatus:
        request = api_pb2.PodSandboxStatusRequest(pod_sandbox_id=sandbox_id)
        reply = await self._call("PodSandboxStatus", request, policy=DEFAULT)
        return reply.status

    async def list_pod_sandboxes(
        self, labels: Mapping[str, str] | None = None, *, ready_only: bool = False
    ) -> list[api_pb2.PodSandbox]:
        request = api_pb2.ListPodSandboxRequest(
            filter=api_pb2.PodSandboxFilter(label_selector=dict(labels or {}))
        )
        if ready_only:
            request.filter.state.state = api_pb2.SANDBOX_READY
        reply = await self._call("ListPodSandbox", request, policy=DEFAULT)
        return list(reply.items)

    # -- containers ----------------------------------------------------------------------------

    async def create_container(
        self,
        sandbox_id: str,
        config: api_pb2.ContainerConfig,
        sandbox_config: api_pb2.PodSandboxConfig,
    ) -> str:
        request = api_pb2.CreateContainerRequest(
            pod_sandbox_id=sandbox_id, config=config, sandbox_config=sandbox_config
        )
        reply = await self._call("CreateContainer", request)
        return reply.container_id

    async def start_container(self, container_id: str) -> None:
        request = api_pb2.StartContainerRequest(container_id=container_id)
        await self._call("StartContainer", request)

    async def stop_container(self, container_id: str, grace_seconds: int = 0) -> None:
        """SIGTERM (the image's stop signal), then SIGKILL after ``grace_seconds``."""
        request = api_pb2.StopContainerRequest(container_id=container_id, timeout=grace_seconds)
        await self._call("StopContainer", request, timeout=grace_seconds + self.timeout)

    async def remove_container(self, container_id: str) -> None:
        request = api_pb2.RemoveContainerRequest(container_id=container_id)
        await self._call("RemoveContainer", request)

    async def container_status(self, container_id: str) -> api_pb2.ContainerStatus:
        """State, exit code, reason (``OOMKilled``, ``Error``, ``Completed``), times, log path."""
        request = api_pb2.ContainerStatusRequest(container_id=container_id)
        reply = await self._call("ContainerStatus", request, policy=DEFAULT)
        return reply.status

    async def container_info(self, container_id: str) -> ContainerInfo:
        """The container's main process and cgroup path (from the verbose status)."""
        request = api_pb2.ContainerStatusRequest(container_id=container_id, verbose=True)
        reply = await self._call("ContainerStatus", request, policy=DEFAULT)
        return parse_info(reply.info)

    async def list_containers(
        self, sandbox_id: str = "", labels: Mapping[str, str] | None = None
    ) -> list[api_pb2.Container]:
        request = api_pb2.ListContainersRequest(
            filter=api_pb2.ContainerFilter(
                pod_sandbox_id=sandbox_id, label_selector=dict(labels or {})
            )
        )
        reply = await self._call("ListContainers", request, policy=DEFAULT)
        return list(reply.containers)

    async def container_stats(self, container_id: str) -> api_pb2.ContainerStats:
        request = api_pb2.ContainerStatsRequest(container_id=container_id)
        reply = await self._call("ContainerStats", request, policy=DEFAULT)
        return reply.stats

    async def update_container_resources(
        self, container_id: str, resources: api_pb2.LinuxContainerResources
    ) -> None:
        """Change a running container's CPU set, weight, quota and memory limit in place."""
        request = api_pb2.UpdateContainerResourcesRequest(
            container_id=container_id, linux=resources
        )
        await self._call("UpdateContainerResources", request)

    async def exec_sync(
        self, container_id: str, cmd: list[str], timeout_seconds: int = 10
    ) -> ExecResult:
        """Run ``cmd`` in the container and wait for it (a probe); a non-zero exit is no error."""
        request = api_pb2.ExecSyncRequest(
            container_id=container_id, cmd=cmd, timeout=timeout_seconds
        )
        reply = await self._call("ExecSync", request, timeout=timeout_seconds + self.timeout)
        return ExecResult(reply.exit_code, reply.stdout, reply.stderr)

    async def reopen_container_log(self, container_id: str) -> None:
        """Make the runtime reopen the log file (after it was moved aside by a rotation)."""
        request = api_pb2.ReopenContainerLogRequest(container_id=container_id)
        await self._call("ReopenContainerLog", request)
