"""The tiers, how each is built, and how one or all of them run in this process.

A tier is a gRPC server plus the loops behind it. ``run`` wires them in dependency order: the
store and bus first (so a wrong URL fails at once, before anything listens), then every tier's
server; on stop it tears them down in reverse. ``sigma up`` runs all four tiers in one process so
they can share the embedded (in-memory) store and bus.
"""

from __future__ import annotations

import asyncio
import importlib
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sigma.bus import Bus, open_bus
from sigma.errors import Invalid
from sigma.log import get_logger
from sigma.metrics import REGISTRY, MetricsServer
from sigma.rpc import RpcServer, ServerConfig, Service
from sigma.store import Store, open_store

log = get_logger("sigma.tiers")


@dataclass(slots=True)
class Context:
    """What a tier's builder gets: the shared backends and where to put background loops."""

    store: Store
    bus: Bus
    settings: Any = None  # the tier's own settings dataclass, if it has one
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def spawn(self, coro: Awaitable[None], name: str) -> None:
        self.tasks.append(asyncio.ensure_future(coro))
        self.tasks[-1].set_name(name)


Builder = Callable[[Context], Awaitable[Sequence[Service]]]


@dataclass(frozen=True, slots=True)
class Tier:
    name: str
    port: int  # the default port; ``sigma up`` and compose use it
    builder: str = ""  # "module:function" returning the tier's services; "" serves health only
    settings: str = ""  # "module:Class", the tier's settings dataclass; "" for none
    observer: str = ""  # "module:function" starting the tier's metrics; returns removals

    async def build(self, ctx: Context) -> Sequence[Service]:
        if not self.builder:
            return []
        builder: Builder = _resolve(self.builder)
        return await builder(ctx)

    def observe(self, ctx: Context) -> list[Callable[[], None]]:
        return list(_resolve(self.observer)(ctx)) if self.observer else []

    def settings_class(self) -> type[Any] | None:
        return _resolve(self.settings) if self.settings else None


def _resolve(path: str) -> Any:
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


TIERS: dict[str, Tier] = {
    t.name: t
    for t in (
        Tier(
            "apiserver",
            7070,
            "sigma.apiserver.server:build",
            "sigma.apiserver.settings:ApiServerSettings",
            "sigma.observe:apiserver",
        ),
        Tier("scheduler", 7071, "sigma.scheduler.tier:build", "", "sigma.observe:scheduler"),
        Tier(
            "colocator",
            7072,
            "sigma.colocator.server:build",
            "sigma.colocator.settings:ColocatorSettings",
            "sigma.observe:colocator",
        ),
        Tier(
            "slave",
            7073,
            "sigma.slave.server:build",
            "sigma.slave.settings:SlaveSettings",
            "sigma.observe:slave",
        ),
    )
}


def parse_listen(listen: str, default_port: int) -> tuple[str, int]:
    """``host:port``, ``:port`` or ``host``; the port defaults to the tier's own."""
    host, sep, port = listen.rpartition(":") if ":" in listen else (listen, "", "")
    host = host or "127.0.0.1"
    if not sep:
        return host, default_port
    if not port.isdigit() or not 0 <= int(port) <= 65535:
        raise Invalid("listen", f"{listen!r} is not host:port with a port from 0 to 65535")
    return host, int(port)


async def run(
    names: Sequence[str],
    *,
    store_url: str,
    bus_url: str,
    listen: dict[str, tuple[str, int]],
    stop: asyncio.Event,
    settings: Mapping[str, Any] | None = None,
    on_ready: Callable[[dict[str, str]], None] | None = None,
    metrics: tuple[str, int] | None = None,
) -> None:
    """Run the named tiers until ``stop`` is set; ``on_ready`` gets each tier's address (and
    under ``"metrics"`` the Prometheus endpoint's, when ``metrics`` asks for one)."""
    store = open_store(store_url)
    bus = open_bus(bus_url)
    contexts: list[Context] = []
    servers: list[tuple[str, RpcServer]] = []
    removals: list[Callable[[], None]] = []
    exporter = MetricsServer(REGISTRY, *metrics) if metrics is not None else None
    try:
        await store.revision()  # fail fast on an unreachable store
        if exporter is not None:
            await exporter.start()
        for name in names:
            tier = TIERS[name]
            host, port = listen[name]
            ctx = Context(store, bus, (settings or {}).get(name))
            contexts.append(ctx)
            server = RpcServer(await tier.build(ctx), ServerConfig(host=host, port=port))
            removals += tier.observe(ctx)
            await server.start()
            servers.append((name, server))
        if on_ready is not None:
            ready = {name: server.address for name, server in servers}
            on_ready(ready | ({"metrics": exporter.address} if exporter is not None else {}))
        await stop.wait()
    finally:
        for remove in removals:
            remove()
        if exporter is not None:
            await exporter.stop()
        for _, server in reversed(servers):
            await server.stop()
        tasks = [task for ctx in contexts for task in ctx.tasks]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await bus.close()
        await store.close()
