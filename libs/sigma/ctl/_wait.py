"""``wait --for``: until each named object meets a condition, is deleted, or shows a value.

``--for`` takes kubectl's three forms: ``condition=NAME[=VALUE]`` (a ``status.conditions``
entry of that type, case-insensitive, with status VALUE, default True), ``delete`` (the object
is gone; one already gone counts) and ``jsonpath=EXPR[=VALUE]`` (EXPR, a JSONPath into the
object's protobuf JSON form as ``get -o json`` prints it, matches VALUE; without VALUE, matches
anything). A value written as a word matches an enum's full name too, so ``Running`` matches
``POD_PHASE_RUNNING``. An object that does not exist yet is waited for (a replica may be about
to be created), except by ``delete``. The command exits 0 when every object met it, 1 when
``--timeout`` (default 30 s) passed first, as ``kubectl wait`` does, and 2 on bad input.
"""

from __future__ import annotations

import argparse
import asyncio
import re
import sys
from dataclasses import dataclass
from typing import Any

from sigma.ctl import _jsonpath as J
from sigma.ctl._client import Client
from sigma.ctl._config import CtlConfig
from sigma.ctl._convert import enum_name
from sigma.ctl._kinds import KindInfo, lookup
from sigma.ctl._output import as_json
from sigma.ctl._reads import list_all, namespace_of, selector
from sigma.errors import Invalid, NotFound
from sigma.v1 import meta_pb2

POLL = 0.5  # seconds between reads
DEFAULT_TIMEOUT = 30.0


@dataclass(frozen=True, slots=True)
class Condition:
    form: str  # "condition", "delete" or "jsonpath"
    name: str = ""  # the condition's type, or the JSONPath expression
    value: str = ""  # the status or value wanted ("" with jsonpath: anything)

    def met(self, obj: Any | None) -> bool:
        """Whether ``obj`` (None: it does not exist) meets this condition."""
        if self.form == "delete":
            return obj is None
        if obj is None:
            return False
        if self.form == "condition":
            return any(
                c.type.lower() == self.name.lower()
                and enum_name(meta_pb2.ConditionStatus.DESCRIPTOR, c.status).lower()
                == self.value.lower()
                for c in obj.status.conditions
            )
        found = J.values(J.compile_path(self.name, "--for"), as_json(obj))
        if not self.value:
            return bool(found)
        return any(matches(v, self.value) for v in found)


def matches(found: Any, wanted: str) -> bool:
    """``found`` (a JSON value) equals ``wanted``, or is an enum whose trailing words are it."""
    if J.text(found) == wanted:
        return True
    if not isinstance(found, str) or not re.fullmatch(r"[A-Z0-9_]+", found):
        return False
    squashed = re.sub(r"[^A-Z0-9]", "", wanted.upper())
    parts = found.split("_")
    return any("".join(parts[i:]) == squashed for i in range(1, len(parts)))


def parse_for(text: str) -> Condition:
    """``--for``'s value; ``Invalid`` names what is wrong with it."""
    if text == "delete":
        return Condition("delete")
    form, eq, rest = text.partition("=")
    if form == "condition" and eq and rest:
        name, _, value = rest.partition("=")
        return Condition("condition", name, value or "True")
    if form == "jsonpath" and eq and rest:
        if rest.startswith("{"):
            close = rest.find("}")
            if close < 0:
                raise Invalid("--for", f"{rest!r}: no closing brace")
            expr, tail = rest[: close + 1], rest[close + 1 :]
            if tail and not tail.startswith("="):
                raise Invalid("--for", f"{rest!r}: expected {{EXPR}}=VALUE")
            value = tail[1:]
        else:
            expr, _, value = rest.partition("=")
        J.compile_path(expr, "--for")
        return Condition("jsonpath", expr, value)
    raise Invalid(
        "--for", f"{text!r} is not delete, condition=NAME[=VALUE] or jsonpath=EXPR[=VALUE]"
    )


def _targets(words: list[str]) -> tuple[KindInfo, list[str]]:
    """``pod/a pod/b`` or ``pods a b`` (or a bare KIND, for -l and --all)."""
    if "/" not in words[0]:
        return lookup(words[0]), words[1:]
    kinds, names = set(), []
    for word in words:
        kind, slash, name = word.partition("/")
        if not slash or not name:
            raise Invalid(word, "expected KIND/NAME, as the first one is")
        kinds.add(lookup(kind).name)
        names.append(name)
    if len(kinds) > 1:
        raise Invalid("KIND/NAME", "one kind at a time")
    return lookup(words[0].partition("/")[0]), names


async def _names(
    client: Client, kind: KindInfo, ns: str, names: list[str], args: argparse.Namespace
) -> list[str]:
    if args.selector or args.all:
        if names:
            raise Invalid("NAME", "give names, or -l/--all, not both")
        listed, _ = await list_all(client, kind, ns, selector(args.selector))
        return [item.meta.name for item in listed]
    if not names:
        raise Invalid("NAME", "name the objects to wait for, or give -l or --all")
    return names


def _check(kind: KindInfo, cond: Condition) -> None:
    if not kind.readable:
        raise Invalid("kind", f"{kind.aliases[0]} cannot be waited for")
    status = kind.message.DESCRIPTOR.fields_by_name["status"].message_type
    if cond.form == "condition" and "conditions" not in status.fields_by_name:
        raise Invalid("--for", f"{kind.aliases[0]} have no status.conditions; use jsonpath=")


async def wait(client: Client, cfg: CtlConfig, args: argparse.Namespace) -> int:
    cond = parse_for(args.condition)
    kind, names = _targets(args.targets)
    _check(kind, cond)
    timeout = DEFAULT_TIMEOUT if args.wait_timeout is None else args.wait_timeout
    if timeout < 0:
        raise Invalid("--timeout", "must not be negative")
    ns = namespace_of(cfg, args) if kind.namespaced else cfg.namespace
    pending = await _names(client, kind, ns, names, args)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        for name in list(pending):
            try:
                obj = await client.api(kind.service, "Get", kind.request("Get", ns, name=name))
            except NotFound:
                obj = None
            if cond.met(obj):
                word = "deleted" if cond.form == "delete" else "condition met"
                print(f"{kind.singular}/{name} {word}", flush=True)
                pending.remove(name)
        if not pending:
            return 0
        if loop.time() >= deadline:
            left = ", ".join(f"{kind.singular}/{n}" for n in pending)
            print(f"sigmactl: timed out waiting for the condition on {left}", file=sys.stderr)
            return 1
        await asyncio.sleep(POLL)
