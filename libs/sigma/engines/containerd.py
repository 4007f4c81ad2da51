"""A real containerd for tests and tools: Debian's containerd and runc with a project-local
config, its root, state and socket in a temporary folder, the CRI plugin serving on that socket.

Settings this kind of machine needs (root without CAP_SYS_RESOURCE, cgroup v1 with an empty v2
tree, no systemd, no CNI, no internet), each found by a failure without it:

- ``restrict_oom_score_adj = true``: the CRI gives the pause container oom_score_adj -998; a
  negative value needs CAP_SYS_RESOURCE, which root here lacks, and runc dies with "can't get
  final child's PID from pipe: EOF". Restricted, containerd never goes below its own score.
- ``sandbox_image`` on the loopback registry, fully qualified: the default
  (registry.k8s.io/pause) cannot be pulled here, and a bare name would mean docker.io.
- The registry is plain HTTP: ``registry.config_path`` holds a ``hosts.toml`` per registry.
- ``cni.conf_dir`` is an empty folder of the engine's: pods run on the host network, and the
  CRI's NetworkReady stays false (harmless for host-network sandboxes).
- runc's state (``Root``) is in the engine's folder, so two engines on one machine (two test
  sessions at once) share nothing but containerd's shim socket folder, /run/containerd/s,
  whose names are hashes of the engine's own socket path.
- ``disable_apparmor``: this kernel has no AppArmor, so it changes nothing here; on a Debian
  host with AppArmor on, containerd would otherwise load its own profile (which needs
  apparmor_parser). The unprivileged-ports sysctl is left off, containerd 1.6's default: a
  host-network pod has no network namespace to set it in.

Every pod a test makes should take its cgroup parent from ``cgroup_parent(name)``: ``stop``
removes the sandboxes that are left (through the CRI, so runc removes their cgroups and mounts),
then the engine's cgroup tree, then the folder; nothing stays behind.

``why_unavailable`` gives the one-line reason where it cannot run here (not root, not
installed: ``make engines``); tests skip with it (``tests/plugins/engines.py``).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
import subprocess
import tempfile
from collections.abc import Sequence
from pathlib import Path

import grpc

from sigma.cri import cgroups
from sigma.cri.v1 import api_pb2, api_pb2_grpc
from sigma.engines._process import EngineProcess, tail

_DISABLED = [
    "io.containerd.internal.v1.opt",
    "io.containerd.snapshotter.v1.aufs",
    "io.containerd.snapshotter.v1.btrfs",
    "io.containerd.snapshotter.v1.devmapper",
    "io.containerd.snapshotter.v1.zfs",
    "io.containerd.tracing.processor.v1.otlp",
]
_CRI = 'plugins."io.containerd.grpc.v1.cri"'


class ContainerdUnavailable(RuntimeError):
    """containerd cannot run here: not installed, or not root."""


def why_unavailable() -> str | None:
    """The one-line reason containerd cannot run on this machine, or None."""
    if os.geteuid() != 0:
        return "containerd needs root"
    for tool in ("containerd", "containerd-shim-runc-v2", "runc"):
        if shutil.which(tool) is None:
            return f"{tool} is not installed; run `make engines`"
    return None


def config_toml(folder: Path, sandbox_image: str) -> str:
    """containerd's config for an engine living in ``folder`` (see the module docstring)."""
    disabled = ", ".join(f'"{p}"' for p in _DISABLED)
    return f"""version = 2
root = "{folder / "root"}"
state = "{folder / "state"}"
disabled_plugins = [{disabled}]

[grpc]
  address = "{folder / "containerd.sock"}"
[ttrpc]
  address = "{folder / "containerd.sock.ttrpc"}"

[{_CRI}]
  sandbox_image = "{sandbox_image}"
  restrict_oom_score_adj = true
  disable_apparmor = true
  disable_tcp_service = true
  stream_server_address = "127.0.0.1"
  stream_server_port = "0"
  [{_CRI}.cni]
    conf_dir = "{folder / "cni"}"
  [{_CRI}.registry]
    config_path = "{folder / "certs.d"}"
  [{_CRI}.containerd.runtimes.runc]
    runtime_type = "io.containerd.runc.v2"
    [{_CRI}.containerd.runtimes.runc.options]
      Root = "{folder / "state" / "runc"}"
"""


def hosts_toml(registry: str) -> str:
    """How containerd reaches a plain-HTTP registry (``registry``: host:port)."""
    url = f"http://{registry}"
    return f'server = "{url}"\n\n[host."{url}"]\n  capabilities = ["pull", "resolve"]\n'


class ContainerdEngine(EngineProcess):
    """One containerd serving the CRI on ``socket``; pods pull from ``registries`` over HTTP."""

    def __init__(
        self, *, sandbox_image: str, registries: Sequence[str] = (), start_timeout: float = 20.0
    ) -> None:
        reason = why_unavailable()
        if reason:
            raise ContainerdUnavailable(reason)
        self.sandbox_image = sandbox_image
        self.registries = tuple(registries)
        self.start_timeout = start_timeout
        self.data_dir = Path(tempfile.mkdtemp(prefix="sigma-containerd-"))
        self.socket = self.data_dir / "containerd.sock"
        self.cgroup_root = f"/sigma-test-{secrets.token_hex(4)}"
        out = subprocess.run(
            ["containerd", "--version"], capture_output=True, text=True, check=False, timeout=10
        ).stdout.split()
        self.version = out[2] if len(out) > 2 else "unknown"

    @property
    def log_file(self) -> Path:
        return self.data_dir / "containerd.log"

    def cgroup_parent(self, pod: str) -> str:
        """A cgroup parent for a pod, inside the tree ``stop`` removes."""
        return f"{self.cgroup_root}/{pod}"

    def start(self) -> ContainerdEngine:
        if self.running:
            return self
        (self.data_dir / "cni").mkdir(exist_ok=True)
        for registry in self.registries:
            hosts = self.data_dir / "certs.d" / registry
            hosts.mkdir(parents=True, exist_ok=True)
            (hosts / "hosts.toml").write_text(hosts_toml(registry))
        config = self.data_dir / "config.toml"
        config.write_text(config_toml(self.data_dir, self.sandbox_image))
        with self.log_file.open("ab") as log:
            self._proc = subprocess.Popen(
                ["containerd", "--config", str(config), "--log-level", "warn"],
                stdout=log,
                stderr=subprocess.STDOUT,
                # Not in the terminal's process group: a Ctrl-C reaches the owner, whose stop()
                # still needs containerd to remove the pods through the CRI.
                start_new_session=True,
            )
        self._wait_ready()
        return self

    def stop(self) -> None:
        """Remove what pods are left, stop containerd, unmount and delete its folder."""
        if self.running:
            with contextlib.suppress(grpc.RpcError):
                self.remove_sandboxes()
        self.terminate(10.0)
        cgroups.remove_tree(cgroups.hierarchies(), self.cgroup_root)
        for mount in _mounts_below(self.data_dir):
            subprocess.run(["umount", "-l", mount], check=False, capture_output=True)
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def remove_sandboxes(self) -> int:
        """Stop and remove every sandbox (and so every container); how many there were."""
        with grpc.insecure_channel(f"unix://{self.socket}") as channel:
            cri = api_pb2_grpc.RuntimeServiceStub(channel)
            items = cri.ListPodSandbox(api_pb2.ListPodSandboxRequest(), timeout=10).items
            for sandbox in items:
                cri.StopPodSandbox(
                    api_pb2.StopPodSandboxRequest(pod_sandbox_id=sandbox.id), timeout=30
                )
                cri.RemovePodSandbox(
                    api_pb2.RemovePodSandboxRequest(pod_sandbox_id=sandbox.id), timeout=30
                )
        return len(items)

    def log_tail(self, lines: int = 40) -> str:
        return tail([self.log_file], lines)

    def _wait_ready(self) -> None:
        """Poll the CRI's Status until the runtime says it is ready."""
        # A short reconnect backoff: gRPC's default waits a whole second after the first
        # refused connect, which is most of a start here.
        options = [
            ("grpc.initial_reconnect_backoff_ms", 20),
            ("grpc.max_reconnect_backoff_ms", 100),
        ]
        with grpc.insecure_channel(f"unix://{self.socket}", options=options) as channel:
            cri = api_pb2_grpc.RuntimeServiceStub(channel)

            def ready() -> bool:
                try:
                    status = cri.Status(api_pb2.StatusRequest(), timeout=0.5).status
                except grpc.RpcError:
                    return False
                return any(c.type == "RuntimeReady" and c.status for c in status.conditions)

            try:
                self.wait_until(
                    ready, what="containerd", timeout=self.start_timeout, log=self.log_tail
                )
            except RuntimeError:
                self.stop()
                raise


def _mounts_below(folder: Path) -> list[str]:
    """Mount points inside ``folder``, deepest first (what a crashed engine may leave)."""
    text = Path("/proc/self/mounts").read_text()
    inside = [
        line.split()[1] for line in text.splitlines() if line.split()[1].startswith(f"{folder}/")
    ]
    return sorted(inside, reverse=True)
