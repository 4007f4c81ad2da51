"""The CRI's RPCs, grouped as the kubelet's own interface groups them (cri-api ``services.go``):
``Sandboxes`` (PodSandboxManager), ``Containers`` (ContainerManager with its stats) and
``Images`` (ImageManagerService). Each is a thin typed front over one service stub on the
shared ``CriChannel``, which holds the deadlines, retries and error translation of all three;
reads (status, lists, stats) are retried on ``Unavailable`` within their deadline, writes sent
once. Messages are the generated ``sigma.cri.v1`` ones; ``sigma.cri.specs`` builds the configs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from functools import partial
from typing import NamedTuple

from sigma.cri.channel import CriChannel
from sigma.cri.v1 import api_pb2, api_pb2_grpc
from sigma.errors import FailedPrecondition
from sigma.retry import DEFAULT


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


class Sandboxes:
    """RunPodSandbox and the rest of a sandbox's life; a run may pull the pause image, so it
    takes ``pull_timeout``."""

    def __init__(self, channel: CriChannel, pull_timeout: float) -> None:
        self._call = partial(channel.call, api_pb2_grpc.RuntimeServiceStub(channel.grpc))
        self.pull_timeout = pull_timeout

    async def run(self, config: api_pb2.PodSandboxConfig, handler: str = "") -> str:
        """Start a sandbox (pulling its pause image if needed); its id."""
        request = api_pb2.RunPodSandboxRequest(config=config, runtime_handler=handler)
        reply = await self._call("RunPodSandbox", request, timeout=self.pull_timeout)
        return reply.pod_sandbox_id

    async def stop(self, sandbox_id: str) -> None:
        """Stop every container of the sandbox (killed at once) and the sandbox itself."""
        await self._call("StopPodSandbox", api_pb2.StopPodSandboxRequest(pod_sandbox_id=sandbox_id))

    async def remove(self, sandbox_id: str) -> None:
        request = api_pb2.RemovePodSandboxRequest(pod_sandbox_id=sandbox_id)
        await self._call("RemovePodSandbox", request)

    async def status(self, sandbox_id: str) -> api_pb2.PodSandboxStatus:
        request = api_pb2.PodSandboxStatusRequest(pod_sandbox_id=sandbox_id)
        reply = await self._call("PodSandboxStatus", request, policy=DEFAULT)
        return reply.status

    async def select(
        self, labels: Mapping[str, str] | None = None, *, ready_only: bool = False
    ) -> list[api_pb2.PodSandbox]:
        """ListPodSandbox: the sandboxes carrying every label of ``labels``."""
        request = api_pb2.ListPodSandboxRequest(
            filter=api_pb2.PodSandboxFilter(label_selector=dict(labels or {}))
        )
        if ready_only:
            request.filter.state.state = api_pb2.SANDBOX_READY
        reply = await self._call("ListPodSandbox", request, policy=DEFAULT)
        return list(reply.items)


class Containers:
    """A container's life in its sandbox, exec, resources and usage. Stops and execs wait out
    their own time on top of the channel's ``timeout``."""

    def __init__(self, channel: CriChannel) -> None:
        self._call = partial(channel.call, api_pb2_grpc.RuntimeServiceStub(channel.grpc))
        self.timeout = channel.timeout

    async def create(
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

    async def start(self, container_id: str) -> None:
        await self._call("StartContainer", api_pb2.StartContainerRequest(container_id=container_id))

    async def stop(self, container_id: str, grace_seconds: int = 0) -> None:
        """SIGTERM (the image's stop signal), then SIGKILL after ``grace_seconds``."""
        request = api_pb2.StopContainerRequest(container_id=container_id, timeout=grace_seconds)
        await self._call("StopContainer", request, timeout=grace_seconds + self.timeout)

    async def remove(self, container_id: str) -> None:
        request = api_pb2.RemoveContainerRequest(container_id=container_id)
        await self._call("RemoveContainer", request)

    async def status(self, container_id: str) -> api_pb2.ContainerStatus:
        """State, exit code, reason (``OOMKilled``, ``Error``, ``Completed``), times, log path."""
        request = api_pb2.ContainerStatusRequest(container_id=container_id)
        reply = await self._call("ContainerStatus", request, policy=DEFAULT)
        return reply.status

    async def info(self, container_id: str) -> ContainerInfo:
        """The container's main process and cgroup path (from the verbose status)."""
        request = api_pb2.ContainerStatusRequest(container_id=container_id, verbose=True)
        reply = await self._call("ContainerStatus", request, policy=DEFAULT)
        return parse_info(reply.info)

    async def select(
        self, sandbox_id: str = "", labels: Mapping[str, str] | None = None
    ) -> list[api_pb2.Container]:
        """ListContainers: those of ``sandbox_id`` (any, if empty) carrying every label."""
        request = api_pb2.ListContainersRequest(
            filter=api_pb2.ContainerFilter(
                pod_sandbox_id=sandbox_id, label_selector=dict(labels or {})
            )
        )
        reply = await self._call("ListContainers", request, policy=DEFAULT)
        return list(reply.containers)

    async def stats(self, container_id: str) -> api_pb2.ContainerStats:
        request = api_pb2.ContainerStatsRequest(container_id=container_id)
        reply = await self._call("ContainerStats", request, policy=DEFAULT)
        return reply.stats

    async def update_resources(
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

    async def reopen_log(self, container_id: str) -> None:
        """Make the runtime reopen the log file (after it was moved aside by a rotation)."""
        request = api_pb2.ReopenContainerLogRequest(container_id=container_id)
        await self._call("ReopenContainerLog", request)


class Images:
    """What images the runtime holds; a pull takes ``pull_timeout``."""

    def __init__(self, channel: CriChannel, pull_timeout: float) -> None:
        self._call = partial(channel.call, api_pb2_grpc.ImageServiceStub(channel.grpc))
        self.pull_timeout = pull_timeout

    async def pull(self, image: str, sandbox: api_pb2.PodSandboxConfig | None = None) -> str:
        """Pull ``image`` (a fully qualified reference); the image id (``sha256:…``)."""
        request = api_pb2.PullImageRequest(image=api_pb2.ImageSpec(image=image))
        if sandbox is not None:
            request.sandbox_config.CopyFrom(sandbox)
        reply = await self._call("PullImage", request, timeout=self.pull_timeout)
        return reply.image_ref

    async def status(self, image: str) -> api_pb2.Image | None:
        """The image if this runtime holds it, else None."""
        request = api_pb2.ImageStatusRequest(image=api_pb2.ImageSpec(image=image))
        reply = await self._call("ImageStatus", request, policy=DEFAULT)
        return reply.image if reply.HasField("image") else None

    async def remove(self, image: str) -> None:
        await self._call(
            "RemoveImage", api_pb2.RemoveImageRequest(image=api_pb2.ImageSpec(image=image))
        )
