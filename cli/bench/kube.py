"""``sigma bench kube``: the Kubernetes API's reads against the gRPC door's, in the same run.

One apiserver ``Api`` over the embedded store holds ``--pods`` pods; its gRPC services and its
Kubernetes door listen on loopback. Measured, each by a real client over a real socket: a list
of every pod, paged (``limit``/``continue`` against ``page_size``/``page_token``), as JSON and as
the protobuf messages; ``--gets`` single-pod GETs; and a watch: ``--watchers`` HTTP watches
open while ``--changes`` pod changes are written, timed until every watcher has read every
change. Each door's figure is printed with the Kubernetes one's ratio to the gRPC one.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp

from sigma import rpc
from sigma.apiserver.api import Api
from sigma.apiserver.kube.calls import Backend
from sigma.apiserver.kube.door import Door, KubeServer
from sigma.apiserver.settings import ApiServerSettings
from sigma.apiserver.tier import services
from sigma.auth import Security
from sigma.cli.bench import emit
from sigma.resources import POD, Repository
from sigma.store.memory import MemoryStore
from sigma.v1 import apiserver_pb2, apiserver_pb2_grpc, meta_pb2, pod_pb2

NS = "default"
PODS = f"/api/v1/namespaces/{NS}/pods"
PAGE = 500


def pod(i: int) -> pod_pb2.Pod:
    """A pod as an App's task worker stamps one, placed on a node and running."""
    out = pod_pb2.Pod(meta=meta_pb2.ObjectMeta(namespace=NS, name=f"web-{i}"))
    out.meta.labels["app"] = "web"
    out.spec.node_name, out.spec.qos_class = f"n{i % 100}", meta_pb2.QOS_CLASS_LS
    c = out.spec.template.containers.add(name="main", image="web:1", command=["serve"])
    c.resources.requests.cpu_millis, c.resources.requests.memory_bytes = 500, 1 << 30
    out.status.phase = pod_pb2.POD_PHASE_RUNNING
    return out


async def timed(work: Callable[[], Awaitable[Any]]) -> tuple[float, Any]:
    start = time.perf_counter()
    result = await work()
    return time.perf_counter() - start, result


async def kube_list(session: aiohttp.ClientSession, base: str) -> int:
    count, token = 0, ""
    while True:
        params = {"limit": str(PAGE), "continue": token}
        async with session.get(base + PODS, params=params) as answer:
            body = json.loads(await answer.read())
        count += len(body["items"])
        token = body["metadata"].get("continue", "")
        if not token:
            return count


async def grpc_list(stub: apiserver_pb2_grpc.PodsStub) -> int:
    count, token = 0, ""
    while True:
        request = apiserver_pb2.ListPodsRequest(namespace=NS, page_size=PAGE, page_token=token)
        answer = await stub.List(request, timeout=rpc.DEFAULT_TIMEOUT)
        count += len(answer.items)
        token = answer.next_page_token
        if not token:
            return count


async def kube_gets(session: aiohttp.ClientSession, base: str, n: int, pods: int) -> None:
    for i in range(n):
        async with session.get(f"{base}{PODS}/web-{i % pods}") as answer:
            json.loads(await answer.read())


async def grpc_gets(stub: apiserver_pb2_grpc.PodsStub, n: int, pods: int) -> None:
    for i in range(n):
        request = apiserver_pb2.GetPodRequest(namespace=NS, name=f"web-{i % pods}")
        await stub.Get(request, timeout=rpc.DEFAULT_TIMEOUT)


async def watch_fanout(
    session: aiohttp.ClientSession,
    base: str,
    repo: Repository[pod_pb2.Pod],
    watchers: int,
    changes: int,
) -> float:
    """Seconds from the first change written until every watcher has read all of them."""
    revision = await repo.store.revision()
    params = {"watch": "1", "resourceVersion": str(revision)}
    answers = [await session.get(base + PODS, params=params) for _ in range(watchers)]

    async def read(answer: aiohttp.ClientResponse) -> None:
        seen = 0
        while seen < changes:
            line = await answer.content.readline()
            seen += json.loads(line)["type"] == "MODIFIED"

    readers = [asyncio.ensure_future(read(a)) for a in answers]
    start = time.perf_counter()
    for i in range(changes):
        current = await repo.get(NS, f"web-{i}")
        current.status.restart_count += 1
        await repo.update(current)
    await asyncio.gather(*readers)
    took = time.perf_counter() - start
    for answer in answers:
        answer.close()
    return took


async def run(args: argparse.Namespace) -> list[dict[str, Any]]:
    store = MemoryStore()
    repo = Repository(store, POD)
    for i in range(args.pods):
        await repo.create(pod(i))
    api = Api(store, ApiServerSettings(namespaces=(NS,), watch_bookmark_interval=60.0))
    config = rpc.ServerConfig(port=0, grace=0.0, default_deadline=60.0)
    grpc_server = rpc.RpcServer(services(api), config)
    kube = KubeServer(Door(Backend(api, Security().guard())), "127.0.0.1", 0, None)
    await grpc_server.start()
    await kube.start()
    base = f"http://{kube.address}"
    out = []
    try:
        async with (
            rpc.channel(grpc_server.address) as channel,
            aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=600)) as session,
        ):
            stub = apiserver_pb2_grpc.PodsStub(channel)
            k, listed = await timed(lambda: kube_list(session, base))
            g, _ = await timed(lambda: grpc_list(stub))
            assert listed == args.pods, listed
            out.append(_row("list", args.pods, k, g, s_kube=round(k, 3), s_grpc=round(g, 3)))
            k, _ = await timed(lambda: kube_gets(session, base, args.gets, args.pods))
            g, _ = await timed(lambda: grpc_gets(stub, args.gets, args.pods))
            out.append(_row("get", args.gets, k, g))
            w = await watch_fanout(session, base, repo, args.watchers, args.changes)
            delivered = args.changes * args.watchers
            out.append(
                {
                    "bench": "kube",
                    "op": "watch",
                    "watchers": args.watchers,
                    "changes": args.changes,
                    "changes_per_s": round(args.changes / w),
                    "events_delivered_per_s": round(delivered / w),
                }
            )
    finally:
        await kube.stop()
        await grpc_server.stop()
        await store.close()
    return out


def _row(op: str, n: int, kube: float, grpc: float, **extra: Any) -> dict[str, Any]:
    return {
        "bench": "kube",
        "op": op,
        "n": n,
        "per_s_kube": round(n / kube),
        "per_s_grpc": round(n / grpc),
        "kube_x_grpc": round(grpc / kube, 2),
        **extra,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sigma bench kube", description=__doc__)
    parser.add_argument("--pods", type=int, default=10_000, help="pods listed")
    parser.add_argument("--gets", type=int, default=1_000, help="single-pod GETs")
    parser.add_argument("--watchers", type=int, default=10, help="watches open at once")
    parser.add_argument("--changes", type=int, default=1_000, help="changes each watch reads")
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    args = parser.parse_args(argv)
    for flag in ("pods", "gets", "watchers", "changes"):
        if getattr(args, flag) < 1:
            parser.error(f"--{flag}: {getattr(args, flag)} is below 1")
    if args.changes > args.pods:
        parser.error(f"--changes: {args.changes} is more than --pods {args.pods}")
    for result in asyncio.run(run(args)):
        emit(result, as_json=args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
