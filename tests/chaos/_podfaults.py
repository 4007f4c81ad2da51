"""Pod-level faults against Apps that must hold their target: processes killed, pods deleted,
liveness made to fail, during a rolling upgrade and during a time-sharing shrink.

Everything goes through the cluster's own doors (the apiserver's gRPC API, the slaves' admin
API for where a pod's processes are), so the same run measures the embedded cluster and one on
etcd and Kafka. Faults come one after another and each is timed until the App is whole again:

- ``kill``: SIGKILL of a pod's command process; restored when its container runs again with one
  more restart, and again when the pod is Ready;
- ``delete``: Pods.Delete of a running pod; restored when the App has its target of Running,
  Ready pods without it;
- ``liveness``: the pod's liveness probe made to fail (a file its probe looks for); restored
  when the container was restarted for it and is Ready again (the file is removed once the
  container is seen stopped, or its next run would fail too).
"""

from __future__ import annotations

import contextlib
import os
import random
import signal
import statistics
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import psutil

from sigma import rpc
from sigma.apiserver import samples
from sigma.resources.apps import target_replicas
from sigma.resources.pods import ready
from sigma.retry import RetryPolicy
from sigma.testing.wait import eventually, took
from sigma.v1 import apiserver_pb2 as api
from sigma.v1 import apiserver_pb2_grpc as stubs
from sigma.v1 import app_pb2, meta_pb2, pod_pb2, slave_pb2, slave_pb2_grpc

NAMESPACE = "default"
POLICY = RetryPolicy(attempts=30, initial=0.1, maximum=1.0, deadline=30.0)
# The liveness probe fails while a file named after the pod exists in $FAULTS.
LIVENESS = ["sh", "-c", 'test ! -e "$FAULTS/${SIGMA_POD#*/}"']


LIMIT = 30.0  # seconds for a fault's pod to be back


@dataclass(frozen=True, slots=True)
class PodFaults:
    apps: int  # upgraded apps of ``replicas`` each
    replicas: int
    shared: int  # replicas of the time-shared app (its trough halves it)
    kills: int  # of each kind, in each phase
    deletes: int
    liveness: int
    restore_within: float = 30.0  # seconds after the last fault every App must be whole


@dataclass
class Measured:
    restore: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    during: Counter[str] = field(default_factory=Counter)  # phase -> faults injected then

    def figures(self) -> dict[str, object]:
        out: dict[str, object] = {"faults_during": dict(self.during)}
        for what, times in sorted(self.restore.items()):
            out[f"{what}_p50_seconds"] = round(statistics.median(times), 3)
            out[f"{what}_p99_seconds"] = round(_p99(times), 3)
            out[f"{what}_count"] = len(times)
        return out


def _p99(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))]


def app(name: str, replicas: int, faults: Path) -> app_pb2.App:
    """An App of ``replicas`` sleepers, probed: always ready, alive unless told otherwise."""
    a = samples.app(name, replicas=replicas)
    a.spec.template.CopyFrom(samples.template(meta_pb2.QOS_CLASS_LS, cpu_millis=10))
    c = a.spec.template.containers[0]
    del c.command[:]
    c.command.extend(["sleep", "3600"])
    c.env["FAULTS"] = str(faults)
    c.resources.requests.memory_bytes = 8 << 20
    for probe, argv in ((c.readiness_probe, ["true"]), (c.liveness_probe, LIVENESS)):
        probe.exec.command.extend(argv)
        probe.period.FromMilliseconds(200)
        probe.failure_threshold = 1
    a.spec.template.termination_grace_period.FromMilliseconds(500)
    a.spec.upgrade.max_unavailable = 1
    return a


def shared_app(replicas: int, faults: Path) -> app_pb2.App:
    """Time-shared, in its trough all day: the colocator halves it (never below one)."""
    a = app("shared", replicas, faults)
    a.spec.min_replicas = 1
    ts = a.spec.time_sharing
    ts.enabled = True
    ts.profile.slot_seconds = 3600
    ts.profile.load.extend([0.5] * 24)
    return a


class Run:
    def __init__(self, apiserver: str, slaves: list[str], faults: Path, seed: int = 0) -> None:
        self.apiserver, self.slaves, self.faults = apiserver, slaves, faults
        self.random = random.Random(seed)
        self.measured = Measured()
        self.last_fault_ended = 0.0

    async def __aenter__(self) -> Run:
        self._channel = rpc.channel(self.apiserver)
        channel = await self._channel.__aenter__()
        self.apps, self.pods = stubs.AppsStub(channel), stubs.PodsStub(channel)
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._channel.__aexit__(*exc)

    # -- reading ------------------------------------------------------------------------------
    async def app_pods(self, name: str) -> list[pod_pb2.Pod]:
        request = api.ListPodsRequest(namespace=NAMESPACE, owner_name=name)
        return list((await rpc.unary(self.pods.List, request, policy=POLICY)).items)

    async def whole(self, name: str, without: str = "") -> bool:
        """The App has its target of Running, Ready pods, none of them the pod whose uid is
        ``without`` (a replacement may take a deleted pod's name once it is gone)."""
        got = await rpc.unary(
            self.apps.Get, api.GetAppRequest(namespace=NAMESPACE, name=name), policy=POLICY
        )
        live = [p for p in await self.app_pods(name) if ready(p)]
        return len(live) == target_replicas(got) and without not in {p.meta.uid for p in live}

    async def pick(self, name: str) -> pod_pb2.Pod:
        """A ready pod of the App's current template (a rolling upgrade removes the others,
        which would end a kill's pod instead of restarting it), once the App is whole; of those,
        one restarted least: a restart is measured from a first crash, not from the crash-loop
        back-off that repeated crashes of one pod earn (tests/integration/slave covers that)."""
        current: list[pod_pb2.Pod] = []

        async def candidates() -> bool:
            if not await self.whole(name):
                return False
            got = await rpc.unary(self.apps.Get, api.GetAppRequest(namespace=NAMESPACE, name=name))
            digest = got.status.current_template_hash
            pods = await self.app_pods(name)
            current[:] = [p for p in pods if ready(p) and p.spec.template_hash == digest]
            return bool(current)

        await eventually(
            candidates,
            what=f"{name} whole, with pods of its template, before a fault",
            timeout=LIMIT,
        )
        fewest = min(p.status.restart_count for p in current)
        return self.random.choice([p for p in current if p.status.restart_count == fewest])

    # -- faults -------------------------------------------------------------------------------
    async def kill(self, name: str) -> None:
        pod = await self.pick(name)
        before = pod.status.restart_count
        await self._kill_command(pod)
        began = time.monotonic()

        async def running_again() -> bool:
            now = await self._pod(pod.meta.name)
            c = now.status.container_statuses if now is not None else []
            return bool(c) and c[0].restart_count > before and c[0].state == _RUNNING

        await eventually(running_again, what=f"{pod.meta.name} running again", timeout=LIMIT)
        self.measured.restore["kill_running"].append(time.monotonic() - began)
        if not before:  # the first restart: no back-off before it
            self.measured.restore["first_kill_running"].append(time.monotonic() - began)
        await eventually(lambda: self.whole(name), what=f"{name} whole after a kill", timeout=LIMIT)
        self.measured.restore["kill_ready"].append(time.monotonic() - began)

    async def delete(self, name: str) -> None:
        pod = await self.pick(name)
        request = api.DeletePodRequest(namespace=NAMESPACE, name=pod.meta.name)
        await rpc.unary(self.pods.Delete, request, policy=POLICY)
        seconds = await took(
            lambda: self.whole(name, without=pod.meta.uid), what="replaced", timeout=LIMIT
        )
        self.measured.restore["delete_ready"].append(seconds)

    async def liveness(self, name: str) -> None:
        pod = await self.pick(name)
        before = pod.status.restart_count
        flag = self.faults / pod.meta.name
        flag.touch()
        began = time.monotonic()

        async def killed() -> bool:  # stopped for it (then waiting to restart), or restarted
            now = await self._pod(pod.meta.name)
            c = now.status.container_statuses if now is not None else []
            return bool(c) and (c[0].state != _RUNNING or c[0].restart_count > before)

        try:
            await eventually(
                killed, what=f"{pod.meta.name} stopped for its liveness", timeout=LIMIT
            )
        finally:
            flag.unlink(missing_ok=True)  # the restarted run is healthy
        await eventually(
            lambda: self.whole(name), what=f"{name} whole after liveness", timeout=LIMIT
        )
        self.measured.restore["liveness_ready"].append(time.monotonic() - began)

    async def faults_on(self, name: str, size: PodFaults, phase: str) -> None:
        order = ["kill"] * size.kills + ["delete"] * size.deletes + ["liveness"] * size.liveness
        self.random.shuffle(order)
        for fault in order:
            await getattr(self, fault)(name)
            self.measured.during[phase] += 1
            self.last_fault_ended = time.monotonic()

    async def _pod(self, name: str) -> pod_pb2.Pod | None:
        with contextlib.suppress(Exception):
            request = api.GetPodRequest(namespace=NAMESPACE, name=name)
            return await rpc.unary(self.pods.Get, request, policy=POLICY)
        return None

    async def _kill_command(self, pod: pod_pb2.Pod) -> None:
        """SIGKILL the pod's command (not its wrapper), found through its node's admin API."""
        key = f"{pod.meta.namespace}/{pod.meta.name}"
        for address in self.slaves:
            async with rpc.channel(address) as channel:
                stub = slave_pb2_grpc.SlaveStub(channel)
                reply = await rpc.unary(stub.ListLocalPods, slave_pb2.ListLocalPodsRequest())
            for local in reply.pods:
                if local.pod_key == key and local.pid:
                    for child in psutil.Process(local.pid).children():
                        os.kill(child.pid, signal.SIGKILL)
                    return
        raise AssertionError(f"{key} runs on no slave")


_RUNNING = pod_pb2.CONTAINER_STATE_RUNNING


async def scenario(run: Run, size: PodFaults) -> dict[str, object]:
    """Apps up; faults during an upgrade, then during a time-sharing shrink; all whole again."""
    names = [f"svc-{i}" for i in range(size.apps)]
    for name in names:
        request = api.CreateAppRequest(
            namespace=NAMESPACE, app=app(name, size.replicas, run.faults)
        )
        await rpc.unary(run.apps.Create, request, policy=POLICY)
    shared = shared_app(size.shared, run.faults)
    await rpc.unary(run.apps.Create, api.CreateAppRequest(namespace=NAMESPACE, app=shared))
    for name in [*names, "shared"]:
        await eventually(lambda n=name: run.whole(n), what=f"{name} up", timeout=60)

    for name in names:  # a rolling upgrade of every app, with faults while it rolls
        template = app(name, size.replicas, run.faults).spec.template
        template.containers[0].env["VERSION"] = "2"
        request = api.UpgradeAppRequest(namespace=NAMESPACE, name=name, template=template)
        await rpc.unary(run.apps.Upgrade, request, policy=POLICY)
        await run.faults_on(name, size, "upgrade")

    async def shrunk() -> bool:
        got = await rpc.unary(run.apps.Get, api.GetAppRequest(namespace=NAMESPACE, name="shared"))
        return 0 < target_replicas(got) < size.shared

    await eventually(shrunk, what="time-sharing shrinks the shared app", timeout=60)
    await run.faults_on("shared", size, "time-sharing")

    began = time.monotonic()
    for name in [*names, "shared"]:
        await eventually(
            lambda n=name: run.whole(n),
            what=f"{name} whole at the end",
            timeout=size.restore_within,
        )
    return {
        "apps": size.apps + 1,
        "all_whole_seconds_after_last_fault": round(time.monotonic() - began, 2),
        **run.measured.figures(),
    }
