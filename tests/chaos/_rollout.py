"""The chaos run's workload and its faults: a rollout of Apps and BatchJobs through the
apiservers, created in waves with one fault between waves, so every fault lands mid-rollout.

A fault is SIGKILL of one tier replica (then a start with the same arguments), or a restart of
etcd or of the Kafka broker. Clients behave as real ones must: a create whose answer was lost
to a killed replica is sent again, and ``AlreadyExists`` then means it had gone through.
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import dataclass, field

from sigma import rpc
from sigma.apiserver import samples
from sigma.errors import AlreadyExists, SigmaError
from sigma.retry import RetryPolicy
from sigma.slave.runtime.simulated import DURATION_LABEL
from sigma.v1 import apiserver_pb2, apiserver_pb2_grpc, app_pb2, batch_pb2, meta_pb2, pod_pb2
from tests.chaos._cluster import TIERS, Cluster

NAMESPACE = "default"
CPU_MILLIS = 100  # every pod's CPU request
MEMORY = 64 << 20  # every pod's memory request
BATCH_SECONDS = 2  # how long a simulated batch instance runs
# Clients keep trying through a fault (a replica down, etcd restarting) for this long.
CLIENT_POLICY = RetryPolicy(attempts=60, initial=0.1, maximum=1.0, deadline=60.0)


@dataclass(frozen=True, slots=True)
class Workload:
    apps: int
    replicas: int  # per app
    jobs: int
    instances: int  # per job (one task each)

    @property
    def pods(self) -> int:
        return self.apps * self.replicas + self.jobs * self.instances

    def app(self, i: int) -> app_pb2.App:
        app = samples.app(f"web-{i}", replicas=self.replicas)
        app.spec.template.CopyFrom(_template(meta_pb2.QOS_CLASS_LS))
        return app

    def job(self, i: int) -> batch_pb2.BatchJob:
        be = meta_pb2.QOS_CLASS_BE
        template = _template(be)
        template.labels[DURATION_LABEL] = str(BATCH_SECONDS)
        task = batch_pb2.BatchTask(name="map", instances=self.instances, template=template)
        spec = batch_pb2.BatchJobSpec(qos_class=be, tasks=[task], max_retries=5)
        return batch_pb2.BatchJob(meta=meta_pb2.ObjectMeta(name=f"etl-{i}"), spec=spec)

    def waves(self, count: int) -> list[list[app_pb2.App | batch_pb2.BatchJob]]:
        """Every object, dealt round robin into ``count`` waves (apps and jobs mixed)."""
        objects: list[app_pb2.App | batch_pb2.BatchJob] = []
        for i in range(max(self.apps, self.jobs)):
            objects += [self.app(i)] if i < self.apps else []
            objects += [self.job(i)] if i < self.jobs else []
        return [objects[w::count] for w in range(count)]


def _template(qos: int) -> pod_pb2.PodTemplate:
    template = samples.template(qos, cpu_millis=CPU_MILLIS)
    template.containers[0].resources.requests.memory_bytes = MEMORY
    return template


@dataclass(frozen=True, slots=True)
class Fault:
    """One fault: a tier replica killed (``target`` = tier name), "etcd" or "kafka" restarted."""

    target: str
    index: int = 0


def schedule(cluster: Cluster, rounds: int = 1) -> list[Fault]:
    """Per round: each tier's next replica killed in turn, etcd and Kafka restarted in between
    (so every tier also meets a store and a broker coming back), a tier kill last (so the time
    to converge measures a tier healing)."""
    faults = []
    for r in range(rounds):
        kills = [Fault(tier, r % len(cluster.procs[tier])) for tier in TIERS]
        faults += [kills[0], Fault("etcd"), kills[1], Fault("kafka"), *kills[2:]]
    return faults


@dataclass
class FaultLog:
    kills: Counter[str] = field(default_factory=Counter)
    restarts: Counter[str] = field(default_factory=Counter)
    longest_restart: dict[str, float] = field(default_factory=dict)  # engine → seconds away
    last_fault_ended: float = 0.0  # monotonic time the last fault was healed
    created: int = 0
    resent: int = 0  # creates answered AlreadyExists: their first answer was lost


async def inject(cluster: Cluster, fault: Fault, log: FaultLog, down: float) -> None:
    """Apply one fault and heal it after ``down`` seconds."""
    began = time.monotonic()
    if fault.target in ("etcd", "kafka"):
        if fault.target == "etcd":
            await asyncio.to_thread(cluster.etcd.restart, down_for=down)
        else:
            await asyncio.to_thread(cluster.kafka.restart)
        log.restarts[fault.target] += 1
        took = time.monotonic() - began
        log.longest_restart[fault.target] = max(log.longest_restart.get(fault.target, 0.0), took)
    else:
        proc = cluster.procs[fault.target][fault.index]
        await proc.kill()
        log.kills[fault.target] += 1
        await asyncio.sleep(down)
        await proc.start()
    log.last_fault_ended = time.monotonic()


async def create(cluster: Cluster, obj: app_pb2.App | batch_pb2.BatchJob, log: FaultLog) -> None:
    async with rpc.channel(cluster.apiservers) as channel:
        try:
            if isinstance(obj, app_pb2.App):
                stub = apiserver_pb2_grpc.AppsStub(channel)
                request = apiserver_pb2.CreateAppRequest(namespace=NAMESPACE, app=obj)
                await rpc.unary(stub.Create, request, policy=CLIENT_POLICY)
            else:
                jobs = apiserver_pb2_grpc.BatchJobsStub(channel)
                job_request = apiserver_pb2.CreateBatchJobRequest(namespace=NAMESPACE, job=obj)
                await rpc.unary(jobs.Create, job_request, policy=CLIENT_POLICY)
        except AlreadyExists:
            log.resent += 1
        log.created += 1


async def rollout(
    cluster: Cluster, workload: Workload, faults: list[Fault], *, down: float, gap: float
) -> FaultLog:
    """Create the workload in waves: each of the first waves is sent while a fault is under
    way (a replica dead, etcd or Kafka restarting), the last one after every fault healed."""
    log = FaultLog()
    waves = workload.waves(len(faults) + 1)
    for i, wave in enumerate(waves):
        fault = faults[i] if i < len(faults) else None
        sending = _send(cluster, wave, log, i, delay=0.2 if fault else 0.0)
        if fault is None:
            await sending
            break
        await asyncio.gather(inject(cluster, fault, log, down), sending)
        print(f"fault {i + 1}/{len(faults)} healed: {fault}")
        await asyncio.sleep(gap)
    return log


async def _send(
    cluster: Cluster,
    wave: list[app_pb2.App | batch_pb2.BatchJob],
    log: FaultLog,
    i: int,
    delay: float,
) -> None:
    """Create one wave ``delay`` seconds from now (so a fault started with it is under way)."""
    await asyncio.sleep(delay)
    try:
        await asyncio.gather(*(create(cluster, obj, log) for obj in wave))
    except SigmaError as exc:
        raise AssertionError(f"wave {i} failed: {exc}\n{cluster.log_tails()}") from exc
