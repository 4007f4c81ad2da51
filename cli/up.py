"""``sigma up``: every tier in one process, on the ports it is given, with a demo applied
once the apiserver answers and, for ``--runtime containerd``, a containerd of its own."""

from __future__ import annotations

import asyncio
import contextlib
import signal
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sigma.auth import Security
from sigma.cli.tiers import PORTS, run
from sigma.ctl._client import Client
from sigma.ctl._commands import apply_all, load_manifests
from sigma.ctl._config import ENDPOINTS, CtlConfig
from sigma.ctl._manifest import Manifest
from sigma.ctl._writes import Writer
from sigma.errors import Invalid, SigmaError, Unavailable
from sigma.rpc import probe

if TYPE_CHECKING:
    from sigma.cli.command import UpConfig


KUBE_OFFSET = 10  # the Kubernetes door's port, above the apiserver's (7080 beside 7070)
METRICS_OFFSET = 2030  # the /metrics port, above the apiserver's (9100 beside 7070)
PORTS_FROM_MAX = 65535 - METRICS_OFFSET  # the highest --ports-from whose ports all exist


def port(tier: str, ports_from: int) -> int:
    """A tier's port under ``sigma up``: its default's offset from the apiserver's, from
    ``ports_from``; 0 (a free port, printed when the tier listens) for every tier with 0."""
    if not ports_from:
        return 0
    if not 0 < ports_from <= PORTS_FROM_MAX:
        raise Invalid("--ports-from", f"must be 0 or a port up to {PORTS_FROM_MAX}")
    return ports_from + PORTS[tier] - PORTS["apiserver"]


def kube(settings: dict[str, Any], host: str, ports_from: int) -> None:
    """Point the apiserver's Kubernetes door at ``host`` and the port ``ports_from`` gives it
    (0: a free one), unless its setting turned it off."""
    own = settings["apiserver"]
    if own.kube_listen in ("", "0"):
        return
    kube_port = ports_from + KUBE_OFFSET if ports_from else 0
    settings["apiserver"] = replace(own, kube_listen=f"{host}:{kube_port}")


def metrics(host: str, ports_from: int, metrics_port: int) -> tuple[str, int] | None:
    """Where ``sigma up`` serves /metrics: ``metrics_port`` when given (0: nowhere), else the
    port ``ports_from`` gives it, so a second cluster on other ports does not collide on it."""
    if not -1 <= metrics_port <= 65535:
        raise Invalid("--metrics-port", f"must be 0 or a port up to 65535, got {metrics_port}")
    if metrics_port >= 0:
        return (host, metrics_port) if metrics_port else None
    return host, ports_from + METRICS_OFFSET if ports_from else 0


async def serve(
    names: list[str],
    store: str,
    bus: str,
    listen: dict[str, tuple[str, int]],
    settings: dict[str, Any],
    metrics: tuple[str, int] | None,
    demo_as: tuple[list[Manifest], CtlConfig],
    security: Security,
    caller: tuple[str, str],
) -> None:
    """Run the tiers until a signal; ``caller`` is the apiserver the tiers call ("": the one
    served here) and the token they send it."""
    demo, client = demo_as
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    background: list[asyncio.Task[None]] = []
    failed: list[SigmaError] = []

    def ready(addresses: dict[str, str]) -> None:
        for name, address in addresses.items():
            if name == "metrics":
                print(f"{name:<10} http://{_local(address)}/metrics", flush=True)
            elif name == "kube":
                scheme = "https" if security.tls else "http"
                print(f"{name:<10} {scheme}://{_local(address)}  (kubectl)", flush=True)
            else:
                print(f"{name:<10} grpc {address}", flush=True)
        print(f"store {store}  bus {bus}  (Ctrl-C stops)", flush=True)
        if demo:
            applying = run_demo(addresses, demo, client, stop, failed)
            background.append(asyncio.ensure_future(applying))

    try:
        await run(
            names,
            store_url=store,
            bus_url=bus,
            listen=listen,
            stop=stop,
            settings=settings,
            on_ready=ready,
            metrics=metrics,
            security=security,
            apiserver=caller[0],
            token=caller[1],
        )
    finally:
        for task in background:
            task.cancel()
        await asyncio.gather(*background, return_exceptions=True)
    if failed:
        raise failed[0]


# ---- the demo: `sigma up --demo examples` (what `make up` runs) ----

DEMO_WAIT = 30.0  # seconds the apiserver has to answer before the demo gives up
DEMO_HINTS = (
    "sigmactl get apps",
    "sigmactl get pods",
    "sigmactl top nodes",
    "sigmactl describe app web",
    "sigmactl explain pod <a pod from get pods>",
    "sigmactl budget <a node from get nodes>",
)


def demo_manifests(path: str, runtime: str = "process") -> list[Manifest]:
    """Parsed before anything listens, so a bad manifest fails ``sigma up`` at once.

    Containers need images: with ``--runtime containerd`` a directory's ``containerd/``
    folder holds the manifests that replace its same-named ones (``examples/containerd``:
    the web App as busybox httpd, the batch job as the burner).
    """
    if not path:
        return []
    paths = [path]
    variants = Path(path) / runtime
    if runtime == "containerd" and variants.is_dir():
        own = {f.name for f in variants.iterdir()}
        paths = [str(f) for f in sorted(Path(path).iterdir()) if f.is_file() and f.name not in own]
        paths.append(str(variants))
    return load_manifests(paths, "", CtlConfig().namespace)


def _local(address: str) -> str:
    """An address a client on this machine can dial (a wildcard listen is not one)."""
    host, _, port = address.rpartition(":")
    return f"127.0.0.1:{port}" if host in ("0.0.0.0", "[::]", "::", "") else address


def demo_client(up: UpConfig) -> CtlConfig:
    """How the demo calls the tiers: with ``--token``, and the tiers' own TLS files."""
    return CtlConfig(token=up.token, tls_ca=up.tls_ca, tls_cert=up.tls_cert, tls_key=up.tls_key)


async def run_demo(
    addresses: dict[str, str],
    manifests: list[Manifest],
    base: CtlConfig,
    stop: asyncio.Event,
    failed: list[SigmaError],
) -> None:
    """Apply the manifests as sigmactl would, then say what to look at.

    A refused manifest stops ``sigma up`` with that one-line error (exit 2): a demo that half
    applied would show something other than what the README describes.
    """
    endpoints = {n: _local(a) for n, a in addresses.items() if n in ENDPOINTS}
    cfg = replace(base, **endpoints)
    client = Client(cfg)
    try:
        deadline = _now() + DEMO_WAIT
        credentials = cfg.credentials()
        while not await probe.check(cfg.apiserver, "", timeout=1.0, credentials=credentials):
            if _now() > deadline:
                raise Unavailable(f"the apiserver at {cfg.apiserver} did not answer")
            await asyncio.sleep(0.2)
        async for line in apply_all(Writer(client), cfg, manifests):
            print(f"demo: {line}", flush=True)
        print("demo applied; look at it with:", flush=True)
        for hint in DEMO_HINTS:
            print(f"  {hint}", flush=True)
    except SigmaError as exc:
        failed.append(exc)
        stop.set()
    finally:
        await client.close()


def _now() -> float:
    """The event loop's monotonic clock; the demo's one wait is bounded by it."""
    return asyncio.get_running_loop().time()


def runtime(up: UpConfig, settings: dict[str, Any]) -> contextlib.AbstractContextManager[Any]:
    """Point the slave at its runtime; for containerd, start our own unless given a socket."""
    if up.runtime not in ("process", "containerd", "simulated"):
        raise Invalid("runtime", f"{up.runtime!r} is not one of process, containerd, simulated")
    settings["slave"] = replace(settings["slave"], runtime=up.runtime)
    if up.runtime != "containerd":
        return contextlib.nullcontext()
    if up.containerd_socket:
        settings["slave"] = replace(settings["slave"], containerd_socket=up.containerd_socket)
        return contextlib.nullcontext()
    return _local_containerd(up.registry, settings)


@contextlib.contextmanager
def _local_containerd(registry: str, settings: dict[str, Any]) -> Iterator[None]:
    from sigma.cri import local

    with local.engines(registry) as engines:
        socket = engines.socket
        settings["slave"] = replace(settings["slave"], containerd_socket=str(socket))
        print(f"containerd {socket}  (ctr --address {socket} -n k8s.io containers ls)", flush=True)
        print(
            f"registry   {engines.registry}  (the demo images: sigma/pause, httpd, burner)",
            flush=True,
        )
        yield
