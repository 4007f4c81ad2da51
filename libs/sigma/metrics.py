"""Prometheus metrics through the official client, ``prometheus_client``, and the ``/metrics``
endpoint every tier serves.

What this module adds to the client, and why:
- one process registry, ``REGISTRY``, holding the client's process, platform and GC collectors
  and ``sigma_build_info`` (version, Python, gRPC), so every scrape says what is running;
- families that belong to a tier (``tier=``) are collected only while that tier runs in this
  process (``Registry.enable``): a lone scheduler lists no empty colocator series, and ``sigma
  up`` (every tier in one process, one port) lists them all. Families that every tier has,
  like ``sigma_grpc_*``, carry a ``tier`` label instead, so the tiers stay apart there too;
- refreshers: sync or async functions run before a scrape, for values cheaper to read when
  asked than to keep current (a queue's length, a lag read from the store);
- the endpoint is the client's own HTTP server (its thread); a scrape first runs the
  refreshers on the tiers' asyncio loop, where the store's clients live;
- ``sigma_asyncio_tasks``, the live tasks of that loop, counted by a refresher (on the loop:
  ``asyncio.all_tasks`` is not safe from the endpoint's thread). Beside the client's
  ``process_open_fds`` and ``process_resident_memory_bytes`` it is what a soak watches for
  leaks: a task left running after its caller gave up shows as a count that only grows.

Counters are not followed by ``_created`` samples (``disable_created_metrics``): nothing here
reads them, and they double the series.
"""

from __future__ import annotations

import asyncio
import inspect
import platform
from collections.abc import Awaitable, Callable, Iterable, Sequence
from importlib import metadata
from typing import TypeVar
from wsgiref.simple_server import WSGIServer

import grpc
import prometheus_client
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info
from prometheus_client.exposition import choose_encoder
from prometheus_client.metrics import MetricWrapperBase
from prometheus_client.registry import Collector

from sigma.log import get_logger

log = get_logger("sigma.metrics")

prometheus_client.disable_created_metrics()

# Seconds: from a fast RPC to a slow placement.
DEFAULT_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

Refresher = Callable[[], Awaitable[None] | None]
M = TypeVar("M", bound=MetricWrapperBase)


class _TierFamilies(Collector):
    """The families owned by a tier, collected only while that tier is enabled here."""

    def __init__(self) -> None:
        self.families: dict[str, tuple[MetricWrapperBase, str]] = {}
        self.enabled: list[str] = []  # one entry per enable: sigma up may observe a tier twice

    def collect(self) -> Iterable[prometheus_client.Metric]:
        for metric, tier in self.families.values():
            if not tier or tier in self.enabled:
                yield from metric.collect()


class Registry:
    """A ``prometheus_client`` registry, the families of each tier, and the refreshers."""

    def __init__(self, *, process: bool = True) -> None:
        self.prometheus = CollectorRegistry()
        self._families = _TierFamilies()
        self.prometheus.register(self._families)
        self._refreshers: list[Refresher] = []
        if process:
            prometheus_client.ProcessCollector(registry=self.prometheus)
            prometheus_client.PlatformCollector(registry=self.prometheus)
            prometheus_client.GCCollector(registry=self.prometheus)
            build = Info("sigma_build", "what this process runs", registry=self.prometheus)
            build.info(build_labels())

    def enable(self, tier: str) -> Callable[[], None]:
        """Collect ``tier``'s own families from now on; returns the matching disable."""
        self._families.enabled.append(tier)
        return lambda: self._families.enabled.remove(tier)

    def _add(self, name: str, metric: M, tier: str) -> M:
        """Keep ``metric``; defining a name again returns the first one if it is of the same
        type and labels (a module imported twice), and is refused otherwise."""
        have = self._families.families.get(name)
        if have is None:
            self._families.families[name] = (metric, tier)
            return metric
        if type(have[0]) is type(metric) and have[0]._labelnames == metric._labelnames:
            return have[0]  # type: ignore[return-value]
        raise ValueError(f"{name} is already registered differently")

    def counter(
        self, name: str, help_text: str, labels: Sequence[str] = (), tier: str = ""
    ) -> Counter:
        return self._add(name, Counter(name, help_text, labels, registry=None), tier)

    def gauge(self, name: str, help_text: str, labels: Sequence[str] = (), tier: str = "") -> Gauge:
        return self._add(name, Gauge(name, help_text, labels, registry=None), tier)

    def histogram(
        self,
        name: str,
        help_text: str,
        labels: Sequence[str] = (),
        buckets: Sequence[float] = DEFAULT_BUCKETS,
        tier: str = "",
    ) -> Histogram:
        metric = Histogram(name, help_text, labels, registry=None, buckets=buckets)
        return self._add(name, metric, tier)

    def add_refresher(self, refresher: Refresher) -> Callable[[], None]:
        """Call ``refresher`` (sync or async) before each scrape; returns its removal."""
        self._refreshers.append(refresher)
        return lambda: self._refreshers.remove(refresher)

    def exposition(self, accept: str = "") -> tuple[bytes, str]:
        """The body and content type for a client sending ``accept`` (no refreshers run)."""
        encoder, content_type = choose_encoder(accept)
        return encoder(self.prometheus), content_type

    async def refresh(self) -> None:
        """Run every refresher. A failing one is logged and skipped: a scrape should show
        what it can rather than nothing."""
        for refresher in list(self._refreshers):
            try:
                result = refresher()
                if inspect.isawaitable(result):
                    await asyncio.wait_for(result, timeout=5.0)
            except Exception:
                log.warning("metrics refresher failed", exc_info=True)


def build_labels() -> dict[str, str]:
    """``sigma_build_info``'s labels: the installed version and the runtimes under it."""
    try:
        version = metadata.version("sigma-py")
    except metadata.PackageNotFoundError:
        version = "unknown"
    return {"version": version, "python": platform.python_version(), "grpc": grpc.__version__}


def value(metric: MetricWrapperBase, **labels: str) -> float:
    """A metric's current value for ``labels`` (0 when absent), whether its tier is enabled
    or not: a counter's total, a gauge's value, a histogram's count of observations."""
    suffix = {"counter": "_total", "histogram": "_count"}.get(metric._type, "")
    for family in metric.collect():
        for sample in family.samples:
            if sample.name == family.name + suffix and sample.labels == labels:
                return sample.value
    return 0.0


REGISTRY = Registry()
TASKS = "sigma_asyncio_tasks"


def live_tasks() -> int:
    """The running loop's tasks that have not finished, the one asking left out (a scrape's
    own refresh is a task too, and would count itself)."""
    me = asyncio.current_task()
    return sum(1 for task in asyncio.all_tasks() if task is not me)


class _Scrape(Collector):
    """What the endpoint's thread collects: the registry, after its refreshers have run on
    the tiers' loop (they may await the store, whose clients live on that loop)."""

    def __init__(self, registry: Registry, loop: asyncio.AbstractEventLoop) -> None:
        self.registry, self.loop = registry, loop

    def _refresh(self) -> None:
        try:
            asyncio.run_coroutine_threadsafe(self.registry.refresh(), self.loop).result(6.0)
        except Exception:  # the loop is stopping or busy: serve what we have
            log.warning("metrics refresh skipped", exc_info=True)

    def collect(self) -> Iterable[prometheus_client.Metric]:
        self._refresh()
        return self.registry.prometheus.collect()

    def restricted_registry(self, names: Iterable[str]) -> Collector:
        self._refresh()
        return self.registry.prometheus.restricted_registry(names)


class MetricsServer:
    """The client's own HTTP exposition server (a daemon thread; text or OpenMetrics, gzip on
    request) on ``host:port`` (port 0: any free port), refreshing on the running loop."""

    def __init__(self, registry: Registry, host: str = "127.0.0.1", port: int = 0) -> None:
        self.registry = registry
        self.host = host
        self.port = port
        self._server: WSGIServer | None = None
        self._uncount: Callable[[], None] | None = None

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    async def start(self) -> None:
        scrape = _Scrape(self.registry, asyncio.get_running_loop())
        tasks = self.registry.gauge(TASKS, "live asyncio tasks of the loop the tiers run on")
        self._uncount = self.registry.add_refresher(lambda: tasks.set(live_tasks()))
        self._server, _ = prometheus_client.start_http_server(self.port, self.host, registry=scrape)
        self.port = self._server.server_port

    async def stop(self) -> None:
        if self._uncount is not None:
            self._uncount()
            self._uncount = None
        if self._server is not None:
            server, self._server = self._server, None
            await asyncio.to_thread(server.shutdown)
            server.server_close()
