"""Two colocator replicas on real Kafka + etcd split the nodes by partition.

Each replica runs in its own process with a different reserve, so the batch capacity written to
a node tells which replica wrote it (4800 m: A, 4700 m: B). While both run, every node keeps one
writer and together they cover every node; after A is killed (SIGKILL, no leave-group), B takes
its partitions once the 2 s session timeout has passed.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from sigma.bus import TopicSpec
from sigma.bus.kafka import KafkaBus
from sigma.bus.memory import partition_for
from sigma.resources import NODE, Repository
from sigma.store import open_store
from sigma.testing.wait import eventually

from .colo_helpers import add_node, report

pytestmark = [pytest.mark.etcd, pytest.mark.kafka]
PARTITIONS = 4
A, B = 4800, 4700  # 6500 - 1000 online - 500 system - reserve (200 / 300)
SCRIPT = Path(__file__).with_name("replica_main.py")


def node_names(run: str) -> list[str]:
    """Two nodes per partition, so both replicas always own some nodes."""
    names: list[str] = []
    per: dict[int, int] = {}
    i = 0
    while len(names) < 2 * PARTITIONS:
        name = f"colo-{run}-{i}"
        p = partition_for(name, PARTITIONS)
        if per.get(p, 0) < 2:
            per[p] = per.get(p, 0) + 1
            names.append(name)
        i += 1
    return names


async def test_two_replicas_split_the_nodes_and_survive_a_kill(etcd_engine, kafka_engine) -> None:  # type: ignore[no-untyped-def]
    run = uuid.uuid4().hex[:8]
    usage, decisions, group = f"usage-{run}", f"decisions-{run}", f"colocator-{run}"
    store = open_store(etcd_engine.url)
    bus = KafkaBus(kafka_engine.bootstrap, request_timeout=5.0)
    await bus.ensure_topics([TopicSpec(usage, PARTITIONS), TopicSpec(decisions, PARTITIONS)])
    names = node_names(run)
    for name in names:
        await add_node(store, name)
    nodes = Repository(store, NODE)
    stop = asyncio.Event()

    async def publish() -> None:
        while not stop.is_set():
            for name in names:
                await bus.publish(usage, name, report(name, time.time(), 1000).SerializeToString())
            await asyncio.sleep(0.2)

    async def writers() -> dict[str, int]:
        return {n: (await nodes.get("", n)).status.batch_capacity.cpu_millis for n in names}

    def replica(reserve: int) -> subprocess.Popen[bytes]:
        args = [etcd_engine.url, kafka_engine.bootstrap, usage, decisions, group, str(reserve)]
        return subprocess.Popen([sys.executable, str(SCRIPT), *args])

    publisher = asyncio.create_task(publish())
    proc_a, proc_b = replica(200), replica(300)
    try:

        async def split() -> bool:
            """Both write, and the same nodes for a second: the group's rebalance has settled."""
            first = await writers()
            await asyncio.sleep(1.0)
            return set(first.values()) == {A, B} and await writers() == first

        await eventually(split, timeout=60, what="both replicas writing, settled")
        # steady state: over 3 s, each node keeps one writer and the two cover all nodes
        seen: dict[str, set[int]] = {n: set() for n in names}
        updated: dict[str, set[int]] = {n: set() for n in names}
        end = time.monotonic() + 3.0
        while time.monotonic() < end:
            for name in names:
                node = await nodes.get("", name)
                seen[name].add(node.status.batch_capacity.cpu_millis)
                updated[name].add(node.status.batch_capacity_updated_at.ToNanoseconds())
            await asyncio.sleep(0.1)
        assert all(len(values) == 1 for values in seen.values()), seen
        owners = {next(iter(v)) for v in seen.values()}
        assert owners == {A, B}
        assert all(len(stamps) >= 5 for stamps in updated.values())  # written all along
        a_nodes = [n for n in names if seen[n] == {A}]
        print(f"\nsplit: A writes {len(a_nodes)} nodes, B {len(names) - len(a_nodes)}")

        proc_a.kill()  # no leave-group: the broker must notice the silence
        killed = time.monotonic()

        async def b_has_all() -> bool:
            return set((await writers()).values()) == {B}

        await eventually(b_has_all, timeout=30, what="B taking over A's nodes")
        took = time.monotonic() - killed
        print(f"B took over A's {len(a_nodes)} nodes {took:.1f} s after the kill")
        assert took >= 1.0  # not before the session timeout could have expired
    finally:
        stop.set()
        await publisher
        for proc in (proc_a, proc_b):
            proc.kill()
            proc.wait()
        await bus.close()
        await store.close()
