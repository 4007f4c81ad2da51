"""``label`` and ``annotate``: ``KEY=VALUE`` sets, ``KEY-`` removes, as kubectl spells them.

One ``UpdateMetadata`` call per object. The apiserver applies the change in one conditional
write: without ``--overwrite`` a key that already holds another value is refused and nothing
is written; ``--resource-version`` makes the write conditional on the version the caller read.
Keys under ``sigma.io/`` are the system's and are refused. ``--list`` prints what is there.
"""

from __future__ import annotations

import argparse

from sigma.ctl._client import Client
from sigma.ctl._config import CtlConfig
from sigma.ctl._get import split_target
from sigma.ctl._kinds import KindInfo
from sigma.ctl._reads import namespace_of
from sigma.ctl._writes import Writer, mode
from sigma.errors import FailedPrecondition, Invalid
from sigma.v1 import apiserver_pb2 as api

LABELLED = ("App", "BatchJob", "Pod", "Node", "InterferenceRuleSet")


def parse_changes(words: list[str], what: str) -> tuple[dict[str, str], list[str]]:
    """``["tier=gold", "debug-"]`` as (keys to set, keys to remove); each key at most once."""
    sets: dict[str, str] = {}
    removes: list[str] = []
    for word in words:
        if "=" in word:
            key, _, value = word.partition("=")
            target = "set"
        elif word.endswith("-"):
            key, value, target = word[:-1], "", "remove"
        else:
            raise Invalid(word, "expected KEY=VALUE to set or KEY- to remove")
        if not key:
            raise Invalid(word, "the key is empty")
        if key in sets or key in removes:
            raise Invalid(word, f"{key!r} is given twice")
        if target == "set":
            sets[key] = value
        else:
            removes.append(key)
    if not sets and not removes:
        raise Invalid(what, "nothing to change: give KEY=VALUE or KEY-")
    return sets, removes


def _target(args: argparse.Namespace) -> tuple[KindInfo, str, list[str]]:
    """``KIND NAME CHANGES…`` or ``KIND/NAME CHANGES…``."""
    rest = list(args.changes)
    if "/" in args.kind:
        kind, name = split_target(args.kind, None)
    else:
        if not rest:
            raise Invalid("NAME", "required: KIND NAME or KIND/NAME")
        kind, name = split_target(args.kind, rest.pop(0))
    if kind.name not in LABELLED:
        raise Invalid(
            "kind",
            "labels and annotations are set on apps, batchjobs, pods, nodes and "
            "interferencerulesets",
        )
    assert name is not None
    return kind, name, rest


def _request(
    kind: KindInfo, ns: str, name: str, change: api.MetadataChange, version: int
) -> object:
    message = getattr(api, f"Update{kind.name}MetadataRequest")
    return message(namespace=ns, **{kind.name_field: name}, change=change, resource_version=version)


async def _update(client: Client, cfg: CtlConfig, args: argparse.Namespace, part: str) -> int:
    kind, name, words = _target(args)
    ns = cfg.system_namespace if not kind.namespaced else namespace_of(cfg, args)
    if args.resource_version is not None and args.resource_version <= 0:
        raise Invalid("--resource-version", "must be positive: the version you read")
    writer = Writer(client, mode(args.dry_run))
    if args.list and words:
        raise Invalid("--list", "lists only: give no changes with it")
    sets, removes = ({}, []) if args.list else parse_changes(words, part)
    current = await client.api(kind.service, "Get", kind.request("Get", ns, name=name))
    held = getattr(current.meta, part)
    if args.list:
        print("\n".join(f"{k}={v}" for k, v in sorted(held.items())))
        return 0
    change = api.MetadataChange(overwrite=args.overwrite)
    getattr(change, f"set_{part}").update(sets)
    getattr(change, f"remove_{part}").extend(removes)
    request = _request(kind, ns, name, change, args.resource_version or 0)
    try:
        reply = await writer.send(kind.service, "UpdateMetadata", request)
    except FailedPrecondition as exc:
        raise FailedPrecondition(f"{exc.message}; --overwrite replaces it") from exc
    verb = "labeled" if part == "labels" else "annotated"
    if reply is not None and dict(getattr(reply.meta, part)) == dict(held):
        verb = f"not {verb}"
    print(f"{kind.singular}/{name} {verb}{writer.suffix}")
    return 0


async def label(client: Client, cfg: CtlConfig, args: argparse.Namespace) -> int:
    return await _update(client, cfg, args, "labels")


async def annotate(client: Client, cfg: CtlConfig, args: argparse.Namespace) -> int:
    return await _update(client, cfg, args, "annotations")
