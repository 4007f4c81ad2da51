"""How a tier is built and served: its ``Context``, and ``serve`` for one or several of them.

A tier is a gRPC server plus the loops behind it. ``serve`` wires them in dependency order: the
store and bus first (so a wrong URL fails at once, before anything listens), then every tier's
server; on stop it tears them down in reverse. ``sigma up`` serves all four tiers in one process
so they can share the embedded (in-memory) store and bus. Which tiers exist and what builds each
is the application layer's table (``sigma.cli.tiers``): nothing here knows a tier by name.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sigma.apiclient import ApiCalls, GrpcApi
from sigma.auth import Guard, Security
from sigma.bus import Bus, TopicSpec, open_bus
from sigma.clock import Clock, SystemClock, first_of
from sigma.errors import Invalid, SigmaError
from sigma.log import get_logger
from sigma.metrics import REGISTRY, MetricsServer
from sigma.rpc import (
    Caller,
    RpcServer,
    ServerConfig,
    Service,
    channel_credentials,
    server_credentials,
)
from sigma.store import Store, open_store

log = get_logger("sigma.tiers")


@dataclass(slots=True)
class Context:
    """What a tier's builder gets: the shared backends, the clocks, where to put background loops.

    ``clock`` (monotonic: intervals, leases) and ``wall`` (epoch seconds: timestamps, times of
    day) are injected so the trace replay can run every tier on virtual time.
    """

    store: Store
    bus: Bus
    settings: Any = None  # the tier's own settings dataclass, if it has one
    tasks: list[asyncio.Task[None]] = field(default_factory=list)
    clock: Clock = field(default_factory=SystemClock)
    wall: Callable[[], float] = time.time
    seed: int | None = None  # seeds the tiers' random tie-breaks: the replay's runs repeat
    # The apiserver as this tier calls it (the colocator's evictions and time-sharing asks);
    # None when no apiserver is known to this process.
    api: ApiCalls | None = None

    def require_api(self, tier: str) -> ApiCalls:
        if self.api is None:
            raise Invalid("apiserver", f"the {tier} calls the apiserver: give its address")
        return self.api

    # Where the tier's server listens ("host:port"), resolved by ``run`` once it does; None
    # where no server of ``run``'s serves the tier (a test building it by hand).
    address: asyncio.Future[str] | None = None
    # The tokens and TLS files of the process (a tier serving a second port uses them too),
    # and the guard its gRPC server admits calls with.
    security: Security | None = None
    guard: Guard | None = None
    # How this process calls other tiers beyond the apiserver (a job master's worker streams):
    # its own certificate and token.
    caller: Caller = field(default_factory=Caller)
    # Further endpoints the tier serves beside its gRPC port ({"kube": "host:port"}), named
    # to ``serve``'s ``on_ready`` with the tiers' own.
    endpoints: dict[str, str] = field(default_factory=dict)

    # Set when a spawned loop ends with an error; ``failure`` says which and why.
    failed: asyncio.Event = field(default_factory=asyncio.Event)
    failure: str = ""

    def spawn(self, coro: Awaitable[None], name: str) -> None:
        task = asyncio.ensure_future(coro)
        task.set_name(name)
        task.add_done_callback(self._ended)
        self.tasks.append(task)

    def _ended(self, task: asyncio.Task[None]) -> None:
        """A loop that dies leaves its tier half alive: serving RPCs while nothing behind them
        acts. Say so at once, with the traceback, and let ``serve`` stop the process (crash
        only: its supervisor restarts it whole, the way compose's restart policy does)."""
        if task.cancelled() or task.exception() is None:
            return
        exc = task.exception()
        log.error("background loop failed", extra={"loop": task.get_name()}, exc_info=exc)
        self.failure = self.failure or f"{task.get_name()} failed: {exc!r}"
        self.failed.set()

    async def ensure_topics(self, topics: Sequence[TopicSpec]) -> None:
        """Create ``topics`` now if the bus answers; if it does not, the tier serves anyway
        (the control plane works without Kafka) and they are created in the background once
        it does. A refusal that retrying cannot fix (bad settings) still fails the start."""
        try:
            await self.bus.ensure_topics(topics)
            return
        except SigmaError as exc:
            if not exc.retriable:
                raise
            log.warning("event bus unreachable; serving without it", extra={"error": str(exc)})
        self.spawn(self._topics_later(topics), "ensure-topics")

    async def _topics_later(self, topics: Sequence[TopicSpec]) -> None:
        for attempt in itertools.count():
            await self.clock.sleep(min(30.0, 2.0**attempt))
            try:
                await self.bus.ensure_topics(topics)
            except SigmaError as exc:
                if not exc.retriable:
                    raise
                continue
            log.info("event bus topics created", extra={"topics": [t.name for t in topics]})
            return


Builder = Callable[[Context], Awaitable[Sequence[Service]]]
Observer = Callable[[Context], list[Callable[[], None]]]


@dataclass(frozen=True, slots=True)
class Tier:
    name: str
    port: int  # the default port; ``sigma up`` and compose use it
    build: Builder | None = None  # None serves health only
    settings: type[Any] | None = None  # the tier's settings dataclass, if it has one
    observe: Observer | None = None  # starts the tier's metrics; returns their removals


def _secure_config(security: Security) -> dict[str, Any]:
    """The guard and TLS credentials of every server, read before anything listens."""
    guard = security.guard()
    credentials = (
        server_credentials(security.tls_cert, security.tls_key, security.tls_ca)
        if security.tls
        else None
    )
    return {"guard": guard, "credentials": credentials}


def parse_listen(listen: str, default_port: int) -> tuple[str, int]:
    """``host:port``, ``:port`` or ``host``; the port defaults to the tier's own."""
    host, sep, port = listen.rpartition(":") if ":" in listen else (listen, "", "")
    host = host or "127.0.0.1"
    if not sep:
        return host, default_port
    if not port.isdigit() or not 0 <= int(port) <= 65535:
        raise Invalid("listen", f"{listen!r} is not host:port with a port from 0 to 65535")
    return host, int(port)


async def serve(
    tiers: Sequence[Tier],
    *,
    store_url: str,
    bus_url: str,
    listen: dict[str, tuple[str, int]],
    stop: asyncio.Event,
    settings: Mapping[str, Any] | None = None,
    on_ready: Callable[[dict[str, str]], None] | None = None,
    metrics: tuple[str, int] | None = None,
    security: Security | None = None,
    apiserver: str = "",
    token: str = "",
) -> None:
    """Serve ``tiers`` until ``stop`` is set, or until a loop of theirs fails: then every tier
    is torn down all the same and ``Crashed`` raised. ``on_ready`` gets each tier's address (and
    under ``"metrics"`` the Prometheus endpoint's, when ``metrics`` asks for one).

    ``security`` (tokens, TLS) applies to every tier served here; without a token file they
    answer anyone, which is logged once as a warning. A tier that calls the apiserver reaches
    it at ``apiserver``, or at the apiserver served here before it, as ``token`` with this
    process's certificate.
    """
    before = asyncio.all_tasks()
    security = security or Security()
    secure, caller = _secure_config(security), _caller(token, security)
    store, bus = open_store(store_url), open_bus(bus_url)
    contexts: list[Context] = []
    servers: list[tuple[str, RpcServer]] = []
    removals: list[Callable[[], None]] = []
    exporter = MetricsServer(REGISTRY, *metrics) if metrics is not None else None
    try:
        await store.revision()  # fail fast on an unreachable store
        if secure["guard"].open:
            log.warning("no --auth-tokens: every caller may read and change every namespace")
        if exporter is not None:
            await exporter.start()
        for tier in tiers:
            host, port = listen[tier.name]
            served = asyncio.get_running_loop().create_future()
            own, guard = (settings or {}).get(tier.name), secure["guard"]
            ctx = Context(
                store, bus, own, address=served, security=security, guard=guard, caller=caller
            )
            if apiserver:
                ctx.api = GrpcApi(apiserver, token=token, credentials=caller.credentials)
            contexts.append(ctx)
            services = await tier.build(ctx) if tier.build is not None else []
            config = ServerConfig(host=host, port=port, tier=tier.name, **secure)
            server = RpcServer(services, config)
            removals += tier.observe(ctx) if tier.observe is not None else []
            await server.start()
            served.set_result(server.address)
            servers.append((tier.name, server))
            if tier.name == "apiserver" and not apiserver:
                apiserver = _local(server.address)
        if on_ready is not None:
            ready = {name: server.address for name, server in servers}
            ready |= {k: v for ctx in contexts for k, v in ctx.endpoints.items()}
            on_ready(ready | ({"metrics": exporter.address} if exporter is not None else {}))
        failures = await _until_stopped(stop, contexts)
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
        for ctx in contexts:
            if isinstance(ctx.api, GrpcApi):
                await ctx.api.close()
        await bus.close()
        await store.close()
        await _report_leftovers(before)
    if failures:
        raise Crashed("; ".join(failures))


class Crashed(Exception):
    """A tier's background loop ended with an error; ``serve`` stopped every tier it served."""


async def _until_stopped(stop: asyncio.Event, contexts: Sequence[Context]) -> list[str]:
    """Wait for ``stop`` or a failed loop; return the failures (none on a requested stop)."""
    await first_of(*(e.wait() for e in (stop, *(c.failed for c in contexts))))
    return [ctx.failure for ctx in contexts if ctx.failure]


def _caller(token: str, security: Security) -> Caller:
    """How the tiers here call others: TLS with this process's own certificate when on."""
    if not security.tls:
        return Caller(token=token)
    credentials = channel_credentials(security.tls_ca, security.tls_cert, security.tls_key)
    return Caller(credentials, token)


def _local(address: str) -> str:
    """A listen address as a client dials it: 0.0.0.0 and :: mean this machine."""
    host, _, port = address.rpartition(":")
    return f"127.0.0.1:{port}" if host in ("0.0.0.0", "[::]", "::", "") else address


LEFTOVER_MESSAGE = "tasks still pending after stop"


async def _report_leftovers(before: set[asyncio.Task[Any]], settle: float = 0.5) -> None:
    """Warn about tasks started while the tiers ran that outlived their teardown.

    Every loop must end with its tier; one still pending here was started without being
    tracked (a leak that grows with every restart in a long-lived process) or ignores its
    cancellation. ``asyncio.run`` would cancel it silently, so it is named here instead.
    Tasks already on their way out (a closed channel's calls) get ``settle`` seconds first.
    """
    current = asyncio.current_task()
    left = {t for t in asyncio.all_tasks() if t not in before and t is not current}
    if left:
        _, pending = await asyncio.wait(left, timeout=settle)
        left = pending
    if left:
        log.warning(LEFTOVER_MESSAGE, extra={"tasks": sorted(_describe(t) for t in left)})


def _describe(task: asyncio.Task[Any]) -> str:
    """The task's name, its coroutine and the line it waits at: enough to find who started it."""
    coro = task.get_coro()
    frames = task.get_stack(limit=1)
    where = f" at {frames[0].f_code.co_filename}:{frames[0].f_lineno}" if frames else ""
    return f"{task.get_name()} {getattr(coro, '__qualname__', coro)}{where}"
