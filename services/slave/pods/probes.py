"""Readiness and liveness probes: one worker per probed container run, results in memory.

As the kubelet's prober: after a probe's initial delay its worker runs the handler every
period with a timeout (exec through the runtime, a TCP connect, or gRPC health checking), and
``step`` (pure) turns the outcome into the result the agent reads: readiness starts failing
and passes after ``success_threshold`` successes in a row; liveness starts passing and fails
after ``failure_threshold`` failures in a row. A changed result wakes the agent, which writes
the pod's Ready condition or restarts the container. Workers are keyed by the container's run
(pod uid, container, attempt), so a restarted container is probed afresh.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from sigma.clock import Clock
from sigma.errors import SigmaError
from sigma.log import get_logger
from sigma.slave.runtime._port import PodState, Runtime
from sigma.v1 import pod_pb2

log = get_logger("sigma.slave.probes")

READINESS, LIVENESS = "readiness", "liveness"
Key = tuple[str, str, int, str]  # (pod uid, container, attempt, kind)


@dataclass(frozen=True, slots=True)
class Spec:
    handler: pod_pb2.Probe
    initial_delay: float
    period: float
    timeout: float
    success_threshold: int
    failure_threshold: int


def spec_of(probe: pod_pb2.Probe) -> Spec:
    """The probe with its defaults filled in: 0 s delay, every 10 s, 1 s timeout, 1 and 3."""

    def seconds(field: str, default: float) -> float:
        if not probe.HasField(field):
            return default
        d = getattr(probe, field)
        return d.seconds + d.nanos / 1e9

    return Spec(
        probe,
        seconds("initial_delay", 0.0),
        seconds("period", 10.0) or 10.0,
        seconds("timeout", 1.0) or 1.0,
        probe.success_threshold or 1,
        probe.failure_threshold or 3,
    )


@dataclass(frozen=True, slots=True)
class Result:
    ok: bool
    streak: int = 0  # outcomes in a row that disagree with ``ok``


def initial(kind: str) -> Result:
    return Result(ok=kind == LIVENESS)


def step(result: Result, passed: bool, spec: Spec) -> Result:
    """The result after one outcome: it flips after enough outcomes in a row against it."""
    if passed == result.ok:
        return Result(result.ok)
    streak = result.streak + 1
    needed = spec.success_threshold if passed else spec.failure_threshold
    return Result(passed) if streak >= needed else Result(result.ok, streak)


@dataclass(frozen=True, slots=True)
class Target:
    pod_key: str
    pod_uid: str
    container: str
    spec: Spec


def targets(pods: Mapping[str, pod_pb2.Pod], states: Mapping[str, PodState]) -> dict[Key, Target]:
    """The probes to run now: one per probe of each running container of a pod meant to run."""
    out: dict[Key, Target] = {}
    for key, st in states.items():
        pod = pods.get(key)
        if pod is None or pod.meta.uid != st.uid or pod.meta.HasField("deletion_timestamp"):
            continue
        specs = {c.name: c for c in pod.spec.template.containers}
        for c in st.containers:
            spec = specs.get(c.name)
            if spec is None or not c.running:
                continue
            for kind, probe in ((READINESS, spec.readiness_probe), (LIVENESS, spec.liveness_probe)):
                if probe.WhichOneof("handler"):
                    target = Target(key, st.uid, c.name, spec_of(probe))
                    out[(st.uid, c.name, c.attempt, kind)] = target
    return out


class Prober:
    def __init__(
        self,
        runtime: Runtime,
        clock: Clock,
        on_change: Callable[[], None],
        *,
        host: str = "127.0.0.1",
        failed: Callable[[Target, str], None] | None = None,
    ) -> None:
        self.runtime = runtime
        self.clock = clock
        self.on_change = on_change
        self.failed = failed  # told when a probe's result turns to failing
        self.host = host
        self.results: dict[Key, Result] = {}
        self._workers: dict[Key, asyncio.Task[None]] = {}

    def sync(self, targets: Mapping[Key, Target]) -> None:
        """Probe exactly ``targets``: start workers for new ones, stop the others."""
        for key in [k for k in self._workers if k not in targets]:
            self._workers.pop(key).cancel()
            self.results.pop(key, None)
        for key, target in targets.items():
            if key not in self._workers:
                self.results.setdefault(key, initial(key[3]))
                self._workers[key] = asyncio.ensure_future(self._work(key, target))

    def passing(self, key: Key) -> bool:
        """The current result; a container without such a probe passes."""
        result = self.results.get(key)
        return True if result is None else result.ok

    async def close(self) -> None:
        workers = list(self._workers.values())
        self._workers.clear()
        for w in workers:
            w.cancel()
        await asyncio.gather(*workers, return_exceptions=True)

    async def _work(self, key: Key, target: Target) -> None:
        spec = target.spec
        await self.clock.sleep(spec.initial_delay)
        while True:
            passed = await self.probe(target)
            before = self.results.get(key, initial(key[3]))
            after = step(before, passed, spec)
            self.results[key] = after
            if after.ok != before.ok:
                log.info(
                    "probe result changed",
                    extra={
                        "pod": target.pod_key,
                        "container": target.container,
                        "probe": key[3],
                        "passing": after.ok,
                    },
                )
                if not after.ok and self.failed is not None:
                    self.failed(target, key[3])
                self.on_change()
            await self.clock.sleep(spec.period)

    async def probe(self, target: Target) -> bool:
        """Run the handler once; any error or a timeout is a failure."""
        probe, timeout = target.spec.handler, target.spec.timeout
        try:
            async with asyncio.timeout(timeout):
                which = probe.WhichOneof("handler")
                if which == "exec":
                    argv = tuple(probe.exec.command)
                    done = await self.runtime.exec(target.pod_key, target.container, argv, timeout)
                    return done.exit_code == 0
                if which == "tcp_socket":
                    return await _tcp(probe.tcp_socket.host or self.host, probe.tcp_socket.port)
                if which == "grpc":
                    return await _grpc(self.host, probe.grpc.port, probe.grpc.service, timeout)
        except (TimeoutError, OSError, SigmaError, grpc.RpcError):
            return False
        return False


async def _tcp(host: str, port: int) -> bool:
    _, writer = await asyncio.open_connection(host, port)
    writer.close()
    with contextlib.suppress(OSError):
        await writer.wait_closed()
    return True


async def _grpc(host: str, port: int, service: str, timeout: float) -> bool:
    async with grpc.aio.insecure_channel(f"{host}:{port}") as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        reply = await stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=timeout)
        return reply.status == health_pb2.HealthCheckResponse.SERVING
