"""``get``: one object, a list (of a team, or with ``-A`` of every team), or a watch.

What is read is decided here; how it prints is ``_output``'s. Events are listed only (there is
no Get or Watch of a record), optionally about one object (``--for pod/web-0``, as ``kubectl
events --for``).
"""

from __future__ import annotations

import argparse
import sys
import time
from typing import Any

from sigma.ctl import _output as O
from sigma.ctl import _tables as T
from sigma.ctl._client import Client
from sigma.ctl._config import CtlConfig
from sigma.ctl._kinds import KindInfo, lookup
from sigma.ctl._reads import list_all, namespace_of, selector, until_interrupted
from sigma.errors import Invalid

_EVENT_TYPES = {1: "ADDED", 2: "MODIFIED", 3: "DELETED"}


def split_target(kind: str, name: str | None) -> tuple[KindInfo, str | None]:
    """``pod web-0`` or ``pod/web-0``: the kind and the name (None: a list)."""
    word, slash, rest = kind.partition("/")
    if slash:
        if name:
            raise Invalid("NAME", f"give {kind!r} or a NAME, not both")
        if not rest:
            raise Invalid("KIND", f"{kind!r} names no object")
        return lookup(word), rest
    return lookup(kind), name


def regarding(text: str | None) -> dict[str, str]:
    """``--for KIND/NAME`` as the Events.List filter fields."""
    if not text:
        return {}
    word, slash, name = text.partition("/")
    if not slash or not name:
        raise Invalid("--for", f"{text!r} is not KIND/NAME (pod/web-0)")
    return {"regarding_kind": lookup(word).name, "regarding_name": name}


def _check(kind: KindInfo, name: str | None, args: argparse.Namespace) -> dict[str, str]:
    """Flags that cannot go together, refused before any call; Events.List's extra fields."""
    if not kind.readable and (name or args.watch):
        raise Invalid("kind", f"{kind.aliases[0]} are listed only (no NAME, no --watch)")
    if name and args.all_namespaces:
        raise Invalid("--all-namespaces", "a NAME is read in one namespace; drop -A or the NAME")
    if args.regarding and kind.name != "EventRecord":
        raise Invalid("--for", "only events are listed for an object")
    return regarding(args.regarding)


async def get(client: Client, cfg: CtlConfig, args: argparse.Namespace) -> int:
    kind, name = split_target(args.kind, args.name)
    out = O.parse_output(args.output)
    extra = _check(kind, name, args)
    ns = namespace_of(cfg, args)
    if args.sort_by:
        O.sort_items([], args.sort_by)  # a bad path is refused before any call
    if name:
        items = [await client.api(kind.service, "Get", kind.request("Get", ns, name=name))]
        revision = items[0].meta.resource_version
    else:
        items, revision = await list_all(client, kind, ns, selector(args.selector), **extra)
    if args.sort_by:
        items = O.sort_items(items, args.sort_by)
    everywhere = not ns and kind.namespaced
    if not args.watch:
        if not items and out.tabular:
            where = "any namespace" if not ns else f"namespace {ns}"
            where = where if kind.namespaced else "the cluster"
            print(f"No {kind.aliases[0]} in {where}.", file=sys.stderr)
            return 0
        sys.stdout.write(
            O.render(
                kind, items, out, single=bool(name), namespaces=everywhere, now_ns=time.time_ns()
            )
        )
        return 0
    await _watch(client, kind, name, ns, items, revision, out, everywhere, args)
    return 0


async def _watch(
    client: Client,
    kind: KindInfo,
    name: str | None,
    ns: str,
    items: list[Any],
    revision: int,
    out: O.Output,
    everywhere: bool,
    args: argparse.Namespace,
) -> None:
    """The listed objects, then every change until Ctrl-C.

    Tables carry an EVENT column, as ``kubectl get -w --output-watch-events`` does; the rows
    listed first are ADDED, and every later row lines up under the same header.
    """
    headers, row = O.columns(kind.name, wide=out.format == "wide", namespaces=everywhere)
    layout = T.Layout(("EVENT", *headers))
    layout.fit(["MODIFIED", *("" for _ in headers)])
    if items and out.tabular:
        now = time.time_ns()
        print(layout.text(["EVENT", *headers], *(["ADDED", *row(i, now)] for i in items)))
    elif items:
        sys.stdout.write(O.render(kind, items, out, single=False))
    request = kind.request("Watch", ns, selector=selector(args.selector), resource_version=revision)
    async for event in until_interrupted(client.watch(kind.service, request)):
        if not event.HasField(kind.event_field):
            continue  # bookmark
        obj = getattr(event, kind.event_field)
        if name and obj.meta.name != name:
            continue
        if out.tabular:
            lines = [] if layout.printed else [["EVENT", *headers]]
            word = _EVENT_TYPES.get(event.type, "?")
            print(layout.text(*lines, [word, *row(obj, time.time_ns())]), flush=True)
        else:
            sys.stdout.write(O.render(kind, [obj], out, single=True))
            sys.stdout.flush()
