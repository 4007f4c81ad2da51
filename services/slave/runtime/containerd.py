"""The containerd runtime: pods as CRI sandboxes on the host network, containers from images.

The adapter speaks only the Kubernetes CRI (``sigma.cri.CriClient``) to containerd, as the
kubelet does, plus the pod cgroup files the CRI leaves to its caller (``_cri_cgroups``):

- a pod is a sandbox (labelled with the node, annotated with its ``PodRun``) whose cgroup the
  runtime makes first, with the pod's weight and memory limit, ``cpu.idle`` for batch;
- a template container is a CRI container whose attempt number is our restart count: a
  restart creates attempt + 1 in the same sandbox and keeps the attempt before it (and its
  log, for ``logs --previous``), removing older ones;
- exits are found by a task of the runtime's own that lists the node's containers every
  ``poll_interval`` (containerd 1.6's CRI has no event stream) and calls ``on_exit``;
- kills and stops go through StopContainer with the grace period (SIGTERM, then SIGKILL);
  a pod's stop takes its sandbox down and removes its cgroups;
- squeezing, freezing and usage are the runtime's ``controls`` (``_cri_controls``): CPU sets
  through UpdateContainerResources, quotas and freezing in the pod's cgroups, usage from them;
- adoption: ``connect`` lists the node's sandboxes and containers, so a restarted agent
  takes over what runs (never starting a second copy) and learns what exited meanwhile.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import shutil
import time
from collections.abc import Callable, Coroutine
from dataclasses import replace
from pathlib import Path
from typing import Any

from sigma.cri.client import CriClient
from sigma.cri.specs import container_config, sandbox_config
from sigma.errors import DeadlineExceeded, FailedPrecondition, NotFound, SigmaError, Unavailable
from sigma.log import get_logger
from sigma.slave.runtime import _cri_pods as P
from sigma.slave.runtime import _cri_status as status
from sigma.slave.runtime._cri_adopt import load
from sigma.slave.runtime._cri_cgroups import PodCgroups
from sigma.slave.runtime._cri_controls import ContainerdControls
from sigma.slave.runtime._cri_pods import Pod
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
        self.poll_interval = poll_interval
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
        self._adopted: list[PodState] = []
        self._exited: set[str] = set()
        self._on_exit: Callable[[], None] | None = None
        self._poller: asyncio.Task[None] | None = None
        self._chores: set[asyncio.Task[None]] = set()

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
        self._poller = asyncio.ensure_future(self._watch())
        where = {"node": self.node, "version": version.runtime_version, "socket": str(self.socket)}
        log.info("containerd runtime", extra=where)

    def on_exit(self, callback: Callable[[], None]) -> None:
        self._on_exit = callback

    def adopt(self) -> list[PodState]:
        adopted, self._adopted = self._adopted, []
        return adopted

    # -- life cycle ------------------------------------------------------------------------------
    async def start(self, run: PodRun) -> PodState:
        existing = self._pods.get(run.key)
        if existing is not None and existing.state.uid == run.uid:
            return existing.state
        if not run.containers:
            raise NotFound(f"pod {run.key} has no containers")
        for c in run.containers:
            if not c.image:
                raise FailedPrecondition(f"container {c.name} names no image to run")
        for image in sorted({c.image for c in run.containers}):
            if await self.cri.images.status(image) is None:
                await self.cri.images.pull(image)
        name = P.slug(run.key, run.uid)
        cgroup, log_dir = f"{self.cgroup_root}/{name}", self.logs / name
        log_dir.mkdir(parents=True, exist_ok=True)
        self.cgroups.prepare(cgroup, P.pod_resources(run))
        config = sandbox_config(P.sandbox_spec(run, self.node, log_dir, cgroup))
        try:
            sandbox_id = await self.cri.sandboxes.run(config)
        except SigmaError:
            self.cgroups.remove(cgroup)
            raise
        state = PodState.starting(run, time.time())
        pod = Pod(state, run, sandbox_id, config, cgroup, log_dir)
        self._pods[run.key] = pod
        try:
            for i in range(len(run.containers)):
                await self._launch(pod, i)
        except SigmaError:
            self._pods.pop(run.key, None)
            await self._remove_sandbox(pod)
            raise
        return state

    async def _launch(self, pod: Pod, index: int) -> None:
        """Create and start run ``attempt`` of container ``index``; a start the runtime refuses
        (no such command) is that run's exit, as the kubelet reports it, not the pod's failure."""
        state = pod.state.containers[index]
        run = replace(pod.run, cpus=pod.state.cpus)
        spec = P.container_spec(run, index, state.attempt, self.node)
        if pod.quota_millis:
            spec = replace(
                spec, resources=P.pod_resources(run, spec.resources.cpuset, pod.quota_millis)
            )
        cid = await self.cri.containers.create(pod.sandbox_id, container_config(spec), pod.sandbox)
        pod.ids[(state.name, state.attempt)] = cid
        state.started_at = time.time()
        try:
            await self.cri.containers.start(cid)
            state.pid = (await self.cri.containers.info(cid)).pid
        except FailedPrecondition as exc:
            log.info("container did not start", extra={"pod": pod.state.key, "error": str(exc)})
            await status.refresh(self.cri, pod, state)
            self._ended(pod)

    async def restart(self, key: str, name: str) -> ContainerState:
        pod = self._pods.known(key)
        index = _index(pod, name)
        old = pod.state.containers[index]
        if old.running:
            return old
        pod.state.containers[index] = new = old.next_run()
        try:
            await self._launch(pod, index)
        except SigmaError:
            pod.state.containers[index] = old
            raise
        for (other, attempt), cid in list(pod.ids.items()):  # keep this run and the one before
            if other == name and attempt < new.attempt - 1:
                with contextlib.suppress(NotFound):
                    await self.cri.containers.remove(cid)
                del pod.ids[(other, attempt)]
                for suffix in ("log", "killed"):
                    (pod.log_dir / name / f"{attempt}.{suffix}").unlink(missing_ok=True)
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
        await self._remove_sandbox(pod)
        return pod.state

    async def _remove_sandbox(self, pod: Pod) -> None:
        """Stop and remove the sandbox (and so its containers), then the pod's cgroups."""
        with contextlib.suppress(NotFound):
            await self.cri.sandboxes.stop(pod.sandbox_id)
            await self.cri.sandboxes.remove(pod.sandbox_id)
        pod.removed = True
        self.cgroups.remove(pod.cgroup)

    def pods(self) -> dict[str, PodState]:
        return {key: pod.state for key, pod in self._pods.items()}

    def poll(self) -> list[PodState]:
        keys, self._exited = self._exited, set()
        return [self._pods[k].state for k in sorted(keys) if k in self._pods]

    def forget(self, key: str) -> None:
        pod = self._pods.pop(key, None)
        self._exited.discard(key)
        if pod is not None:
            self._chore(self._dispose(pod))

    async def _dispose(self, pod: Pod) -> None:
        if not pod.removed:
            await self._remove_sandbox(pod)
        shutil.rmtree(pod.log_dir, ignore_errors=True)

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
        poller, self._poller = self._poller, None
        if poller is not None:
            poller.cancel()
            await asyncio.gather(poller, return_exceptions=True)
        if self._chores:
            await asyncio.wait(self._chores, timeout=30)
        if not self._pods:
            self.cgroups.remove_empty(self.cgroup_root)
        await self.cri.close()

    # -- watching and adopting -------------------------------------------------------------------
    async def _watch(self) -> None:
        """Find exits: one ListContainers of the node each interval, a status of each ended."""
        while True:
            await asyncio.sleep(self.poll_interval)
            try:
                for pod in await status.ended_since(self.cri, self._pods.values(), self._mine):
                    self._ended(pod)
            except SigmaError as exc:
                log.warning("containerd poll failed", extra={"error": str(exc)})

    def _ended(self, pod: Pod) -> None:
        if pod.state.key in self._pods and not all(c.running for c in pod.state.containers):
            self._exited.add(pod.state.key)
            if self._on_exit is not None:
                self._on_exit()

    @property
    def _mine(self) -> dict[str, str]:
        return {P.LABEL_NODE: self.node}

    def _chore(self, work: Coroutine[Any, Any, None]) -> None:
        """Run ``work`` in the background, owned by the runtime (``close`` waits for it)."""

        async def logged() -> None:
            try:
                await work
            except SigmaError as exc:
                log.warning("pod cleanup failed", extra={"error": str(exc)})

        task = asyncio.ensure_future(logged())
        self._chores.add(task)
        task.add_done_callback(self._chores.discard)


def _index(pod: Pod, name: str) -> int:
    for i, c in enumerate(pod.state.containers):
        if c.name == name:
            return i
    raise NotFound(f"pod {pod.state.key} has no container {name!r}")
