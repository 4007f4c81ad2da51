"""The one place the slave's pod decisions touch the machine and the store.

``PodExecutor.apply`` carries out a ``reconcile.Plan``: starts and restarts through the
runtime, status writes through the control plane. Whatever waits out a grace period (a pod's
stop, a container's kill, an eviction) runs in the background and marks its pod busy, so one
pod's ten-second shutdown never holds up another pod's restart; reconcile leaves busy pods
alone and the agent is woken when they are done.

Status writes, and the verdicts (Succeeded, Failed, Evicted) that must not be lost, go through
``writer.StatusWriter`` (``writer``), which also keeps the uids of the pods that ended here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping

from sigma.errors import SigmaError
from sigma.log import get_logger, request_scope
from sigma.resources.cpusets import format_cpuset
from sigma.resources.pods import key as pod_key
from sigma.resources.pods import terminating
from sigma.slave.control import ControlPlane
from sigma.slave.cpuset import NodeCpus
from sigma.slave.pods import reconcile as R
from sigma.slave.pods import status
from sigma.slave.pods.writer import StatusWriter
from sigma.slave.runtime._port import PodRun, PodState, Runtime
from sigma.v1 import meta_pb2, pod_pb2

log = get_logger("sigma.slave")


def grace_of(pod: pod_pb2.Pod | None, default: float) -> float:
    if pod is not None and pod.spec.template.HasField("termination_grace_period"):
        return pod.spec.template.termination_grace_period.ToTimedelta().total_seconds()
    return default


def _requests(pod: pod_pb2.Pod) -> int:
    return sum(c.resources.requests.cpu_millis for c in pod.spec.template.containers)


class PodExecutor:
    def __init__(
        self,
        node: str,
        control: ControlPlane,
        runtime: Runtime,
        cpus: NodeCpus,
        *,
        grace: float,
        wall: Callable[[], float],
        wake: Callable[[], None],
    ) -> None:
        self.node = node
        self.control = control
        self.runtime = runtime
        self.cpus = cpus
        self.grace = grace
        self.wall = wall
        self.wake = wake
        self.writer = StatusWriter(control)
        self.background: dict[str, asyncio.Task[None]] = {}  # pod key → its stop or eviction
        self.changed = asyncio.Event()  # set whenever a pod leaves the runtime

    @property
    def busy(self) -> frozenset[str]:
        return frozenset(self.background)

    async def apply(self, plan: R.Plan) -> None:
        for op in plan.ops:
            match op:
                case R.Start(pod):
                    with request_scope(pod.meta):
                        await self._start(pod)
                case R.Restart(pod, name):
                    await self._restart(pod, name)
                case R.Kill(pod, name, reason):
                    key, grace = pod_key(pod), grace_of(pod, self.grace)
                    message = f"liveness probe failed; restarting container {name}"
                    self.control.record(key, pod.meta.uid, "Unhealthy", message, warning=True)
                    self._in_background(key, self.runtime.kill(key, name, grace, reason))
                case R.Stop(key, pod):
                    self._in_background(key, self._stop(key, pod))
                case R.Finish(key, uid, code, containers):
                    self.writer.done.add(uid)
                    change = status.finished(uid, code, int(self.wall() * 1e9), containers)
                    await self.writer.verdict(key, uid, change)
                    self.release(key)
                case R.Forget(key):
                    self.release(key)
                case R.Report(pod, state, containers):
                    await self._report(pod, state, containers)
                case R.Delete(pod):
                    await self.control.delete_pod(pod)

    # -- one op each ------------------------------------------------------------------------------
    async def _start(self, pod: pod_pb2.Pod) -> None:
        key = pod_key(pod)
        try:
            cpus = self.cpus.for_pod(key, pod.spec.qos_class, _requests(pod))
            started = await self.runtime.start(PodRun.from_pod(pod, cpus))
        except SigmaError as exc:
            self.cpus.allocator.release(key)
            now = int(self.wall() * 1e9)
            await self.writer.write(key, status.failed_to_start(pod.meta.uid, str(exc), now))
            return
        pids = [c.pid for c in started.containers]
        log.info("pod started", extra={"pod": key, "cpus": format_cpuset(cpus), "pids": pids})
        where = f"started on {self.node}, CPUs {format_cpuset(cpus) or '-'}"
        self.control.record(key, pod.meta.uid, "Started", where)

    async def _restart(self, pod: pod_pb2.Pod, name: str) -> None:
        key = pod_key(pod)
        try:
            run = await self.runtime.restart(key, name)
        except SigmaError as exc:  # the next pass tries again, still backing off
            log.warning("restart failed", extra={"pod": key, "container": name, "error": str(exc)})
            return
        log.info(
            "container restarted",
            extra={"pod": key, "container": name, "restarts": run.attempt, "pid": run.pid},
        )
        ended = status.termination(run.previous) if run.previous is not None else None
        why = f" (its last run: {ended.reason}, {ended.message})" if ended is not None else ""
        self.control.record(key, pod.meta.uid, "Restarted", f"container {name} restarted{why}")

    async def _stop(self, key: str, pod: pod_pb2.Pod | None) -> None:
        await self._halt(key, grace_of(pod, self.grace))
        if pod is not None and terminating(pod):
            await self.control.delete_pod(pod)

    async def _report(
        self, pod: pod_pb2.Pod, st: PodState, containers: tuple[pod_pb2.ContainerStatus, ...]
    ) -> None:
        """Keep the pod on the CPUs its class gets now, and its status saying what runs."""
        key = pod_key(pod)
        want = self.cpus.for_pod(key, st.qos, _requests(pod))
        if want != st.cpus and st.running:
            quota = self.cpus.batch_quota if st.qos == meta_pb2.QOS_CLASS_BE else 0
            await self.runtime.controls.set_cpus(key, want, quota)
        seen = status.Observed(
            self.node, format_cpuset(want), st.started_at, containers, self.wall()
        )
        change = status.observed(pod.meta.uid, seen)
        probe = pod_pb2.Pod()
        probe.CopyFrom(pod)  # the cache's copy is shared: try the change on a copy first
        if change(probe) and await self.writer.write(key, change):
            tell_backoffs(self.control, pod, containers)

    # -- shared with the QoS host and the drain -------------------------------------------------
    def evict(self, key: str, grace: float, reason: str, message: str) -> None:
        """Stop a running pod in the background and record it Evicted."""
        st = self.runtime.pods().get(key)
        if st is None or not st.running or key in self.background:
            return
        self.writer.done.add(st.uid)
        self._in_background(key, self._evict(key, st.uid, grace, reason, message))

    async def _evict(self, key: str, uid: str, grace: float, reason: str, message: str) -> None:
        self.control.record(key, uid, "Evicted", f"{reason}: {message}", warning=True)
        await self.runtime.stop(key, grace)
        ended = status.evicted(uid, reason, message, int(self.wall() * 1e9))
        await self.writer.verdict(key, uid, ended)
        self.release(key)

    def stop_all(self, pods: Mapping[str, pod_pb2.Pod]) -> int:
        """Stop every running pod in the background, each with its own grace (``pods``: the
        local view, for the graces); returns how many stops began. The self-fence's act: it
        writes nothing to the store, which it cannot reach."""
        begun = 0
        for key, st in self.runtime.pods().items():
            if st.running and key not in self.background:
                self._in_background(key, self._halt(key, grace_of(pods.get(key), self.grace)))
                begun += 1
        return begun

    async def _halt(self, key: str, grace: float) -> None:
        await self.runtime.stop(key, grace)
        self.release(key)

    def _in_background(self, key: str, work: Awaitable[None]) -> None:
        if key in self.background:
            return

        async def run() -> None:
            try:
                await work
            except SigmaError as exc:
                log.warning("background stop failed", extra={"pod": key, "error": str(exc)})
            finally:
                self.background.pop(key, None)
                self.changed.set()
                self.wake()

        self.background[key] = asyncio.ensure_future(run())

    def release(self, key: str) -> None:
        self.runtime.forget(key)
        self.cpus.allocator.release(key)
        self.changed.set()

    async def settle(self) -> None:
        """Wait until every background stop and eviction has finished."""
        while self.background:
            await asyncio.gather(*self.background.values(), return_exceptions=True)

    async def close(self) -> None:
        tasks = list(self.background.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def tell_backoffs(
    control: ControlPlane, pod: pod_pb2.Pod, containers: tuple[pod_pb2.ContainerStatus, ...]
) -> None:
    """A BackOff record for each container that began waiting out a back-off just now."""
    before = {c.name: c.next_restart_at for c in pod.status.container_statuses}
    for c in containers:
        if c.reason == status.CRASH_LOOP and before.get(c.name) != c.next_restart_at:
            message = f"back-off restarting failed container {c.name}"
            control.record(pod_key(pod), pod.meta.uid, "BackOff", message, warning=True)
