"""Prometheus metrics without a client library: counters, gauges and histograms with labels,
a registry that renders the text exposition format (0.0.4), and a ``/metrics`` HTTP endpoint.

Why not ``prometheus_client``: the format is small and stable, and every tier would otherwise
carry one more dependency for a page of code. Metrics are defined once at import time on the
process registry ``REGISTRY`` (``sigma up`` runs every tier in one process, so names carry the
tier: ``sigma_scheduler_…``); a family that belongs to one tier says so (``tier=``) and is
rendered only in a process that runs that tier (``Registry.enable``), so a lone scheduler does
not list empty colocator series. Values that are cheaper to read when scraped than to keep up to
date (a queue's length, a lag) come from collectors: functions the registry calls before it
renders.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import inspect
import math
import re
from collections.abc import Awaitable, Callable, Sequence
from typing import ClassVar, TypeVar

from sigma.errors import Invalid
from sigma.log import get_logger

log = get_logger("sigma.metrics")

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
_NAME = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_LABEL = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
# Seconds: from a fast RPC to a slow placement.
DEFAULT_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

Collector = Callable[[], Awaitable[None] | None]
M = TypeVar("M", bound="Metric")


def _format(value: float) -> str:
    if math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if math.isnan(value):
        return "NaN"
    return str(int(value)) if value == int(value) and abs(value) < 2**53 else repr(value)


def _escape(value: str) -> str:
    return value.replace("\\", r"\\").replace("\n", r"\n").replace('"', r"\"")


def _labels(pairs: Sequence[tuple[str, str]]) -> str:
    if not pairs:
        return ""
    return "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in pairs) + "}"


class Metric:
    """One metric family: a name, its help, label names, and a value per label combination."""

    type: ClassVar[str] = "untyped"

    def __init__(
        self, name: str, help_text: str, labels: Sequence[str] = (), tier: str = ""
    ) -> None:
        if not _NAME.fullmatch(name):
            raise Invalid("name", f"{name!r} is not a Prometheus metric name")
        for label in labels:
            if not _LABEL.fullmatch(label) or label.startswith("__") or label == "le":
                raise Invalid("labels", f"{label!r} is not a usable label name")
        self.name = name
        self.help = help_text
        self.labelnames = tuple(labels)
        self.tier = tier  # "" for every process
        self._values: dict[tuple[str, ...], float] = {}

    def _key(self, labels: dict[str, str]) -> tuple[str, ...]:
        if set(labels) != set(self.labelnames):
            raise Invalid(
                "labels", f"{self.name} takes {list(self.labelnames)}, got {list(labels)}"
            )
        return tuple(str(labels[n]) for n in self.labelnames)

    def value(self, **labels: str) -> float:
        """The current value for these labels (0 when never set): for tests and collectors."""
        return self._values.get(self._key(labels), 0.0)

    def clear(self) -> None:
        self._values.clear()

    def samples(self) -> list[tuple[str, tuple[tuple[str, str], ...], float]]:
        return [
            (self.name, tuple(zip(self.labelnames, key, strict=True)), value)
            for key, value in sorted(self._values.items())
        ]

    def render(self) -> list[str]:
        escaped = self.help.replace("\\", r"\\").replace("\n", r"\n")
        lines = [f"# HELP {self.name} {escaped}"]
        lines.append(f"# TYPE {self.name} {self.type}")
        lines += [f"{name}{_labels(pairs)} {_format(v)}" for name, pairs, v in self.samples()]
        return lines


class Counter(Metric):
    """Only goes up; Prometheus derives rates from it (placements/s is ``rate(…_total[1m])``)."""

    type = "counter"

    def __init__(
        self, name: str, help_text: str, labels: Sequence[str] = (), tier: str = ""
    ) -> None:
        if not name.endswith("_total"):
            raise Invalid("name", f"a counter's name ends in _total: {name!r}")
        super().__init__(name, help_text, labels, tier)

    def inc(self, amount: float = 1.0, **labels: str) -> None:
        if amount < 0:
            raise Invalid("amount", "a counter cannot go down")
        key = self._key(labels)
        self._values[key] = self._values.get(key, 0.0) + amount


class Gauge(Metric):
    type = "gauge"

    def set(self, value: float, **labels: str) -> None:
        self._values[self._key(labels)] = float(value)

    def inc(self, amount: float = 1.0, **labels: str) -> None:
        key = self._key(labels)
        self._values[key] = self._values.get(key, 0.0) + amount

    def remove(self, **labels: str) -> None:
        self._values.pop(self._key(labels), None)


class Histogram(Metric):
    """Cumulative buckets, sum and count per label combination."""

    type = "histogram"

    def __init__(
        self,
        name: str,
        help_text: str,
        labels: Sequence[str] = (),
        buckets: Sequence[float] = DEFAULT_BUCKETS,
        tier: str = "",
    ) -> None:
        super().__init__(name, help_text, labels, tier)
        if list(buckets) != sorted(set(buckets)) or not buckets:
            raise Invalid("buckets", "must be increasing and not empty")
        self.buckets = tuple(float(b) for b in buckets)
        self._series: dict[tuple[str, ...], tuple[list[int], list[float]]] = {}

    def observe(self, value: float, **labels: str) -> None:
        key = self._key(labels)
        counts, total = self._series.setdefault(key, ([0] * (len(self.buckets) + 1), [0.0]))
        counts[bisect.bisect_left(self.buckets, value)] += 1
        total[0] += value

    def count(self, **labels: str) -> int:
        series = self._series.get(self._key(labels))
        return sum(series[0]) if series else 0

    def clear(self) -> None:
        self._series.clear()

    def samples(self) -> list[tuple[str, tuple[tuple[str, str], ...], float]]:
        out = []
        for key, (counts, total) in sorted(self._series.items()):
            pairs = tuple(zip(self.labelnames, key, strict=True))
            running = 0
            for bound, n in zip((*self.buckets, math.inf), counts, strict=True):
                running += n
                out.append((f"{self.name}_bucket", (*pairs, ("le", _format(bound))), running))
            out.append((f"{self.name}_sum", pairs, total[0]))
            out.append((f"{self.name}_count", pairs, running))
        return out


class Registry:
    """The metrics of a process, and the collectors that refresh some of them on a scrape."""

    def __init__(self) -> None:
        self._metrics: dict[str, Metric] = {}
        self._collectors: list[Collector] = []
        self._enabled: list[str] = []  # tiers running in this process, one entry per enable

    def enable(self, tier: str) -> Callable[[], None]:
        """Render ``tier``'s own families from now on; returns the matching disable."""
        self._enabled.append(tier)
        return lambda: self._enabled.remove(tier)

    def register(self, metric: M) -> M:
        """Add ``metric``; defining the same name again returns the first one if it has the
        same type and labels (a module imported twice), and is refused otherwise."""
        have = self._metrics.get(metric.name)
        if have is None:
            self._metrics[metric.name] = metric
            return metric
        if type(have) is type(metric) and have.labelnames == metric.labelnames:
            return have  # type: ignore[return-value]
        raise Invalid("name", f"{metric.name} is already registered differently")

    def counter(
        self, name: str, help_text: str, labels: Sequence[str] = (), tier: str = ""
    ) -> Counter:
        return self.register(Counter(name, help_text, labels, tier))

    def gauge(self, name: str, help_text: str, labels: Sequence[str] = (), tier: str = "") -> Gauge:
        return self.register(Gauge(name, help_text, labels, tier))

    def histogram(
        self,
        name: str,
        help_text: str,
        labels: Sequence[str] = (),
        buckets: Sequence[float] = DEFAULT_BUCKETS,
        tier: str = "",
    ) -> Histogram:
        return self.register(Histogram(name, help_text, labels, buckets, tier))

    def add_collector(self, collector: Collector) -> Callable[[], None]:
        """Call ``collector`` (sync or async) before each render; returns its removal."""
        self._collectors.append(collector)
        return lambda: self._collectors.remove(collector)

    def exposition(self) -> str:
        """The text format of every metric this process's tiers own, in name order (pure: no
        collectors run)."""
        shown = [
            m for _, m in sorted(self._metrics.items()) if not m.tier or m.tier in self._enabled
        ]
        lines = [line for metric in shown for line in metric.render()]
        return "\n".join(lines) + "\n"

    async def collect(self) -> str:
        """Refresh through the collectors, then render. A failing collector is logged and
        skipped: a scrape should show what it can rather than nothing."""
        for collector in list(self._collectors):
            try:
                result = collector()
                if inspect.isawaitable(result):
                    await asyncio.wait_for(result, timeout=5.0)
            except Exception:
                log.warning("metrics collector failed", exc_info=True)
        return self.exposition()


REGISTRY = Registry()


class MetricsServer:
    """``GET /metrics`` over HTTP/1.1 on ``host:port`` (port 0: any free port)."""

    def __init__(self, registry: Registry, host: str = "127.0.0.1", port: int = 0) -> None:
        self.registry = registry
        self.host = host
        self.port = port
        self._server: asyncio.Server | None = None

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    async def start(self) -> None:
        self._server = await asyncio.start_server(self._handle, self.host, self.port)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self._server is not None:
            self._server.close()
            await self._server.wait_closed()
            self._server = None

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(5.0):
                request = (await reader.readline()).decode("latin-1").split()
                while (await reader.readline()).strip():  # headers: not needed
                    pass
                status, body, ctype = await self._respond(request)
            head = (
                f"HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\n"
                f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
            )
            writer.write(head.encode() + (body if request[:1] != ["HEAD"] else b""))
            await writer.drain()
        except (TimeoutError, ConnectionError, IndexError):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    async def _respond(self, request: list[str]) -> tuple[str, bytes, str]:
        text = "text/plain; charset=utf-8"
        if len(request) < 2:
            return "400 Bad Request", b"bad request\n", text
        method, path = request[0], request[1].split("?", 1)[0]
        if method not in ("GET", "HEAD"):
            return "405 Method Not Allowed", b"GET /metrics\n", text
        if path != "/metrics":
            return "404 Not Found", b"see /metrics\n", text
        return "200 OK", (await self.registry.collect()).encode(), CONTENT_TYPE
