"""The commands: each reads what it needs over gRPC and prints what ``_tables``/``_describe``
render. Nothing here decides anything worth testing without a server; that lives in the pure
modules.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import signal
import sys
import time
from collections.abc import AsyncIterator
from typing import Any

from google.protobuf import json_format

from sigma.ctl import _describe as D
from sigma.ctl import _tables as T
from sigma.ctl._apply import apply
from sigma.ctl._client import Client, NotServed, Unreachable
from sigma.ctl._config import CtlConfig
from sigma.ctl._kinds import EVENTS, NODES, PODS, TASKS, KindInfo, lookup
from sigma.ctl._manifest import Manifest, dump_yaml, manifest_field, parse, sources, to_document
from sigma.errors import Invalid
from sigma.v1 import apiserver_pb2 as api
from sigma.v1 import colocator_pb2, scheduler_pb2

PAGE = 500


def _ns(cfg: CtlConfig, args: argparse.Namespace) -> str:
    """The team the request is made as (reads of cluster-scoped nodes included)."""
    return str(args.namespace or cfg.namespace)


async def _list(
    client: Client, kind: KindInfo, namespace: str, selector: dict[str, str], **extra: Any
) -> tuple[list[Any], int]:
    items: list[Any] = []
    token, revision = "", 0
    while True:
        request = kind.request(
            "List", namespace, selector=selector, page_size=PAGE, page_token=token, **extra
        )
        page = await client.api(kind.service, "List", request)
        items.extend(page.items)
        revision = revision or page.resource_version
        token = page.next_page_token
        if not token:
            return items, revision


def _selector(pairs: list[str]) -> dict[str, str]:
    out = {}
    for pair in pairs:
        for item in filter(None, pair.split(",")):
            key, eq, value = item.partition("=")
            if not eq or not key:
                raise Invalid("--selector", f"{item!r} is not key=value")
            out[key] = value
    return out


def _print_objects(kind: KindInfo, items: list[Any], output: str, single: bool) -> None:
    if output == "table":
        print(T.get_table(kind.name, items, time.time_ns()))
        return
    if output == "yaml":  # the manifest form: edit it and apply it again
        dump_yaml([to_document(kind, item) for item in items], sys.stdout)
        return
    # JSON is the protobuf JSON mapping, as grpcurl prints the messages and the change stream
    # sends them (--change-stream-encoding json): a list is the List reply's shape, {"items"}.
    dicts = [json_format.MessageToDict(item) for item in items]
    print(json.dumps(dicts[0] if single else {"items": dicts}, indent=2))


async def get(client: Client, cfg: CtlConfig, args: argparse.Namespace) -> int:
    kind = lookup(args.kind)
    namespace = _ns(cfg, args)
    if not kind.readable and (args.name or args.watch):
        raise Invalid("kind", f"{kind.aliases[0]} are listed only (no NAME, no --watch)")
    if args.name:
        items = [
            await client.api(kind.service, "Get", kind.request("Get", namespace, name=args.name))
        ]
        revision = items[0].meta.resource_version
    else:
        items, revision = await _list(client, kind, namespace, _selector(args.selector))
    if not args.watch:
        if not items and args.output == "table":
            print(f"No {kind.aliases[0]} in namespace {namespace}.", file=sys.stderr)
            return 0
        _print_objects(kind, items, args.output, single=bool(args.name))
        return 0
    headers, row = T.GET[kind.name]
    # Tables carry an EVENT column, as ``kubectl get -w --output-watch-events`` does; the rows
    # listed first are ADDED, and every later row lines up under the same header.
    layout = T.Layout(("EVENT", *headers))
    layout.fit(["MODIFIED", *("" for _ in headers)])
    if items and args.output == "table":
        now = time.time_ns()
        print(layout.text(["EVENT", *headers], *(["ADDED", *row(i, now)] for i in items)))
    elif items:
        _print_objects(kind, items, args.output, single=False)
    request = kind.request(
        "Watch", namespace, selector=_selector(args.selector), resource_version=revision
    )
    async for event in _until_interrupted(client.watch(kind.service, request)):
        if not event.HasField(kind.event_field):
            continue  # bookmark
        obj = getattr(event, kind.event_field)
        if args.name and obj.meta.name != args.name:
            continue
        kind_word = {1: "ADDED", 2: "MODIFIED", 3: "DELETED"}.get(event.type, "?")
        if args.output == "table":
            lines = [] if layout.printed else [["EVENT", *headers]]
            print(layout.text(*lines, [kind_word, *row(obj, time.time_ns())]), flush=True)
        else:
            _print_objects(kind, [obj], args.output, single=True)
            sys.stdout.flush()
    return 0


async def _until_interrupted(events: AsyncIterator[Any]) -> AsyncIterator[Any]:
    """The events until Ctrl-C (or SIGTERM), which ends a watch normally."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    iterator = aiter(events)
    stopping = asyncio.ensure_future(stop.wait())
    try:
        while True:
            nxt = asyncio.ensure_future(anext(iterator))
            done, _ = await asyncio.wait({nxt, stopping}, return_when=asyncio.FIRST_COMPLETED)
            if nxt not in done:
                nxt.cancel()
                with contextlib.suppress(asyncio.CancelledError, StopAsyncIteration):
                    await nxt  # the generator must be idle before it can be closed
                return
            try:
                yield nxt.result()
            except StopAsyncIteration:
                return
    finally:
        stopping.cancel()
        await iterator.aclose()  # type: ignore[attr-defined]


def load_manifests(paths: list[str], namespace: str, default: str) -> list[Manifest]:
    """Every manifest in ``paths``, parsed and checked before anything is sent."""
    manifests: list[Manifest] = []
    for source, text in sources(paths):
        manifests.extend(parse(text, source, namespace, default))
    if not manifests:
        raise Invalid(", ".join(paths), "no manifests found")
    return manifests


async def apply_all(
    client: Client, cfg: CtlConfig, manifests: list[Manifest]
) -> AsyncIterator[str]:
    """Apply in order, yielding one line per object; a refusal names file, document and field.

    ``sigma up --demo`` applies through this too, so the demo and sigmactl cannot drift.
    """
    for m in manifests:
        try:
            yield await apply(client, m, cfg.system_namespace)
        except Invalid as exc:
            raise Invalid(
                f"{m.source}: document {m.index} ({m.label}): {manifest_field(exc.field)}",
                exc.reason,
            ) from exc


async def apply_cmd(client: Client, cfg: CtlConfig, args: argparse.Namespace) -> int:
    manifests = load_manifests(args.filename, args.namespace or "", cfg.namespace)
    async for line in apply_all(client, cfg, manifests):
        print(line, flush=True)
    return 0


async def describe(client: Client, cfg: CtlConfig, args: argparse.Namespace) -> int:
    kind = lookup(args.kind)
    namespace = _ns(cfg, args)
    obj = await client.api(kind.service, "Get", kind.request("Get", namespace, name=args.name))
    now = time.time_ns()
    events: list[D.Event] = []
    pods_table = ""
    notes: list[str] = []
    pods: list[Any] = []
    if kind.name in ("App", "BatchJob", "Node"):
        extra = {"node_name": args.name} if kind.name == "Node" else {"owner_name": args.name}
        pods, _ = await _list(client, PODS, namespace, {}, **extra)
        pods_table = T.get_table("Pod", pods, now) if pods else "<none>"
        for p in pods:
            events += D.condition_events(f"pod/{p.meta.name}", p.status.conditions)
    if kind.name in ("App", "BatchJob"):
        tasks, _ = await _list(client, TASKS, namespace, {}, target_name=args.name)
        events += D.task_events(tasks)
    if kind.name in ("Pod", "Node", "App"):
        events += D.condition_events(f"{kind.name.lower()}/{args.name}", obj.status.conditions)
    records, _ = await _list(client, EVENTS, "" if kind.name == "Node" else namespace, {})
    about = {(kind.name, args.name)} | {("Pod", p.meta.name) for p in pods}
    events += D.record_events(r for r in records if (r.regarding.kind, r.regarding.name) in about)
    target = args.name if kind.name == "Node" else f"{namespace}/{args.name}"
    field = "node_name" if kind.name == "Node" else "target"
    try:
        request = colocator_pb2.ListDecisionsRequest(**{field: target}, page_size=20)
        reply = await client.call("colocator", "Colocator", "ListDecisions", request)
        events += D.decision_events(reply.decisions)
    except (NotServed, Unreachable) as exc:
        notes.append(f"(no colocation decisions: {exc})")
    print(D.describe(kind.name, obj, now_ns=now, pods_table=pods_table, events=events, notes=notes))
    return 0


async def scale(client: Client, cfg: CtlConfig, args: argparse.Namespace) -> int:
    if lookup(args.kind).name != "App":
        raise Invalid("kind", "only apps scale")
    if args.replicas < 0:
        raise Invalid("--replicas", "must not be negative")
    request = api.ScaleAppRequest(namespace=_ns(cfg, args), name=args.name, replicas=args.replicas)
    reply = await client.api("Apps", "Scale", request)
    print(T.scaled(reply.app, args.replicas, reply.task.meta.name))
    return 0


async def delete(client: Client, cfg: CtlConfig, args: argparse.Namespace) -> int:
    kind = lookup(args.kind)
    if not kind.deletable:
        raise Invalid("kind", f"{kind.aliases[0]} cannot be deleted")
    namespace = _ns(cfg, args) if kind.namespaced else cfg.system_namespace
    reply = await client.api(
        kind.service, "Delete", kind.request("Delete", namespace, name=args.name)
    )
    task = getattr(reply, "task", None)
    suffix = f" (task {task.meta.name})" if task is not None and task.meta.name else ""
    print(f"{kind.name.lower()}/{args.name} deleted{suffix}")
    return 0


async def evict(client: Client, cfg: CtlConfig, args: argparse.Namespace) -> int:
    """Pods.Evict: refused (one line, exit 2) while the pod's App is at its budget's floor."""
    if lookup(args.kind).name != "Pod":
        raise Invalid("kind", "evict takes a pod: sigmactl evict pod NAME")
    request = api.EvictPodRequest(namespace=_ns(cfg, args), name=args.name, reason=args.reason)
    if args.grace is not None:
        if args.grace < 0:
            raise Invalid("--grace", "must not be negative")
        request.grace_period.FromNanoseconds(int(args.grace * 1e9))
    await client.api("Pods", "Evict", request)
    print(f"pod/{args.name} evicted")
    return 0


async def explain(client: Client, cfg: CtlConfig, args: argparse.Namespace) -> int:
    if lookup(args.kind).name != "Pod":
        raise Invalid("kind", "explain takes a pod: sigmactl explain pod NAME")
    namespace = _ns(cfg, args)
    key = f"{namespace}/{args.name}"
    if not args.now:
        pod = await client.api("Pods", "Get", PODS.request("Get", namespace, name=args.name))
        if pod.spec.node_name:  # placed: the decision made then, not the chain run again now
            print(D.placement(pod, key))
            return 0
    request = scheduler_pb2.ExplainRequest(
        namespace=namespace, pod_key=key, max_nodes=args.max_nodes
    )
    reply = await client.call("scheduler", "Scheduler", "Explain", request)
    print(D.explanation(reply, key))
    return 0


async def top(client: Client, cfg: CtlConfig, args: argparse.Namespace) -> int:
    kind = lookup(args.kind)
    namespace = _ns(cfg, args)
    nodes, _ = await _list(client, NODES, namespace, {})
    if kind.name == "Node":
        print(T.top_nodes(nodes))
        return 0
    if kind.name != "Pod":
        raise Invalid("kind", "top takes nodes or pods")
    pods, _ = await _list(client, PODS, namespace, _selector(args.selector))
    running = [p for p in pods if p.spec.node_name]
    print(T.top_pods(running, {n.meta.name: n for n in nodes}))
    return 0


async def budget(client: Client, cfg: CtlConfig, args: argparse.Namespace) -> int:
    request = colocator_pb2.ExplainBudgetRequest(node_name=args.node, limit=args.limit)
    reply = await client.call("colocator", "Colocator", "ExplainBudget", request)
    print(D.budget(reply))
    return 0
