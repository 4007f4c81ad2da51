"""The containerd runtime: pods as CRI sandboxes on the host network, containers from images.

The adapter speaks only the Kubernetes CRI (``sigma.cri.CriClient``) to containerd, as the
kubelet does, plus the pod cgroup files the CRI leaves to its caller (``_cri_cgroups``):

- a pod is a sandbox (labelled with the node, annotated with its ``PodRun``) whose cgroup the
  runtime makes first, with the pod's weight and memory limit, ``cpu.idle`` for batch
  (``_cri_sandboxes``);
- a template container is a CRI container whose attempt number is our restart count: a
  restart creates attempt + 1 in the same sandbox and keeps the attempt before it (and its
  log, for ``logs --previous``), removing older ones;
- exits are found by a task of the runtime's own that lists the node's containers every
  ``poll_interval`` (containerd 1.6's CRI has no event stream) and calls ``on_exit``
  (``_cri_watch``);
- kills and stops go through StopContainer with the grace period (SIGTERM, then SIGKILL);
  a pod's stop takes its sandbox down and removes its cgroups;
- squeezing, freezing and usage are the runtime's ``controls`` (``_cri_controls``): CPU sets
  through UpdateContainerResources, quotas and freezing in the pod's cgroups, usage from them;
- adoption: ``connect`` lists the node's sandboxes and containers, so a restarted agent
  takes over what runs (never starting a second copy) and learns what exited meanwhile.

This class keeps the node's pods (one table its parts share) and answers the port.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sigma.cri.client import CriClient
from sigma.errors import DeadlineExceeded, FailedPrecondition, NotFound, SigmaError, Unavailable
from sigma.log import get_logger
from sigma.slave.runtime import _cri_status as status
from sigma.slave.runtime._cri_adopt import load
from sigma.slave.runtime._cri_cgroups import PodCgroups
from sigma.slave.runtime._cri_controls import ContainerdControls
from sigma.slave.runtime._cri_pods import Pod
from sigma.slave.runtime._cri_sandboxes import Sandboxes
from sigma.slave.runtime._cri_watch import ExitWatch
from sigma.slave.runtime._port import Capabilities, ContainerState, ExecResult, PodRun, PodState
from sigma.slave.runtime._table import PodTable

log = get_logger("sigma.slave.runtime")

EXEC_TIMEOUT_CODE = 124  # as timeout(1), and as the process runtime


class ContainerdRuntime:
    name = "containerd"

    def __init__(
        self,
        node: str,
        socket: str | Path,
        state_dir: str | Path,
        *,
        cgroup_root: str = "",
        poll_interval: float = 0.15,
        timeout: float = 10.0,
        cgroups: PodCgroups | None = None,
    ) -> None:
        self.node = node
        self.socket = Path(socket)
        self.logs = Path(state_dir) / "logs"
        self.cgroup_root = cgroup_root or f"/sigma-containerd/{node.replace('/', '_')}"
        self.cri = CriClient(self.socket, timeout=timeout)
        self.cgroups = cgroups or PodCgroups.detect()
        self.capabilities = Capabilities(
            cpu_max=True,
            cpu_weight=True,
            memory_max=True,
            freeze="cgroup",
            idle_class="sched_idle" if self.cgroups.can_idle() else "nice",
            pod_pressure=self.cgroups.h.v2 is not None,
            log_format="cri",
        )
        self._pods: PodTable[Pod] = PodTable()
        self.controls = ContainerdControls(self._pods, self.cri, self.cgroups)
        self.sandboxes = Sandboxes(self.cri, self.cgroups, node, self.logs, self.cgroup_root)
        self.exits = ExitWatch(self.cri, self._pods, node, poll_interval)
        self._adopted: list[PodState] = []

    @classmethod
    async def open(
        cls, node: str, socket: str | Path, state_dir: str | Path, **kw: Any
    ) -> ContainerdRuntime:
        """A runtime connected to containerd (``connect``), or Unavailable saying why not."""
        runtime = cls(node, socket, state_dir, **kw)
        try:
            await runtime.connect()
        except BaseException:
            await runtime.close()
            raise
        return runtime

    async def connect(self) -> None:
        """Check containerd answers and is ready, take over the node's pods, start watching."""
        if not self.socket.exists():
            raise Unavailable(f"containerd is not reachable: no socket at {self.socket}")
        try:
            version = await self.cri.version()
            ready = await self.cri.status()
        except SigmaError as exc:
            why = str(exc).rsplit(": ", 1)[-1]  # the transport's last word ("Connection refused")
            raise Unavailable(f"containerd is not reachable at {self.socket}: {why}") from exc
        if not any(c.type == "RuntimeReady" and c.status for c in ready.conditions):
            raise Unavailable(f"containerd at {self.socket} says its runtime is not ready")
        pods = await load(self.cri, self.node, self.logs, self.cgroup_root, self.cgroups)
        self._pods.update({p.state.key: p for p in pods})
        self._adopted = [p.state for p in pods]
        self.exits.start()
        where = {"node": self.node, "version": version.runtime_version, "socket": str(self.socket)}
        log.info("containerd runtime", extra=where)

    def on_exit(self, callback: Callable[[], None]) -> None:
        self.exits.on_exit = callback

    def adopt(self) -> list[PodState]:
        adopted, self._adopted = self._adopted, []
        return adopted

    async def start(self, run: PodRun) -> PodState:
        existing = self._pods.get(run.key)
        if existing is not None and existing.state.uid == run.uid:
            return existing.state
        if not run.containers:
            raise NotFound(f"pod {run.key} has no containers")
        for c in run.containers:
            if not c.image:
                raise FailedPrecondition(f"container {c.name} names no image to run")
        pod = await self.sandboxes.create(run)
        self._pods[run.key] = pod
        try:
            for i in range(len(run.containers)):
                if not await self.sandboxes.launch(pod, i):
                    self.exits.ended(pod)
        except SigmaError:
            self._pods.pop(run.key, None)
            await self.sandboxes.remove(pod)
            raise
        return pod.state

    async def restart(self, key: str, name: str) -> ContainerState:
        pod = self._pods.known(key)
        index = _index(pod, name)
        old = pod.state.containers[index]
        if old.running:
            return old
        pod.state.containers[index] = new = old.next_run()
        try:
            started = await self.sandboxes.launch(pod, index)
        except SigmaError:
            pod.state.containers[index] = old
            raise
        if not started:
            self.exits.ended(pod)
        await self.sandboxes.prune(pod, name, new.attempt - 1)  # keep this run and the one before
        return new

    async def kill(self, key: str, name: str, grace: float, reason: str) -> None:
        pod = self._pods.known(key)
        state = pod.state.container(name)
        cid = pod.id_of(state) if state is not None else None
        if state is None or not state.running or cid is None:
            return
        state.killed, state.reason = True, reason
        marker = pod.log_dir / name / f"{state.attempt}.killed"
        with contextlib.suppress(OSError):
            marker.write_text(reason)  # so a later agent knows why it ended
        with contextlib.suppress(NotFound):
            await self.cri.containers.stop(cid, math.ceil(grace))
        await status.settle(self.cri, pod, state)

    async def stop(self, key: str, grace: float) -> PodState | None:
        pod = self._pods.get(key)
        if pod is None:
            return None
        pod.state.killed = True
        live = [c for c in pod.state.containers if c.running]
        for c in live:
            c.killed = True
        if pod.state.frozen:  # a frozen process never sees SIGTERM
            await self.controls.thaw(key)
        seconds = math.ceil(grace)
        stops = [self.cri.containers.stop(cid, seconds) for c in live if (cid := pod.id_of(c))]
        for failed in await asyncio.gather(*stops, return_exceptions=True):
            if isinstance(failed, BaseException) and not isinstance(failed, NotFound):
                log.warning("container stop failed", extra={"pod": key, "error": str(failed)})
        for c in live:
            await status.settle(self.cri, pod, c)
        await self.sandboxes.remove(pod)
        return pod.state

    def pods(self) -> dict[str, PodState]:
        return {key: pod.state for key, pod in self._pods.items()}

    def poll(self) -> list[PodState]:
        return self.exits.take()

    def forget(self, key: str) -> None:
        pod = self._pods.pop(key, None)
        self.exits.discard(key)
        if pod is not None:
            self.sandboxes.dispose(pod)

    async def exec(self, key: str, name: str, argv: tuple[str, ...], timeout: float) -> ExecResult:
        pod = self._pods.get(key)
        state = pod.state.container(name) if pod is not None else None
        cid = pod.id_of(state) if pod is not None and state is not None else None
        if cid is None or not argv:
            raise NotFound(f"pod {key} has no container {name!r} here")
        began = time.monotonic()
        try:
            done = await self.cri.containers.exec_sync(cid, list(argv), max(1, math.ceil(timeout)))
        except DeadlineExceeded:
            return ExecResult(EXEC_TIMEOUT_CODE, b"timed out")
        except FailedPrecondition as exc:  # the container is not running, no such command, ...
            return ExecResult(126, exc.message.encode())
        if time.monotonic() - began >= timeout and done.exit_code == 137:
            return ExecResult(EXEC_TIMEOUT_CODE, b"timed out")  # containerd killed it at the end
        return ExecResult(done.exit_code, (done.stdout + done.stderr)[-4096:])

    def log_path(self, key: str, name: str, attempt: int) -> Path | None:
        """The CRI's log file of that run: ``<sandbox log_directory>/<name>/<attempt>.log``,
        the path each container's config gave containerd (``ContainerSpec.log_path``)."""
        pod = self._pods.get(key)
        if pod is None or attempt < 0:
            return None
        path = pod.log_dir / name / f"{attempt}.log"
        return path if path.exists() else None

    async def close(self) -> None:
        await self.exits.close()
        await self.sandboxes.close()
        if not self._pods:
            self.cgroups.remove_empty(self.cgroup_root)
        await self.cri.close()


def _index(pod: Pod, name: str) -> int:
    for i, c in enumerate(pod.state.containers):
        if c.name == name:
            return i
    raise NotFound(f"pod {pod.state.key} has no container {name!r}")
