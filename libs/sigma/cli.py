"""``sigma``: run a tier (``sigma apiserver``, …) or every tier at once (``sigma up``).

Errors a user can fix print as one line on stderr and exit with status 2.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import os
import signal
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from sigma import __version__, config, log
from sigma.auth import Security, devca
from sigma.ctl._client import Client
from sigma.ctl._commands import apply_all, load_manifests
from sigma.ctl._config import ENDPOINTS, CtlConfig
from sigma.ctl._manifest import Manifest
from sigma.errors import Invalid, SigmaError, Unavailable
from sigma.rpc import probe
from sigma.tiers import TIERS, parse_listen, run


def _opt(default: Any, help_text: str) -> Any:
    return field(default=default, metadata={"help": help_text})


@dataclass(frozen=True, slots=True)
class TierConfig(Security):
    """Settings every tier takes (the security ones, tokens and TLS, from ``Security``)."""

    store: str = _opt("memory://", "store URL: memory:// or etcd://host:port[,host:port]")
    bus: str = _opt("memory://", "event bus URL: memory:// or kafka://host:port[,host:port]")
    listen: str = _opt("", "gRPC listen address host:port (default 127.0.0.1:<tier port>)")
    log_level: str = _opt("info", "debug, info, warning or error")
    metrics_port: int = _opt(
        0, "port of the Prometheus /metrics endpoint, on the listen host (0: none)"
    )


@dataclass(frozen=True, slots=True)
class UpConfig(Security):
    """Settings of ``sigma up`` (all tiers in one process, sharing one security setup)."""

    store: str = _opt("memory://", "store URL: memory:// or etcd://host:port[,host:port]")
    bus: str = _opt("memory://", "event bus URL: memory:// or kafka://host:port[,host:port]")
    host: str = _opt("127.0.0.1", "address every tier listens on")
    log_level: str = _opt("warning", "debug, info, warning or error")
    metrics_port: int = _opt(
        9100, "port of the Prometheus /metrics endpoint of all tiers (0: none)"
    )
    demo: str = _opt("", "once the tiers answer, apply the manifests in this file or directory")
    runtime: str = _opt("process", "how the slave runs pods: process, containerd or simulated")
    containerd_socket: str = _opt(
        "", "with --runtime containerd: use this containerd (default: start one of our own)"
    )
    registry: str = _opt(
        "127.0.0.1:5000",
        "with --runtime containerd: the loopback registry the demo images are pushed to",
    )
    token: str = field(
        default="", repr=False, metadata={"help": "with --auth-tokens: the token --demo sends"}
    )


# Benchmarks by name: "module:function" taking the remaining argv, returning an exit status.
BENCHMARKS = {
    "scheduler": "sigma.scheduler.bench:main",
    "pod-life": "sigma.sim.floor:main",
    "cri-start": "sigma.cri.bench:main",
    "interference": "sigma.slave.interference:main",
}


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="sigma", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"sigma {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name, tier in TIERS.items():
        p = sub.add_parser(name, help=f"run the {name} (default port {tier.port})")
        p.add_argument("--config", help=f"TOML file whose [{name}] table holds settings")
        config.add_arguments(p, TierConfig)
        own = tier.settings_class()
        if own is not None:
            config.add_arguments(p.add_argument_group(f"{name} settings"), own)
    up = sub.add_parser("up", help="run every tier in this process (embedded store and bus)")
    up.add_argument("--config", help="TOML file whose [up] table holds settings")
    config.add_arguments(up, UpConfig)
    bench = sub.add_parser("bench", help="benchmarks: `sigma bench scheduler --help`")
    bench.add_argument("target", choices=sorted(BENCHMARKS))
    bench.add_argument("rest", nargs=argparse.REMAINDER, help="the benchmark's own flags")
    sim = sub.add_parser("sim", help="replay the Alibaba 2018 trace: `sigma sim --help`")
    sim.add_argument("rest", nargs=argparse.REMAINDER, help="the replay's own flags")
    ca = sub.add_parser("dev-ca", help="make a development CA and a certificate per tier (mTLS)")
    ca.add_argument("--out", default="certs", help="folder to write into (default certs)")
    ca.add_argument("--hosts", default=",".join(devca.HOSTS), help="SANs every certificate gets")
    ca.add_argument("--names", default=",".join(devca.NAMES), help="one certificate per name (CN)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["sim"]:  # its flags are its own (argparse's REMAINDER stops at options)
        from sigma.sim.run import main as sim_main

        return sim_main(argv[1:])
    args = build_parser().parse_args(argv)
    if args.command == "dev-ca":
        return _dev_ca(args)
    if args.command == "bench":
        module, _, func = BENCHMARKS[args.target].partition(":")
        return int(getattr(importlib.import_module(module), func)(args.rest))
    args.config = args.config or os.environ.get("SIGMA_CONFIG")
    try:
        if args.command == "up":
            cfg_up = config.load(UpConfig, args, file=args.config, section="up")
            names = list(TIERS)
            settings = {n: _tier_settings(n, None, args.config) for n in names}
            listen = {n: (cfg_up.host, TIERS[n].port) for n in names}
            store, bus, level = cfg_up.store, cfg_up.bus, cfg_up.log_level
            metrics = (cfg_up.host, cfg_up.metrics_port) if cfg_up.metrics_port else None
            demo = _demo_manifests(cfg_up.demo, cfg_up.runtime)
            security, client = cfg_up, _demo_client(cfg_up)
            runtime = _up_runtime(cfg_up, settings)
        else:
            own = {f: v for f, v in vars(args).items() if f not in _TIER_FIELDS}
            tier_args = {f: v for f, v in vars(args).items() if f in _TIER_FIELDS}
            cfg = config.load(
                TierConfig,
                tier_args,
                file=args.config,
                section=args.command,
                ignore=_settings_fields(args.command),
            )
            names = [args.command]
            settings = {args.command: _tier_settings(args.command, own, args.config)}
            listen = {args.command: parse_listen(cfg.listen, TIERS[args.command].port)}
            store, bus, level = cfg.store, cfg.bus, cfg.log_level
            host = listen[args.command][0]
            metrics = (host, cfg.metrics_port) if cfg.metrics_port else None
            demo = []
            security, client = cfg, CtlConfig()
            runtime = contextlib.nullcontext()
        log.configure(level, tier=args.command)
        with runtime:
            served = (demo, client)
            asyncio.run(_serve(names, store, bus, listen, settings, metrics, served, security))
    except SigmaError as exc:
        print(f"sigma {args.command}: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"sigma {args.command}: {exc}", file=sys.stderr)
        return 2
    return 0


_TIER_FIELDS = frozenset(TierConfig.__dataclass_fields__)


def _tier_settings(name: str, flags: dict[str, Any] | None, file: str | None) -> Any:
    """A tier's own settings: its flags (single-tier runs), then env, then its file table.

    Unknown keys in the shared table belong to ``TierConfig``, so they are not errors here.
    """
    cls = TIERS[name].settings_class()
    if cls is None:
        return None
    return config.load(cls, flags or {}, file=file, section=name, ignore=_TIER_FIELDS)


def _settings_fields(name: str) -> frozenset[str]:
    cls = TIERS[name].settings_class()
    return frozenset(cls.__dataclass_fields__) if cls is not None else frozenset()


async def _serve(
    names: list[str],
    store: str,
    bus: str,
    listen: dict[str, tuple[str, int]],
    settings: dict[str, Any],
    metrics: tuple[str, int] | None,
    demo_as: tuple[list[Manifest], CtlConfig],
    security: Security,
) -> None:
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
            else:
                print(f"{name:<10} grpc {address}", flush=True)
        print(f"store {store}  bus {bus}  (Ctrl-C stops)", flush=True)
        if demo:
            run_demo = _run_demo(addresses, demo, client, stop, failed)
            background.append(asyncio.ensure_future(run_demo))

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


def _demo_manifests(path: str, runtime: str = "process") -> list[Manifest]:
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


def _up_runtime(up: UpConfig, settings: dict[str, Any]) -> contextlib.AbstractContextManager[Any]:
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


def _local(address: str) -> str:
    """An address a client on this machine can dial (a wildcard listen is not one)."""
    host, _, port = address.rpartition(":")
    return f"127.0.0.1:{port}" if host in ("0.0.0.0", "[::]", "::", "") else address


def _demo_client(up: UpConfig) -> CtlConfig:
    """How the demo calls the tiers: with ``--token``, and the tiers' own TLS files."""
    return CtlConfig(token=up.token, tls_ca=up.tls_ca, tls_cert=up.tls_cert, tls_key=up.tls_key)


def _dev_ca(args: argparse.Namespace) -> int:
    names = [n for n in args.names.split(",") if n]
    hosts = [h for h in args.hosts.split(",") if h]
    try:
        written = devca.make(Path(args.out), names, hosts)
    except SigmaError as exc:
        print(f"sigma dev-ca: {exc}", file=sys.stderr)
        return 2
    for path in written:
        print(path, flush=True)
    return 0


async def _run_demo(
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
        async for line in apply_all(client, cfg, manifests):
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


if __name__ == "__main__":
    sys.exit(main())
