"""Containers through the Kubernetes CRI (containerd): the runtime adapter's foreign edge.

- ``client``: ``CriClient``, an asyncio client of the CRI's RuntimeService and ImageService over
  the runtime's unix socket, its RPCs grouped in ``services`` (sandboxes, containers, images);
  ``channel``: deadlines on every call, CRI status codes become ``sigma.errors``.
- ``specs``: ``SandboxSpec`` / ``ContainerSpec`` -> the CRI's configs (pure).
- ``resources``: requests and limits -> CPU shares, quota, memory limit, cpuset, and the same
  as cgroup v1/v2 files (pure, the kubelet's arithmetic).
- ``cgroups``: where a container's cgroup files are on this machine, its usage read from them,
  ``cpu.idle``, and removing a pod's cgroup tree.
- ``oci``, ``images``: the demo images (pause, httpd, burner) as reproducible OCI archives from
  Debian's busybox-static, pushed to a loopback registry (``python -m sigma.cri.images``).
- ``v1``: the generated CRI v1 messages and stubs (``protos/sigma/cri/v1``).

A real containerd and registry for tests and tools: ``sigma.engines.containerd`` and
``sigma.engines.registry``; how containerd runs here: docs/containerd.md.
"""

from sigma.cri.client import CriClient
from sigma.cri.resources import Resources, cgroup_knobs, linux_resources
from sigma.cri.services import ContainerInfo, ExecResult
from sigma.cri.specs import ContainerSpec, SandboxSpec, container_config, sandbox_config

__all__ = [
    "ContainerInfo",
    "ContainerSpec",
    "CriClient",
    "ExecResult",
    "Resources",
    "SandboxSpec",
    "cgroup_knobs",
    "container_config",
    "linux_resources",
    "sandbox_config",
]
