"""A pod sandbox and its containers as the CRI takes them, built from plain values: pure.

What containerd 1.6 needs here, learnt on this project's machines:

- A sandbox on the host network (the default: no CNI is configured) must not name a hostname:
  it shares the host's UTS namespace and runc refuses to set one ("unable to set hostname
  without a private UTS namespace").
- Images are fully qualified references (``127.0.0.1:5000/sigma/httpd:1``); a bare name is read
  as docker.io.
- A container's log goes to ``<sandbox log_directory>/<log_path>`` in the CRI log format
  (``<RFC 3339 time> <stream> <F|P> <text>`` per line); ``log_path`` is relative.
- ``cgroup_parent`` is a cgroupfs path (``/sigma/<pod>``); each container's cgroup is made below
  it, named by the container's id. See ``sigma.cri.cgroups`` for what is then where.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sigma.cri.resources import Resources, linux_resources
from sigma.cri.v1 import api_pb2


@dataclass(frozen=True, slots=True)
class SandboxSpec:
    """One pod's sandbox: its identity, where its logs go, its cgroup parent."""

    name: str
    namespace: str
    uid: str
    log_directory: str  # absolute; containers' log_path is relative to it
    attempt: int = 0
    cgroup_parent: str = ""  # "" lets containerd choose (/k8s.io/<id> here)
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)
    host_network: bool = True
    hostname: str = ""  # only without host network


@dataclass(frozen=True, slots=True)
class ContainerSpec:
    """One container of a sandbox. ``command`` replaces the image's entrypoint, ``args`` its cmd."""

    name: str
    image: str
    command: tuple[str, ...] = ()
    args: tuple[str, ...] = ()
    env: Mapping[str, str] = field(default_factory=dict)
    working_dir: str = ""
    attempt: int = 0  # the restart count: a restarted container is a new one, attempt + 1
    resources: Resources = field(default_factory=Resources)
    labels: Mapping[str, str] = field(default_factory=dict)
    annotations: Mapping[str, str] = field(default_factory=dict)

    @property
    def log_path(self) -> str:
        """The log of this attempt, below the sandbox's folder (the kubelet's layout)."""
        return f"{self.name}/{self.attempt}.log"


def sandbox_config(spec: SandboxSpec) -> api_pb2.PodSandboxConfig:
    network = api_pb2.NODE if spec.host_network else api_pb2.POD
    if spec.host_network and spec.hostname:
        raise ValueError("a sandbox on the host network cannot have its own hostname")
    return api_pb2.PodSandboxConfig(
        metadata=api_pb2.PodSandboxMetadata(
            name=spec.name, namespace=spec.namespace, uid=spec.uid, attempt=spec.attempt
        ),
        hostname=spec.hostname,
        log_directory=spec.log_directory,
        labels=dict(spec.labels),
        annotations=dict(spec.annotations),
        linux=api_pb2.LinuxPodSandboxConfig(
            cgroup_parent=spec.cgroup_parent,
            security_context=api_pb2.LinuxSandboxSecurityContext(
                namespace_options=api_pb2.NamespaceOption(network=network)
            ),
        ),
    )


def container_config(spec: ContainerSpec) -> api_pb2.ContainerConfig:
    return api_pb2.ContainerConfig(
        metadata=api_pb2.ContainerMetadata(name=spec.name, attempt=spec.attempt),
        image=api_pb2.ImageSpec(image=spec.image),
        command=list(spec.command),
        args=list(spec.args),
        working_dir=spec.working_dir,
        envs=[api_pb2.KeyValue(key=k, value=v.encode()) for k, v in sorted(spec.env.items())],
        labels=dict(spec.labels),
        annotations=dict(spec.annotations),
        log_path=spec.log_path,
        linux=api_pb2.LinuxContainerConfig(resources=linux_resources(spec.resources)),
    )
