"""Writes nodes, apps and pods into a store the way the apiserver would, and reads back."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sigma.resources.kinds import APP, NODE, NODE_ALLOCATION, POD
from sigma.scheduler.loop import Scheduler
from sigma.store import Store, create
from sigma.store.codec import decode, encode
from sigma.testing.wait import eventually
from sigma.v1 import app_pb2, meta_pb2, node_pb2, pod_pb2

MiB = 1 << 20


def make_node(
    name: str, cpu: int, mem: int, topology: tuple[str, str, str] | None = None
) -> node_pb2.Node:
    host, chassis, switch = topology or (name, "", "")
    return node_pb2.Node(
        meta=meta_pb2.ObjectMeta(name=name, uid=f"uid-{name}"),
        spec=node_pb2.NodeSpec(
            allocatable=meta_pb2.ResourceList(cpu_millis=cpu, memory_bytes=mem),
            capacity=meta_pb2.ResourceList(cpu_millis=cpu, memory_bytes=mem),
            cpu_count=cpu // 1000,
            topology=node_pb2.NodeTopology(host=host, chassis=chassis, core_switch=switch),
        ),
        status=node_pb2.NodeStatus(
            phase=node_pb2.NODE_PHASE_READY,
            batch_capacity=meta_pb2.ResourceList(cpu_millis=cpu // 2, memory_bytes=mem // 4),
        ),
    )


def make_pod(
    name: str, cpu: int, mem: int, *, ns: str = "t", qos: int = 3, priority: int = 0, app: str = ""
) -> pod_pb2.Pod:
    container = pod_pb2.Container(
        name="main",
        resources=pod_pb2.ResourceRequirements(
            requests=meta_pb2.ResourceList(cpu_millis=cpu, memory_bytes=mem)
        ),
    )
    return pod_pb2.Pod(
        meta=meta_pb2.ObjectMeta(namespace=ns, name=name, uid=f"uid-{ns}-{name}"),
        spec=pod_pb2.PodSpec(
            template=pod_pb2.PodTemplate(containers=[container]),
            qos_class=qos,  # type: ignore[arg-type]
            priority=priority,
            owner_kind=pod_pb2.POD_OWNER_KIND_APP if app else pod_pb2.POD_OWNER_KIND_UNSPECIFIED,
            owner_name=app,
        ),
        status=pod_pb2.PodStatus(phase=pod_pb2.POD_PHASE_PENDING),
    )


async def put_node(store: Store, node: node_pb2.Node) -> None:
    await create(store, NODE.key("", node.meta.name), encode(node))


async def put_pod(store: Store, pod: pod_pb2.Pod) -> None:
    await create(store, POD.key(pod.meta.namespace, pod.meta.name), encode(pod))


async def put_app(store: Store, app: app_pb2.App) -> None:
    await create(store, APP.key(app.meta.namespace, app.meta.name), encode(app))


async def pods(store: Store) -> list[pod_pb2.Pod]:
    listed = await store.list(POD.prefix)
    return [decode(pod_pb2.Pod, kv) for kv in listed.items]


async def allocations(store: Store) -> dict[str, node_pb2.NodeAllocation]:
    listed = await store.list(NODE_ALLOCATION.prefix)
    return {
        NODE_ALLOCATION.object_key(kv.key): decode(node_pb2.NodeAllocation, kv)
        for kv in listed.items
    }


@asynccontextmanager
async def running(*schedulers: Scheduler) -> AsyncIterator[None]:
    tasks = [asyncio.ensure_future(s.run()) for s in schedulers]
    try:
        yield
    finally:
        for t in tasks:
            t.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def bound_now(store: Store) -> dict[str, str]:
    return {p.meta.name: p.spec.node_name for p in await pods(store) if p.spec.node_name}


async def wait_bound(store: Store, count: int, timeout: float = 10.0) -> dict[str, str]:
    """Every pod seen bound so far, once there are ``count`` of them."""
    seen: dict[str, str] = {}

    async def enough() -> bool:
        seen.update(await bound_now(store))
        return len(seen) >= count

    await eventually(enough, timeout=timeout, what=f"{count} pods bound")
    return seen
