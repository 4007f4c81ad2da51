"""``sigmactl``: apply manifests and look at the cluster.

Every failure a user can act on prints one line on stderr and exits with status 2: a bad
manifest (file, document, field, reason), a request the apiserver refused (the field and the
reason), an endpoint that does not answer (which one, where). Commands that wait (``drain``,
``rollout status``, ``wait``) have their own exit statuses for "not yet", as kubectl's do.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable, Sequence

from sigma import __version__
from sigma.ctl import _commands as C
from sigma.ctl import _completion as completion
from sigma.ctl import _contexts as contexts
from sigma.ctl import _logs
from sigma.ctl._client import Client
from sigma.ctl._config import CtlConfig, load
from sigma.ctl._get import get
from sigma.ctl._kubeconfig import kubeconfig
from sigma.ctl._labels import annotate, label
from sigma.ctl._nodes import cordon, drain, uncordon
from sigma.ctl._output import OUTPUT_HELP
from sigma.ctl._rollout import rollout_status
from sigma.ctl._wait import wait
from sigma.errors import Invalid, SigmaError

Command = Callable[[Client, CtlConfig, argparse.Namespace], Awaitable[int]]
Local = Callable[[argparse.Namespace], int]  # a command that calls no tier
KINDS = "apps|batchjobs|pods|nodes|tasks|events|interferencerulesets"


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.exit(2, f"{self.prog}: error: {message}\n")


def _connection(*, suppress: bool, call_timeout: bool = True) -> argparse.ArgumentParser:
    """Connection flags, accepted before and after the command. After it they default to
    "absent" (SUPPRESS), so they do not overwrite a value given before it. After a command
    that waits, ``--timeout`` is how long it waits (kubectl's meaning); the per-call limit is
    ``--request-timeout`` there."""
    common = argparse.ArgumentParser(add_help=False)
    default = argparse.SUPPRESS if suppress else None
    g = common.add_argument_group("connection (override the config file and SIGMA_* variables)")
    g.add_argument(
        "--config",
        default=default,
        help="config file (default $SIGMACTL_CONFIG, then ~/.config/sigma/config.toml)",
    )
    g.add_argument("--context", default=default, help="a [contexts.NAME] of the config file")
    for endpoint in ("apiserver", "scheduler", "colocator"):
        g.add_argument(
            f"--{endpoint}", default=default, metavar="HOST:PORT", help=f"the {endpoint}'s address"
        )
    g.add_argument("--token", default=default, help="bearer token sent on every call")
    spellings = ("--timeout", "--request-timeout") if call_timeout else ("--request-timeout",)
    g.add_argument(
        *spellings, dest="timeout", type=float, default=default, help="seconds a call may take"
    )
    g.add_argument("-n", "--namespace", default=default, help="the team namespace")
    return common


def build_parser() -> argparse.ArgumentParser:
    parents = {
        True: [_connection(suppress=True)],
        False: [_connection(suppress=True, call_timeout=False)],
    }
    parser = _Parser(
        prog="sigmactl",
        description="apply manifests and look at the cluster",
        parents=[_connection(suppress=False)],
    )
    parser.add_argument("--version", action="version", version=f"sigmactl {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    def command(
        name: str,
        func: Command | Local,
        help_text: str,
        *,
        waits: bool = False,
        local: bool = False,
    ) -> argparse.ArgumentParser:
        p = sub.add_parser(name, help=help_text, parents=parents[not waits])
        p.set_defaults(func=func, local=local)
        return p

    _read_commands(command)
    _write_commands(command)
    _node_commands(command)
    _wait_commands(command)
    p = command("completion", completion.completion, "print the shell hook", local=True)
    p.add_argument("shell", choices=completion.SHELLS)
    _config_commands(command("config", contexts.get_contexts, "the config file's contexts"))
    return parser


def _kind(p: argparse.ArgumentParser, help_text: str = KINDS) -> None:
    completion.attach(p.add_argument("kind", metavar="KIND", help=help_text), completion.kinds)


def _name(p: argparse.ArgumentParser, optional: bool = False) -> None:
    nargs = "?" if optional else None
    completion.attach(p.add_argument("name", nargs=nargs, metavar="NAME"), completion.names)


def _read_commands(command: Callable[..., argparse.ArgumentParser]) -> None:
    p = command("get", get, f"list objects: {KINDS}")
    _kind(p, f"{KINDS}, or KIND/NAME")
    _name(p, optional=True)
    p.add_argument("-o", "--output", default="table", help=OUTPUT_HELP)
    p.add_argument("-w", "--watch", action="store_true", help="then print changes until Ctrl-C")
    p.add_argument("--sort-by", metavar="JSONPATH", help="order by this field (.meta.name)")
    p.add_argument("--for", dest="regarding", metavar="KIND/NAME", help="events about one object")
    _all_namespaces(p)
    _selector(p)
    p = command("describe", C.describe, "one object in detail, with its events")
    _kind(p)
    _name(p)
    p = command("explain", C.explain, "the scheduler's per-node verdicts for a pod")
    p.add_argument("kind", metavar="pod")
    _name(p)
    p.add_argument("--max-nodes", type=int, default=20, help="nodes to show (0: all)")
    p.add_argument(
        "--now", action="store_true", help="a placed pod: run the chain again on today's cluster"
    )
    p = command("top", C.top, "usage and requests: top nodes|pods; progress: top batchjobs")
    p.add_argument("kind", metavar="nodes|pods|batchjobs")
    _all_namespaces(p)
    _selector(p)
    _logs.add_parser(command("logs", _logs.logs, "a container's log, from its node's slave"))
    p = command("budget", C.budget, "a node's batch-capacity ledger (the colocator's)")
    p.add_argument("node", metavar="NODE")
    p.add_argument("--limit", type=int, default=20, help="most recent changes to show")


def _write_commands(command: Callable[..., argparse.ArgumentParser]) -> None:
    p = command("apply", C.apply_cmd, "create or update what manifests declare")
    p.add_argument(
        "-f",
        "--filename",
        action="append",
        required=True,
        help="a manifest file, a directory of them, or - for stdin (repeatable)",
    )
    _dry_run(p)
    p = command("scale", C.scale, "set an app's replica count")
    p.add_argument("kind", metavar="app")
    _name(p)
    p.add_argument("--replicas", type=int, required=True)
    _dry_run(p)
    p = command("delete", C.delete, "delete an app, batch job, pod, node or rule set")
    _kind(p, "apps|batchjobs|pods|nodes|interferencerulesets")
    _name(p)
    _dry_run(p)
    p = command("evict", C.evict, "stop a pod within its App's disruption budget")
    p.add_argument("kind", metavar="pod")
    _name(p)
    p.add_argument("--reason", default="Evicted", help="CamelCase cause recorded on the pod")
    p.add_argument("--grace", type=float, help="seconds between SIGTERM and SIGKILL")
    for name, func, what in (("label", label, "labels"), ("annotate", annotate, "annotations")):
        p = command(name, func, f"set (KEY=VALUE) and remove (KEY-) {what}")
        _kind(p, "apps|batchjobs|pods|nodes, or KIND/NAME")
        changes = p.add_argument("changes", nargs="*", metavar="NAME KEY=VALUE|KEY-")
        completion.attach(changes, completion.first_name)
        p.add_argument("--overwrite", action="store_true", help="replace values already set")
        p.add_argument("--resource-version", type=int, help="only if the object is at it")
        p.add_argument("--list", action="store_true", help=f"print the object's {what}")
        _dry_run(p, output=False)


def _node_commands(command: Callable[..., argparse.ArgumentParser]) -> None:
    for name, func, what in (
        ("cordon", cordon, "mark a node unschedulable"),
        ("uncordon", uncordon, "mark a node schedulable again"),
    ):
        command(name, func, what).add_argument("node", metavar="NODE")
    p = command("drain", drain, "cordon a node and evict its pods", waits=True)
    p.add_argument("node", metavar="NODE")
    p.add_argument("--grace", type=float, help="seconds between SIGTERM and SIGKILL per pod")
    p.add_argument("--batch-only", action="store_true", help="evict only batch (BE) pods")
    _wait_timeout(p, "give up after this many seconds, exit 2 (default: never)")


def _wait_commands(command: Callable[..., argparse.ArgumentParser]) -> None:
    p = command(
        "rollout", rollout_status, "follow an app's rollout: rollout status app NAME", waits=True
    )
    p.add_argument("action", choices=("status",))
    p.add_argument("kind", metavar="app")
    _name(p, optional=True)
    _wait_timeout(p, "give up after this many seconds, exit 2 (default: never)")
    p = command("wait", wait, "wait for a condition on objects", waits=True)
    p.add_argument(
        "--for",
        dest="condition",
        required=True,
        help="delete, condition=NAME[=VALUE] or jsonpath=EXPR[=VALUE]",
    )
    p.add_argument("targets", nargs="+", metavar="KIND/NAME", help="or KIND NAME..., or KIND -l")
    p.add_argument("--all", action="store_true", help="every object of the kind")
    _selector(p)
    _wait_timeout(p, "give up after this many seconds, exit 1 (default 30)")


def _config_commands(p: argparse.ArgumentParser) -> None:
    p.set_defaults(local=True)
    actions = p.add_subparsers(dest="action", required=True, parser_class=_Parser)
    actions.add_parser("get-contexts", help="list the contexts").set_defaults(
        func=contexts.get_contexts
    )
    actions.add_parser("current-context", help="print the current context").set_defaults(
        func=contexts.current_context
    )
    use = actions.add_parser("use-context", help="make NAME the current context")
    use.add_argument("name", metavar="NAME")
    use.set_defaults(func=contexts.use_context)
    kube = actions.add_parser(
        "kubeconfig", help="write a kubeconfig for kubectl (the apiserver's Kubernetes API)"
    )
    kube.add_argument("--out", default="", help="file to write (default: standard output)")
    kube.set_defaults(func=kubeconfig)


def _selector(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "-l",
        "--selector",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="only objects with these labels (repeatable, or comma separated)",
    )


def _all_namespaces(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "-A", "--all-namespaces", action="store_true", help="every namespace (needs the * grant)"
    )


def _dry_run(p: argparse.ArgumentParser, *, output: bool = True) -> None:
    p.add_argument(
        "--dry-run",
        nargs="?",
        const="client",
        metavar="none|client|server",
        help="client: check and print, send nothing; server: the apiserver checks, writes nothing",
    )
    if output:
        p.add_argument(
            "-o", "--output", choices=("json",), help="print every call: request and answer"
        )


def _wait_timeout(p: argparse.ArgumentParser, help_text: str) -> None:
    p.add_argument("--timeout", dest="wait_timeout", type=float, metavar="SECONDS", help=help_text)


async def _run(args: argparse.Namespace) -> int:
    flags = {
        k: getattr(args, k) for k in ("apiserver", "scheduler", "colocator", "token", "timeout")
    }
    given = {k: v for k, v in flags.items() if v is not None}
    cfg = load(given, file=args.config, context=args.context)
    client = Client(cfg)
    try:
        result: int = await args.func(client, cfg, args)
        return result
    finally:
        await client.close()


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    completion.autocomplete(parser)
    if not (sys.argv[1:] if argv is None else argv):
        parser.print_help()  # as kubectl does: what there is to do, not an error
        return 0
    args = parser.parse_args(argv)
    try:
        if args.local:
            return int(args.func(args))
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
