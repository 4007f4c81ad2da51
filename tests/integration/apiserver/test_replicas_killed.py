"""Two `sigma apiserver` processes on real etcd and Kafka; the one expanding an App is SIGKILLed.

What the apiserver promises: the surviving replica finishes the task, exactly 50 pods exist,
none was created twice, and the Kafka change stream holds a creation event for every pod.
"""

from __future__ import annotations

import asyncio
import re
import signal
import subprocess
import sys
import uuid
from asyncio.subprocess import Process
from collections import defaultdict

import pytest

from sigma import events, rpc
from sigma.apiserver import samples
from sigma.bus import open_bus
from sigma.resources import POD, Repository
from sigma.store import open_store
from sigma.v1 import apiserver_pb2, apiserver_pb2_grpc, event_pb2, task_pb2

pytestmark = [pytest.mark.etcd, pytest.mark.kafka]
REPLICAS = 50


async def _start(name: str, ns: str, etcd_url: str, kafka_url: str) -> tuple[Process, str]:
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "sigma.cli", "apiserver",
        "--store", etcd_url, "--bus", kafka_url, "--listen", "127.0.0.1:0",
        "--identity", name, "--namespaces", f"{ns},system",
        # Paced so the kill lands mid-expansion; short claims so the takeover is quick.
        "--task-step-size", "2", "--task-step-interval", "0.1", "--task-lease-ttl", "3",
        "--log-level", "warning",
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    assert proc.stdout is not None
    line = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode()
    match = re.match(r"apiserver\s+grpc (\S+)", line)
    assert match, f"{name} did not start: {line!r}"
    return proc, match.group(1)


async def _pod_creations(kafka_url: str, ns: str, want: int) -> dict[str, set[int]]:
    """Creation revisions per pod key in ``ns``, read from the pod topic from the beginning."""
    bus = open_bus(kafka_url)
    seen: dict[str, set[int]] = defaultdict(set)
    try:
        consumer = await bus.consumer(f"check-{uuid.uuid4().hex[:6]}", [events.topic_for("Pod")])
        async with consumer, asyncio.timeout(60):
            while len(seen) < want:
                for message in await consumer.fetch(timeout=1.0):
                    event = events.decode(message)
                    if event.type == event_pb2.EVENT_TYPE_ADDED and event.key.startswith(f"{ns}/"):
                        seen[event.key].add(event.revision)
    finally:
        await bus.close()
    return seen


async def test_replica_killed_mid_expansion(etcd_engine, kafka_engine) -> None:  # type: ignore[no-untyped-def]
    ns = f"kill-{uuid.uuid4().hex[:6]}"
    procs: dict[str, Process] = {}
    addresses: list[str] = []
    store = open_store(etcd_engine.url)
    try:
        for name in ("replica-a", "replica-b"):
            procs[name], address = await _start(name, ns, etcd_engine.url, kafka_engine.url)
            addresses.append(address)
        async with rpc.channel(addresses) as channel:
            apps = apiserver_pb2_grpc.AppsStub(channel)
            tasks = apiserver_pb2_grpc.TasksStub(channel)
            app = samples.app("web", replicas=REPLICAS)
            created = await rpc.unary(
                apps.Create, apiserver_pb2.CreateAppRequest(namespace=ns, app=app)
            )
            task_name = created.task.meta.name
            pods = Repository(store, POD)

            # Kill whichever replica holds the task once it is part way through.
            async with asyncio.timeout(30):
                while True:
                    task = await rpc.unary(
                        tasks.Get, apiserver_pb2.GetTaskRequest(namespace=ns, name=task_name)
                    )
                    count = len(await pods.list_all(ns))
                    if task.status.owner in procs and 4 <= count <= REPLICAS - 10:
                        break
                    await asyncio.sleep(0.02)
            victim = task.status.owner
            procs[victim].send_signal(signal.SIGKILL)
            await procs[victim].wait()
            killed_at = count

            async with asyncio.timeout(60):
                while task.status.state != task_pb2.TASK_STATE_SUCCEEDED:
                    await asyncio.sleep(0.2)
                    task = await rpc.unary(
                        tasks.Get, apiserver_pb2.GetTaskRequest(namespace=ns, name=task_name)
                    )
        survivor = next(name for name in procs if name != victim)
        # At least the victim's claim and the survivor's (on a loaded machine the survivor may
        # miss a renewal of its 3 s lease and claim its task again).
        assert task.status.owner == survivor and task.status.attempts >= 2
        names = sorted(p.meta.name for p in await pods.list_all(ns))
        assert names == sorted(f"web-{i}" for i in range(REPLICAS))

        creations = await _pod_creations(kafka_engine.url, ns, REPLICAS)
        assert sorted(creations) == sorted(f"{ns}/{n}" for n in names)
        twice = {key: revs for key, revs in creations.items() if len(revs) > 1}
        assert twice == {}, f"pods created more than once: {twice}"
        print(f"killed {victim} at {killed_at}/{REPLICAS} pods; {survivor} finished the task")
    finally:
        for proc in procs.values():
            if proc.returncode is None:
                proc.send_signal(signal.SIGTERM)
        for proc in procs.values():
            try:
                await asyncio.wait_for(proc.wait(), 15)
            except TimeoutError:
                proc.kill()
                await proc.wait()
        await store.close()
