"""What the containerd runtime asks of the CRI for one pod: its sandbox and its container runs.

A pod's images are pulled first (those containerd lacks), then its cgroup is made with its
weight and memory limit (``_cri_cgroups``) and its sandbox run in it; a template container's run
is a CRI container of that attempt in the sandbox, with the pod's CPU set and the quota the QoS
loop set. Removing a pod stops and removes its sandbox (and so its containers), then its
cgroups; a forgotten pod's removal and its logs' go on in the background, owned here, so the
agent's loop never waits on them and ``close`` does.
"""

from __future__ import annotations

import asyncio
import contextlib
import shutil
import time
from dataclasses import replace
from pathlib import Path

from sigma.cri.client import CriClient
from sigma.cri.specs import container_config, sandbox_config
from sigma.errors import FailedPrecondition, NotFound, SigmaError
from sigma.log import get_logger
from sigma.slave.runtime import _cri_pods as P
from sigma.slave.runtime import _cri_status as status
from sigma.slave.runtime._cri_cgroups import PodCgroups
from sigma.slave.runtime._cri_pods import Pod
from sigma.slave.runtime._port import PodRun, PodState

log = get_logger("sigma.slave.runtime")


class Sandboxes:
    def __init__(
        self, cri: CriClient, cgroups: PodCgroups, node: str, logs: Path, cgroup_root: str
    ) -> None:
        self.cri = cri
        self.cgroups = cgroups
        self.node = node
        self.logs = logs
        self.cgroup_root = cgroup_root
        self._chores: set[asyncio.Task[None]] = set()

    async def create(self, run: PodRun) -> Pod:
        """The pod's images, cgroup and sandbox; a pod with no container run yet."""
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
        return Pod(PodState.starting(run, time.time()), run, sandbox_id, config, cgroup, log_dir)

    async def launch(self, pod: Pod, index: int) -> bool:
        """Create and start the current run of container ``index``; whether it started. A start
        the runtime refuses (no such command) is that run's exit, as the kubelet reports it,
        not the pod's failure: the run's state then says how it ended."""
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
            return False
        return True

    async def prune(self, pod: Pod, name: str, keep: int) -> None:
        """Remove the runs of container ``name`` before attempt ``keep``, and their logs."""
        for (other, attempt), cid in list(pod.ids.items()):
            if other == name and attempt < keep:
                with contextlib.suppress(NotFound):
                    await self.cri.containers.remove(cid)
                del pod.ids[(other, attempt)]
                for suffix in ("log", "killed"):
                    (pod.log_dir / name / f"{attempt}.{suffix}").unlink(missing_ok=True)

    async def remove(self, pod: Pod) -> None:
        """Stop and remove the sandbox (and so its containers), then the pod's cgroups."""
        with contextlib.suppress(NotFound):
            await self.cri.sandboxes.stop(pod.sandbox_id)
            await self.cri.sandboxes.remove(pod.sandbox_id)
        pod.removed = True
        self.cgroups.remove(pod.cgroup)

    def dispose(self, pod: Pod) -> None:
        """Remove the pod (if a stop has not) and its logs, in the background."""

        async def work() -> None:
            try:
                if not pod.removed:
                    await self.remove(pod)
                shutil.rmtree(pod.log_dir, ignore_errors=True)
            except SigmaError as exc:
                log.warning("pod cleanup failed", extra={"error": str(exc)})

        task = asyncio.ensure_future(work())
        self._chores.add(task)
        task.add_done_callback(self._chores.discard)

    async def close(self) -> None:
        """Wait for the removals still going on (half a minute at most)."""
        if self._chores:
            await asyncio.wait(self._chores, timeout=30)
