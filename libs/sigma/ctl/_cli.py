"""``sigmactl``: apply manifests and look at the cluster.

Every failure a user can act on prints one line on stderr and exits with status 2: a bad
manifest (file, document, field, reason), a request the apiserver refused (the field and the
reason), an endpoint that does not answer (which one, where).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable, Sequence

from sigma import __version__
from sigma.ctl import _commands as C
from sigma.ctl import _logs
from sigma.ctl._client import Client
from sigma.ctl._config import CtlConfig, load
from sigma.errors import Invalid, SigmaError

Command = Callable[[Client, CtlConfig, argparse.Namespace], Awaitable[int]]
KINDS = "apps|batchjobs|pods|nodes|tasks"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def _connection(*, suppress: bool) -> argparse.ArgumentParser:
    """Connection flags, accepted before and after the command. After it they default to
    "absent" (SUPPRESS), so they do not overwrite a value given before it."""
    common = argparse.ArgumentParser(add_help=False)
    default = argparse.SUPPRESS if suppress else None
    g = common.add_argument_group("connection (override the config file and SIGMA_* variables)")
    g.add_argument(
        "--config",
        default=default,
        help="config file (default $SIGMACTL_CONFIG, then ~/.config/sigma/config.toml)",
    )
    for endpoint in ("apiserver", "scheduler", "colocator"):
        g.add_argument(
            f"--{endpoint}", default=default, metavar="HOST:PORT", help=f"the {endpoint}'s address"
        )
    g.add_argument("--token", default=default, help="bearer token sent on every call")
    g.add_argument("--timeout", type=float, default=default, help="seconds a call may take")
    g.add_argument("-n", "--namespace", default=default, help="the team namespace")
    return common


def build_parser() -> argparse.ArgumentParser:
    common = _connection(suppress=True)
    parser = _Parser(
        prog="sigmactl",
        description="apply manifests and look at the cluster",
        parents=[_connection(suppress=False)],
    )
    parser.add_argument("--version", action="version", version=f"sigmactl {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def command(name: str, func: Command, help_text: str) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, parents=[common])
        p.set_defaults(func=func)
        return p

    p = command("apply", C.apply_cmd, "create or update what manifests declare")
    p.add_argument(
        "-f",
        "--filename",
        action="append",
        required=True,
        help="a manifest file, a directory of them, or - for stdin (repeatable)",
    )
    p = command("get", C.get, f"list objects: {KINDS}")
    p.add_argument("kind", metavar="KIND", help=KINDS)
    p.add_argument("name", nargs="?", metavar="NAME")
    p.add_argument("-o", "--output", choices=("table", "yaml", "json"), default="table")
    p.add_argument("-w", "--watch", action="store_true", help="then print changes until Ctrl-C")
    _selector(p)
    p = command("describe", C.describe, "one object in detail, with its events")
    p.add_argument("kind", metavar="KIND", help=KINDS)
    p.add_argument("name", metavar="NAME")
    p = command("scale", C.scale, "set an app's replica count")
    p.add_argument("kind", metavar="app")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--replicas", type=int, required=True)
    p = command("delete", C.delete, "delete an app, batch job, pod or node")
    p.add_argument("kind", metavar="KIND", help="apps|batchjobs|pods|nodes")
    p.add_argument("name", metavar="NAME")
    p = command("evict", C.evict, "stop a pod within its App's disruption budget")
    p.add_argument("kind", metavar="pod")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--reason", default="Evicted", help="CamelCase cause recorded on the pod")
    p.add_argument("--grace", type=float, help="seconds between SIGTERM and SIGKILL")
    p = command("explain", C.explain, "the scheduler's per-node verdicts for a pod")
    p.add_argument("kind", metavar="pod")
    p.add_argument("name", metavar="NAME")
    p.add_argument("--max-nodes", type=int, default=20, help="nodes to show (0: all)")
    p.add_argument(
        "--now", action="store_true", help="a placed pod: run the chain again on today's cluster"
    )
    p = command("top", C.top, "usage and batch capacity: top nodes|pods")
    p.add_argument("kind", metavar="nodes|pods")
    _selector(p)
    _logs.add_parser(command("logs", _logs.logs, "a container's log, from its node's slave"))
    p = command("budget", C.budget, "a node's batch-capacity ledger (the colocator's)")
    p.add_argument("node", metavar="NODE")
    p.add_argument("--limit", type=int, default=20, help="most recent changes to show")
    return parser


def _selector(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "-l",
        "--selector",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="only objects with these labels (repeatable, or comma separated)",
    )


async def _run(args: argparse.Namespace) -> int:
    flags = {
        k: getattr(args, k) for k in ("apiserver", "scheduler", "colocator", "token", "timeout")
    }
    cfg = load({k: v for k, v in flags.items() if v is not None}, file=args.config)
    client = Client(cfg)
    try:
        result: int = await args.func(client, cfg, args)
        return result
    finally:
        await client.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    if not (sys.argv[1:] if argv is None else argv):
        parser.print_help()  # as kubectl does: what there is to do, not an error
        return 0
    args = parser.parse_args(argv)
    try:
        return asyncio.run(_run(args))
    except Invalid as exc:
        _fail(f"{exc.field}: {exc.reason}")
    except SigmaError as exc:
        _fail(exc.message)
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # `sigmactl get pods | head`
        return 0
    return 2


def _fail(message: str) -> None:
    print(f"sigmactl: {' '.join(message.split())}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
