"""``sigma``: run a tier (``sigma apiserver``, …) or every tier at once (``sigma up``).

Errors a user can fix print as one line on stderr and exit with status 2.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sigma import __version__, config, log
from sigma.auth import Security, devca
from sigma.cli import up
from sigma.cli.tiers import PORTS, TIERS
from sigma.ctl._config import CtlConfig
from sigma.errors import SigmaError
from sigma.tiers import Crashed, parse_listen


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
    apiserver: str = _opt(
        "127.0.0.1:7070",
        "apiserver address(es) host:port[,host:port] this tier calls (the colocator's evictions "
        "and time-sharing asks)",
    )
    token: str = field(
        default="",
        repr=False,
        metadata={"help": "with --auth-tokens: the token this tier sends when it calls another"},
    )


@dataclass(frozen=True, slots=True)
class UpConfig(Security):
    """Settings of ``sigma up`` (all tiers in one process, sharing one security setup)."""

    store: str = _opt("memory://", "store URL: memory:// or etcd://host:port[,host:port]")
    bus: str = _opt("memory://", "event bus URL: memory:// or kafka://host:port[,host:port]")
    host: str = _opt("127.0.0.1", "address every tier listens on")
    ports_from: int = _opt(
        7070,
        "the apiserver's port; the scheduler, colocator and slave take the next three, the "
        "Kubernetes API the port ten above, /metrics 2030 above (0: each a free port)",
    )
    log_level: str = _opt("warning", "debug, info, warning or error")
    metrics_port: int = _opt(
        -1,
        "port of the Prometheus /metrics endpoint of all tiers (0: none; by default it follows "
        "--ports-from, 2030 above it: 9100 beside 7070, a free one with --ports-from 0)",
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
    "scheduler": "sigma.cli.bench.scheduler:main",
    "pod-life": "sigma.cli.bench.podlife:main",
    "cri-start": "sigma.cli.bench.cri:main",
    "interference": "sigma.cli.bench.interference:main",
    "kube": "sigma.cli.bench.kube:main",
    "place": "sigma.cli.bench.place:main",
    "batch": "sigma.cli.bench.batch:main",
}


class OneLineParser(argparse.ArgumentParser):
    """Usage errors as one line on stderr, exit status 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser(command: str | None = None) -> argparse.ArgumentParser:
    """The ``sigma`` parser. Given the ``command`` about to run, only that tier's settings
    become flags, so serving one tier does not import the other three; without one, every
    tier's flags are there (help, compose's check)."""
    parser = OneLineParser(prog="sigma", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"sigma {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=OneLineParser)
    for name, port in PORTS.items():
        p = sub.add_parser(name, help=f"run the {name} (default port {port})")
        p.add_argument("--config", help=f"TOML file whose [{name}] table holds settings")
        config.add_arguments(p, TierConfig)
        own = TIERS[name].settings if command in (None, name) else None
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
    place = sub.add_parser("place", help="plan a whole cluster's placement: `sigma place --help`")
    place.add_argument("rest", nargs=argparse.REMAINDER, help="the planner's own flags")
    ca = sub.add_parser("dev-ca", help="make a development CA and a certificate per tier (mTLS)")
    ca.add_argument("--out", default="certs", help="folder to write into (default certs)")
    ca.add_argument("--hosts", default=",".join(devca.HOSTS), help="SANs every certificate gets")
    ca.add_argument("--names", default=",".join(devca.NAMES), help="one certificate per name (CN)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["sim"]:  # its flags are its own (argparse's REMAINDER stops at options)
        from sigma.cli.sim.run import main as sim_main

        return sim_main(argv[1:])
    if argv[:1] == ["place"]:
        from sigma.cli.place.command import main as place_main

        return place_main(argv[1:])
    args = build_parser(argv[0] if argv else None).parse_args(argv)
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
            listen = {n: (cfg_up.host, up.port(n, cfg_up.ports_from)) for n in names}
            up.kube(settings, cfg_up.host, cfg_up.ports_from)
            store, bus, level = cfg_up.store, cfg_up.bus, cfg_up.log_level
            metrics = up.metrics(cfg_up.host, cfg_up.ports_from, cfg_up.metrics_port)
            demo = up.demo_manifests(cfg_up.demo, cfg_up.runtime)
            security, client = cfg_up, up.demo_client(cfg_up)
            caller = ("", cfg_up.token)  # the apiserver served here, as the demo's token
            runtime = up.runtime(cfg_up, settings)
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
            listen = {args.command: parse_listen(cfg.listen, PORTS[args.command])}
            store, bus, level = cfg.store, cfg.bus, cfg.log_level
            host = listen[args.command][0]
            metrics = (host, cfg.metrics_port) if cfg.metrics_port else None
            demo = []
            security, client = cfg, CtlConfig()
            caller = (cfg.apiserver, cfg.token)
            runtime = contextlib.nullcontext()
        log.configure(level, tier=args.command)
        served = (names, store, bus, listen, settings, metrics)
        with runtime:
            asyncio.run(up.serve(*served, (demo, client), security, caller))
    except Crashed as exc:  # logged with its traceback; exit 1 so a supervisor restarts it
        print(f"sigma {args.command}: {exc}", file=sys.stderr)
        return 1
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
    cls = TIERS[name].settings
    if cls is None:
        return None
    return config.load(cls, flags or {}, file=file, section=name, ignore=_TIER_FIELDS)


def _settings_fields(name: str) -> frozenset[str]:
    cls = TIERS[name].settings
    return frozenset(cls.__dataclass_fields__) if cls is not None else frozenset()


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
