"""Shell completion with ``argcomplete``: ``sigmactl completion bash|zsh|fish`` prints the hook.

The hook runs ``sigmactl`` itself on each Tab (argcomplete's way), so completions always
match the parser: commands, flags, kinds, and the names of objects of the kind already typed,
read with one List call under a short deadline. A completer never prints an error: when the
cluster does not answer it offers nothing.
"""

from __future__ import annotations

import argparse
import asyncio
from dataclasses import replace
from typing import Any

import argcomplete

from sigma.ctl._client import Client
from sigma.ctl._config import load
from sigma.ctl._kinds import ALL, lookup
from sigma.ctl._reads import list_all
from sigma.errors import SigmaError

SHELLS = ("bash", "zsh", "fish")
NAME_DEADLINE = 2.0  # seconds a Tab may wait for the apiserver
KINDS = [k.aliases[0] for k in ALL]


def kinds(**_: Any) -> list[str]:
    return KINDS


async def _names(parsed: argparse.Namespace) -> list[str]:
    kind = lookup(str(parsed.kind).partition("/")[0])
    flags = {k: getattr(parsed, k, None) for k in ("apiserver", "token", "timeout")}
    given = {k: v for k, v in flags.items() if v is not None}
    cfg = load(given, file=getattr(parsed, "config", None), context=parsed.context)
    cfg = replace(cfg, timeout=min(cfg.timeout, NAME_DEADLINE))
    namespace = getattr(parsed, "namespace", None) or cfg.namespace
    client = Client(cfg)
    try:
        items, _ = await list_all(client, kind, namespace, {})
    finally:
        await client.close()
    return [item.meta.name for item in items]


def names(prefix: str, parsed_args: argparse.Namespace, **_: Any) -> list[str]:
    """The names of the kind typed before, starting with ``prefix``."""
    try:
        found = asyncio.run(_names(parsed_args))
    except (SigmaError, OSError, AttributeError, ValueError):  # a Tab shows nothing, not a trace
        return []
    return [name for name in found if name.startswith(prefix)]


def first_name(prefix: str, parsed_args: argparse.Namespace, **_: Any) -> list[str]:
    """``label KIND <Tab>``: the object's name comes first, then the changes (not completed)."""
    if getattr(parsed_args, "changes", None) or "/" in str(parsed_args.kind):
        return []
    return names(prefix, parsed_args)


def attach(action: argparse.Action, completer: Any) -> None:
    action.completer = completer  # type: ignore[attr-defined]


def autocomplete(parser: argparse.ArgumentParser) -> None:
    """Answer a Tab and exit, when the shell hook called us; otherwise nothing happens."""
    argcomplete.autocomplete(parser, always_complete_options=False)  # flags after a "-"


def completion(args: argparse.Namespace) -> int:
    print(argcomplete.shellcode(["sigmactl"], shell=args.shell))
    return 0
