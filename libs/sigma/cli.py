"""``sigma``: run a tier (``sigma apiserver``, …) or every tier at once (``sigma up``).

Errors a user can fix print as one line on stderr and exit with status 2.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field

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


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="sigma", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action="version", version=f"sigma {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)
    for name, tier in TIERS.items():
        p = sub.add_parser(name, help=f"run the {name} (default port {tier.port})")
        p.add_argument(
            "--config", help=f"TOML file; its [{name}] table holds settings (env SIGMA_CONFIG)"
        )
        config.add_arguments(p, TierConfig)
    up = sub.add_parser("up", help="run every tier in this process (embedded store and bus)")
    up.add_argument("--config", help="TOML file whose [up] table holds settings")
    config.add_arguments(up, UpConfig)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    args.config = args.config or os.environ.get("SIGMA_CONFIG")
    try:
        if args.command == "up":
            cfg_up = config.load(UpConfig, args, file=args.config, section="up")
            names = list(TIERS)
            listen = {n: (cfg_up.host, TIERS[n].port) for n in names}
            store, bus, level = cfg_up.store, cfg_up.bus, cfg_up.log_level
        else:
            cfg = config.load(TierConfig, args, file=args.config, section=args.command)
            names = [args.command]
            listen = {args.command: parse_listen(cfg.listen, TIERS[args.command].port)}
            store, bus, level = cfg.store, cfg.bus, cfg.log_level
        log.configure(level, tier=args.command)
        asyncio.run(_serve(names, store, bus, listen))
    except SigmaError as exc:
        print(f"sigma {args.command}: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"sigma {args.command}: {exc}", file=sys.stderr)
        return 2
    return 0


async def _serve(
    names: list[str], store: str, bus: str, listen: dict[str, tuple[str, int]]
) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)

    def ready(addresses: dict[str, str]) -> None:
        for name, address in addresses.items():
            print(f"{name:<10} grpc {address}", flush=True)
        print(f"store {store}  bus {bus}  (Ctrl-C stops)", flush=True)

    await run(names, store_url=store, bus_url=bus, listen=listen, stop=stop, on_ready=ready)


if __name__ == "__main__":
    sys.exit(main())
