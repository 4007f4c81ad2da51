"""Two colocator replicas on real Kafka + etcd split the nodes by partition.

Each replica runs in its own process with a different reserve, so the batch capacity written to
a node tells which replica wrote it (4800 m: A, 4700 m: B). While both run, every node keeps one
writer and together they cover every node; after A is killed (SIGKILL, no leave-group), B takes
its partitions once the 2 s session timeout has passed.
"""

from __future__ import annotations

import asyncio
import contextlib
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from sigma.bus import TopicSpec
from sigma.bus.kafka import KafkaBus
from sigma.bus.memory import partition_for
from sigma.resources import NODE, Repository
from sigma.store import open_store
from sigma.testing.wait import eventually, took

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


@dataclass
class _Colocation:
    """This test's nodes on the session's etcd, and the colocator replicas started for them."""

    etcd: str
    bootstrap: str
    run: str
    nodes: Repository
    names: list[str]
    procs: list[subprocess.Popen[bytes]] = field(default_factory=list)

    def replica(self, reserve: int) -> subprocess.Popen[bytes]:
        """A replica in its own process, with its own reserve (which tells its writes apart)."""
        run = self.run
        topics = [f"usage-{run}", f"decisions-{run}", f"colocator-{run}"]
        args = [self.etcd, self.bootstrap, *topics, str(reserve)]
        proc = subprocess.Popen([sys.executable, str(SCRIPT), *args])
        self.procs.append(proc)
        return proc

    async def writers(self) -> dict[str, int]:
        """Each node's batch capacity, which names the replica that last wrote it."""
        return {
            n: (await self.nodes.get("", n)).status.batch_capacity.cpu_millis for n in self.names
        }

    async def split(self) -> bool:
        """Both write, and the same nodes for a second: the group's rebalance has settled."""
        first = await self.writers()
        await asyncio.sleep(1.0)
        return set(first.values()) == {A, B} and await self.writers() == first

    async def b_has_all(self) -> bool:
        return set((await self.writers()).values()) == {B}

    async def sample(self, seconds: float) -> tuple[dict[str, set[int]], dict[str, set[int]]]:
        """Every node's writers (by the capacity written) and write times over ``seconds``."""
        seen: dict[str, set[int]] = {n: set() for n in self.names}
        updated: dict[str, set[int]] = {n: set() for n in self.names}
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            for name in self.names:
                node = await self.nodes.get("", name)
                seen[name].add(node.status.batch_capacity.cpu_millis)
                updated[name].add(node.status.batch_capacity_updated_at.ToNanoseconds())
            await asyncio.sleep(0.1)
        return seen, updated


async def _publish_usage(bus: KafkaBus, topic: str, names: list[str], stop: asyncio.Event) -> None:
    """Every node reports 1000 m of online usage every 0.2 s until ``stop``."""
    while not stop.is_set():
        for name in names:
            await bus.publish(topic, name, report(name, time.time(), 1000).SerializeToString())
        await asyncio.sleep(0.2)


@contextlib.asynccontextmanager
async def _colocation(etcd_engine, kafka_engine) -> AsyncIterator[_Colocation]:  # type: ignore[no-untyped-def]
    """Topics and nodes of a run of its own, usage flowing; at the end every replica is killed."""
    run = uuid.uuid4().hex[:8]
    usage, decisions = f"usage-{run}", f"decisions-{run}"
    store = open_store(etcd_engine.url)
    bus = KafkaBus(kafka_engine.bootstrap, request_timeout=5.0)
    await bus.ensure_topics([TopicSpec(usage, PARTITIONS), TopicSpec(decisions, PARTITIONS)])
    names = node_names(run)
    for name in names:
        await add_node(store, name)
    colo = _Colocation(etcd_engine.url, kafka_engine.bootstrap, run, Repository(store, NODE), names)
    stop = asyncio.Event()
    publisher = asyncio.create_task(_publish_usage(bus, usage, names, stop))
    try:
        yield colo
    finally:
        stop.set()
        await publisher
        for proc in colo.procs:
            proc.kill()
            proc.wait()
        await bus.close()
        await store.close()


async def test_two_replicas_split_the_nodes_and_survive_a_kill(etcd_engine, kafka_engine) -> None:  # type: ignore[no-untyped-def]
    async with _colocation(etcd_engine, kafka_engine) as colo:
        proc_a, _ = colo.replica(200), colo.replica(300)
        await eventually(colo.split, timeout=60, what="both replicas writing, settled")
        # steady state: over 3 s, each node keeps one writer and the two cover all nodes
        seen, updated = await colo.sample(3.0)
        assert all(len(values) == 1 for values in seen.values()), seen
        owners = {next(iter(v)) for v in seen.values()}
        assert owners == {A, B}
        assert all(len(stamps) >= 5 for stamps in updated.values())  # written all along
        a_nodes = [n for n in colo.names if seen[n] == {A}]
        print(f"\nsplit: A writes {len(a_nodes)} nodes, B {len(colo.names) - len(a_nodes)}")

        proc_a.kill()  # no leave-group: the broker must notice the silence
        seconds = await took(colo.b_has_all, timeout=30, what="B taking over A's nodes")
        print(f"B took over A's {len(a_nodes)} nodes {seconds:.1f} s after the kill")
        assert seconds >= 1.0  # not before the session timeout could have expired
