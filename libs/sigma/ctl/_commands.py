"""The commands: each reads what it needs over gRPC and prints what ``_tables``/``_describe``
render. Nothing here decides anything worth testing without a server; that lives in the pure
modules.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import AsyncIterator
from typing import Any

from sigma.ctl import _describe as D
from sigma.ctl import _tables as T
from sigma.ctl._apply import apply
from sigma.ctl._client import Client, NotServed, Unreachable
from sigma.ctl._config import CtlConfig
from sigma.ctl._kinds import BATCH_JOBS, EVENTS, NODES, PODS, TASKS, lookup
from sigma.ctl._manifest import Manifest, manifest_field, parse, sources
from sigma.ctl._reads import list_all, namespace_of, selector
from sigma.ctl._writes import Writer, mode
from sigma.errors import Invalid
from sigma.resources.pods import TERMINAL
from sigma.v1 import apiserver_pb2 as api
from sigma.v1 import colocator_pb2, scheduler_pb2


def load_manifests(paths: list[str], namespace: str, default: str) -> list[Manifest]:
    """Every manifest in ``paths``, parsed and checked before anything is sent."""
    manifests: list[Manifest] = []
    for source, text in sources(paths):
        manifests.extend(parse(text, source, namespace, default))
    if not manifests:
        raise Invalid(", ".join(paths), "no manifests found")
    return manifests


async def apply_all(
    writer: Writer, cfg: CtlConfig, manifests: list[Manifest]
) -> AsyncIterator[str]:
    """Apply in order, yielding one line per object; a refusal names file, document and field.

    ``sigma up --demo`` applies through this too, so the demo and sigmactl cannot drift.
    """
    for m in manifests:
        try:
            yield await apply(writer, m, cfg.system_namespace)
        except Invalid as exc:
            raise Invalid(
                f"{m.source}: document {m.index} ({m.label}): {manifest_field(exc.field)}",
                exc.reason,
            ) from exc


def _writer(client: Client, args: argparse.Namespace) -> Writer:
    return Writer(client, mode(args.dry_run))


def _done(writer: Writer, args: argparse.Namespace, lines: list[str]) -> int:
    """The lines, or with ``-o json`` every call made (or, dry, that would have been made)."""
    print(writer.as_json() if args.output == "json" else "\n".join(lines), flush=True)
    return 0


async def apply_cmd(client: Client, cfg: CtlConfig, args: argparse.Namespace) -> int:
    writer = _writer(client, args)
    manifests = load_manifests(args.filename, args.namespace or "", cfg.namespace)
    async for line in apply_all(writer, cfg, manifests):
        if args.output != "json":
            print(line, flush=True)
    return _done(writer, args, []) if args.output == "json" else 0


async def describe(client: Client, cfg: CtlConfig, args: argparse.Namespace) -> int:
    kind = lookup(args.kind)
    namespace = namespace_of(cfg, args)
    obj = await client.api(kind.service, "Get", kind.request("Get", namespace, name=args.name))
    now = time.time_ns()
    events: list[D.Event] = []
    pods_table = ""
    notes: list[str] = []
    pods: list[Any] = []
    if kind.name in ("App", "BatchJob", "Node"):
        extra = {"node_name": args.name} if kind.name == "Node" else {"owner_name": args.name}
        pods, _ = await list_all(client, PODS, namespace, {}, **extra)
        pods_table = T.get_table("Pod", pods, now) if pods else "<none>"
        for p in pods:
            events += D.condition_events(f"pod/{p.meta.name}", p.status.conditions)
    if kind.name in ("App", "BatchJob"):
        tasks, _ = await list_all(client, TASKS, namespace, {}, target_name=args.name)
        events += D.task_events(tasks)
    if kind.name in ("Pod", "Node", "App"):
        events += D.condition_events(f"{kind.name.lower()}/{args.name}", obj.status.conditions)
    if kind.name == "InterferenceRuleSet":  # no pods, records or decisions are about a rule set
        print(D.describe(kind.name, obj, now_ns=now, events=events))
        return 0
    records, _ = await list_all(client, EVENTS, "" if kind.name == "Node" else namespace, {})
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
    tasks_table = T.batch_tasks([obj]) if kind.name == "BatchJob" else ""
    print(
        D.describe(
            kind.name,
            obj,
            now_ns=now,
            pods_table=pods_table,
            tasks_table=tasks_table,
            events=events,
            notes=notes,
        )
    )
    return 0


async def scale(client: Client, cfg: CtlConfig, args: argparse.Namespace) -> int:
    if lookup(args.kind).name != "App":
        raise Invalid("kind", "only apps scale")
    if args.replicas < 0:
        raise Invalid("--replicas", "must not be negative")
    writer = _writer(client, args)
    ns = namespace_of(cfg, args)
    request = api.ScaleAppRequest(namespace=ns, name=args.name, replicas=args.replicas)
    if not writer.sends:  # the App must exist; the server checks the rest
        await client.api("Apps", "Get", api.GetAppRequest(namespace=ns, name=args.name))
    reply = await writer.send("Apps", "Scale", request)
    if reply is None:
        line = f"app/{args.name} scaled to {args.replicas}"
    else:
        line = T.scaled(reply.app, args.replicas, reply.task.meta.name)
    return _done(writer, args, [line + writer.suffix])


async def delete(client: Client, cfg: CtlConfig, args: argparse.Namespace) -> int:
    kind = lookup(args.kind)
    if not kind.deletable:
        raise Invalid("kind", f"{kind.aliases[0]} cannot be deleted")
    writer = _writer(client, args)
    ns = namespace_of(cfg, args) if kind.namespaced else cfg.system_namespace
    if not writer.sends:  # what would go must exist
        await client.api(kind.service, "Get", kind.request("Get", ns, name=args.name))
    reply = await writer.send(kind.service, "Delete", kind.request("Delete", ns, name=args.name))
    task = getattr(reply, "task", None)
    suffix = f" (task {task.meta.name})" if task is not None and task.meta.name else ""
    return _done(writer, args, [f"{kind.singular}/{args.name} deleted{suffix}{writer.suffix}"])


async def evict(client: Client, cfg: CtlConfig, args: argparse.Namespace) -> int:
    """Pods.Evict: refused (one line, exit 2) while the pod's App is at its budget's floor."""
    if lookup(args.kind).name != "Pod":
        raise Invalid("kind", "evict takes a pod: sigmactl evict pod NAME")
    ns = namespace_of(cfg, args)
    request = api.EvictPodRequest(namespace=ns, name=args.name, reason=args.reason)
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
    namespace = namespace_of(cfg, args)
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
    ns = namespace_of(cfg, args)
    if kind.name == "Node":
        nodes, _ = await list_all(client, NODES, ns, {})
        print(T.top_nodes(nodes))
        return 0
    if kind.name == "BatchJob":
        jobs, _ = await list_all(client, BATCH_JOBS, ns, selector(args.selector))
        print(T.batch_tasks(jobs, job_names=True))
        return 0
    if kind.name != "Pod":
        raise Invalid("kind", "top takes nodes, pods or batchjobs")
    pods, _ = await list_all(client, PODS, ns, selector(args.selector))
    running = [p for p in pods if p.spec.node_name and p.status.phase not in TERMINAL]
    measured: dict[str, Any] = {}
    try:
        request = colocator_pb2.ListPodUsageRequest(namespace=ns)
        reply = await client.call("colocator", "Colocator", "ListPodUsage", request)
        measured = {p.usage.pod_key: p.usage for p in reply.pods}
    except (NotServed, Unreachable) as exc:
        print(f"sigmactl: no measured usage: {exc}", file=sys.stderr)
    print(T.top_pods(running, measured, namespaces=not ns))
    return 0


async def budget(client: Client, cfg: CtlConfig, args: argparse.Namespace) -> int:
    request = colocator_pb2.ExplainBudgetRequest(node_name=args.node, limit=args.limit)
    reply = await client.call("colocator", "Colocator", "ExplainBudget", request)
    print(D.budget(reply))
    return 0
