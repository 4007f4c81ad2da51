"""``sigma``: run a tier (``sigma apiserver``, …) or every tier at once (``sigma up``).

Errors a user can fix print as one line on stderr and exit with status 2.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import signal
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sigma import __version__, config, log
from sigma.errors import SigmaError
from sigma.tiers import TIERS, parse_listen, run


def _opt(default: str, help_text: str) -> str:
    return field(default=default, metadata={"help": help_text})  # type: ignore[no-any-return]


@dataclass(frozen=True, slots=True)
class TierConfig:
    """Settings every tier takes."""

    store: str = _opt("memory://", "store URL: memory:// or etcd://host:port[,host:port]")
    bus: str = _opt("memory://", "event bus URL: memory:// or kafka://host:port[,host:port]")
    listen: str = _opt("", "gRPC listen address host:port (default 127.0.0.1:<tier port>)")
    log_level: str = _opt("info", "debug, info, warning or error")


@dataclass(frozen=True, slots=True)
class UpConfig:
    """Settings of ``sigma up`` (all tiers in one process)."""

    store: str = _opt("memory://", "store URL: memory:// or etcd://host:port[,host:port]")
    bus: str = _opt("memory://", "event bus URL: memory:// or kafka://host:port[,host:port]")
    host: str = _opt("127.0.0.1", "address every tier listens on")
    log_level: str = _opt("warning", "debug, info, warning or error")


# Benchmarks by name: "module:function" taking the remaining argv, returning an exit status.
BENCHMARKS = {"scheduler": "sigma.scheduler.bench:main"}


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
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
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
        log.configure(level, tier=args.command)
        asyncio.run(_serve(names, store, bus, listen, settings))
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
) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    def ready(addresses: dict[str, str]) -> None:
        for name, address in addresses.items():
            print(f"{name:<10} grpc {address}", flush=True)
        print(f"store {store}  bus {bus}  (Ctrl-C stops)", flush=True)

    await run(
        names,
        store_url=store,
        bus_url=bus,
        listen=listen,
        stop=stop,
        settings=settings,
        on_ready=ready,
    )


if __name__ == "__main__":
    sys.exit(main())
