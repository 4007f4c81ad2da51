"""The soak: a whole cluster of real tier processes on etcd and Kafka under steady churn, and
every tier's asyncio tasks, open file descriptors and RSS read from its own ``/metrics``.

Churn is what a cluster lives through all day, in a fixed rotation: an App scaled up or down,
an App upgraded (a template change, so its pods roll), a batch job submitted (the oldest one
deleted once more than a few are kept, so the stored state stays the same size), a running
pod deleted (its App replaces it). Tier processes are never killed: a leak shows only in a
process that lives through the whole run.

Every tier serves ``sigma_asyncio_tasks`` (counted on its loop), ``process_open_fds`` and
``process_resident_memory_bytes``; ``_trend`` decides from the samples whether any grows.
"""

from __future__ import annotations

import asyncio
import random
import time
import urllib.request
from collections import Counter, deque
from dataclasses import dataclass, field

import grpc
from prometheus_client.parser import text_string_to_metric_families

from sigma import rpc
from sigma.clock import SystemClock, sleep_or
from sigma.engines._process import free_port
from sigma.errors import SigmaError
from sigma.retry import RetryPolicy
from sigma.v1 import apiserver_pb2 as api
from sigma.v1 import apiserver_pb2_grpc as stubs
from tests.chaos._cluster import Cluster, Shape
from tests.chaos._rollout import NAMESPACE, Workload
from tests.soak._trend import LIMITS, Trend, trend

# Metric of each series in a tier's /metrics.
METRICS = {
    "tasks": "sigma_asyncio_tasks",
    "fds": "process_open_fds",
    "rss": "process_resident_memory_bytes",
}
SCRAPE_TIMEOUT = 10.0
CLOCK = SystemClock()
POLICY = RetryPolicy(attempts=10, initial=0.2, maximum=1.0, deadline=20.0)


@dataclass(frozen=True, slots=True)
class Size:
    shape: Shape
    seconds: float  # of churn, sampled throughout
    every: float  # seconds between samples of every tier
    warmup: float  # seconds of samples the verdict leaves out
    step: float  # seconds between churn actions
    apps: int
    replicas: tuple[int, int]  # an App is scaled between these
    jobs_kept: int  # batch jobs kept before the oldest is deleted


@dataclass(frozen=True, slots=True)
class Sample:
    t: float  # seconds since the first sample
    tasks: float
    fds: float
    rss: float


@dataclass
class Soak:
    samples: dict[str, list[Sample]] = field(default_factory=dict)  # tier process → samples
    missed: Counter[str] = field(default_factory=Counter)  # scrapes that got no answer
    actions: Counter[str] = field(default_factory=Counter)
    refused: Counter[str] = field(default_factory=Counter)  # actions the apiserver refused

    def trends(self, warmup: float) -> dict[str, dict[str, Trend]]:
        return {
            name: {
                key: trend([(s.t, getattr(s, key)) for s in samples], warmup, LIMITS[key])
                for key in METRICS
            }
            for name, samples in self.samples.items()
        }


@dataclass
class SoakCluster(Cluster):
    """The chaos suite's cluster with a Prometheus endpoint on every tier process, and each
    apiserver's Kubernetes door on a free port of its own (its default, 7080, is a `make up`'s
    on this machine, and two apiservers cannot share it)."""

    metrics: dict[str, int] = field(default_factory=dict)  # tier process → metrics port

    def build(self) -> None:
        super().build()
        for proc in self.every:
            self.metrics[proc.name] = free_port()
            proc.args += ["--metrics-port", str(self.metrics[proc.name])]


def scrape(port: int) -> dict[str, float]:
    """The soak's three values from one /metrics (blocking: run it in a thread)."""
    url = f"http://127.0.0.1:{port}/metrics"
    with urllib.request.urlopen(url, timeout=SCRAPE_TIMEOUT) as reply:
        text = reply.read().decode()
    wanted = {metric: key for key, metric in METRICS.items()}
    return {
        wanted[f.name]: f.samples[0].value
        for f in text_string_to_metric_families(text)
        if f.name in wanted and f.samples
    }


async def sample(
    cluster: SoakCluster, soak: Soak, every: float, began: float, stop: asyncio.Event
) -> None:
    """Every tier at once, every ``every`` seconds, until ``stop``."""
    while not stop.is_set():
        at = time.monotonic()
        names = list(cluster.metrics)
        got = await asyncio.gather(
            *(asyncio.to_thread(scrape, cluster.metrics[n]) for n in names),
            return_exceptions=True,
        )
        for name, values in zip(names, got, strict=True):
            if isinstance(values, BaseException) or len(values) != len(METRICS):
                soak.missed[name] += 1
                continue
            point = Sample(at - began, values["tasks"], values["fds"], values["rss"])
            soak.samples.setdefault(name, []).append(point)
        await sleep_or(CLOCK, max(every - (time.monotonic() - at), 0.0), stop)


class Churn:
    """The rotation of actions, through the apiservers' gRPC API as any client would."""

    def __init__(self, size: Size, channel: grpc.aio.Channel, soak: Soak, seed: int = 0) -> None:
        self.size, self.soak = size, soak
        self.apps = stubs.AppsStub(channel)
        self.jobs = stubs.BatchJobsStub(channel)
        self.pods = stubs.PodsStub(channel)
        self.random = random.Random(seed)
        self.workload = Workload(size.apps, size.replicas[0], 0, 2)
        self.kept: deque[str] = deque()
        self.counter = 0

    async def create_apps(self) -> None:
        for i in range(self.size.apps):
            request = api.CreateAppRequest(namespace=NAMESPACE, app=self.workload.app(i))
            await rpc.unary(self.apps.Create, request, policy=POLICY)

    async def run(self, stop: asyncio.Event) -> None:
        rotation = (self.scale, self.upgrade, self.submit, self.kill)
        while not stop.is_set():
            action = rotation[self.counter % len(rotation)]
            self.counter += 1
            try:
                await action()
                self.soak.actions[action.__name__] += 1
            except SigmaError as exc:
                self.soak.refused[f"{action.__name__}: {type(exc).__name__}"] += 1
            await sleep_or(CLOCK, self.size.step, stop)

    def _app(self) -> str:
        return f"web-{self.random.randrange(self.size.apps)}"

    async def scale(self) -> None:
        replicas = self.random.randint(*self.size.replicas)
        request = api.ScaleAppRequest(namespace=NAMESPACE, name=self._app(), replicas=replicas)
        await rpc.unary(self.apps.Scale, request, policy=POLICY)

    async def upgrade(self) -> None:
        template = self.workload.app(0).spec.template
        template.containers[0].env["VERSION"] = str(self.counter)
        request = api.UpgradeAppRequest(namespace=NAMESPACE, name=self._app(), template=template)
        await rpc.unary(self.apps.Upgrade, request, policy=POLICY)

    async def submit(self) -> None:
        job = self.workload.job(self.counter)
        request = api.CreateBatchJobRequest(namespace=NAMESPACE, job=job)
        await rpc.unary(self.jobs.Create, request, policy=POLICY)
        self.kept.append(job.meta.name)
        while len(self.kept) > self.size.jobs_kept:
            name = self.kept.popleft()
            delete = api.DeleteBatchJobRequest(namespace=NAMESPACE, name=name)
            await rpc.unary(self.jobs.Delete, delete, policy=POLICY)

    async def kill(self) -> None:
        request = api.ListPodsRequest(namespace=NAMESPACE, owner_name=self._app())
        pods = (await rpc.unary(self.pods.List, request, policy=POLICY)).items
        if pods:
            pod = self.random.choice(list(pods))
            delete = api.DeletePodRequest(namespace=NAMESPACE, name=pod.meta.name)
            await rpc.unary(self.pods.Delete, delete, policy=POLICY)


async def soak(size: Size) -> tuple[Soak, SoakCluster]:
    """Start the cluster, churn and sample it for ``size.seconds``, stop it; the samples."""
    result = Soak()
    started = SoakCluster.started(size.shape)
    async with started as cluster, rpc.channel(cluster.apiservers) as channel:
        churn = Churn(size, channel, result)
        await churn.create_apps()
        stop = asyncio.Event()
        began = time.monotonic()
        loops = [
            asyncio.create_task(sample(cluster, result, size.every, began, stop)),
            asyncio.create_task(churn.run(stop)),
        ]
        try:
            await asyncio.sleep(size.seconds)
        finally:
            stop.set()
            await asyncio.gather(*loops)
    return result, cluster
