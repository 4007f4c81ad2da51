"""The slave agent on the real path: etcd as the store, Kafka as the bus, real processes.

The node registers (its record and its heartbeat key); a pod bound to it turns into a running
process and its status into Running with a cpuset, written by compare-and-swap; usage reports
arrive on the node-usage topic keyed by the node; marking the pod deleted (as the apiserver's
Delete does) stops the process and removes the pod's key. The session's etcd shows other
tests' objects, so everything here lives in its own namespace on its own node name.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from slave_helpers import LS, Slave, cleanup, config, pod, running

from sigma.bus import TopicSpec
from sigma.bus.kafka import KafkaBus
from sigma.errors import NotFound
from sigma.events import NODE_USAGE_TOPIC
from sigma.resources import NODE, POD, Repository
from sigma.resources.cpusets import format_cpuset
from sigma.resources.heartbeats import heartbeat_key
from sigma.store import Store, open_store
from sigma.testing.wait import eventually
from sigma.v1 import event_pb2, node_pb2, pod_pb2

pytestmark = [pytest.mark.etcd, pytest.mark.kafka]


@pytest.fixture
async def engines(etcd_engine, kafka_engine) -> AsyncIterator[tuple[Store, KafkaBus]]:  # type: ignore[no-untyped-def]
    store = open_store(etcd_engine.url)
    bus = KafkaBus(kafka_engine.bootstrap, request_timeout=5.0)
    try:
        await bus.ensure_topics([TopicSpec(NODE_USAGE_TOPIC)])
        yield store, bus
    finally:
        await bus.close()
        await store.close()


async def test_agent_on_etcd_and_kafka(engines: tuple[Store, KafkaBus], tmp_path: Path) -> None:
    store, bus = engines
    run = uuid.uuid4().hex[:8]
    node, ns = f"real-{run}", f"slave-{run}"
    pods = Repository(store, POD)
    usage = await bus.consumer(f"usage-{run}", [NODE_USAGE_TOPIC], start="latest")
    slave = Slave(store, bus, node, str(tmp_path / "state"), config())
    pids: set[int] = set()
    try:
        # Registered: the node's record, and its heartbeat key under a live lease.
        async def registered() -> bool:
            beat = await store.get(heartbeat_key(node))
            return beat is not None and beat.lease == slave.control.lease.id != 0

        await eventually(registered, timeout=10, what="heartbeat key")
        record = await Repository(store, NODE).get("", node)
        assert record.status.phase == node_pb2.NODE_PHASE_READY
        assert record.spec.cpu_count == slave.agent.config.cpu_count

        created = await pods.create(pod("web", LS, ["sleep", "30"], node, namespace=ns))

        async def running_with_cpuset() -> pod_pb2.Pod | None:
            p = await pods.get(ns, "web")
            ok = p.status.phase == pod_pb2.POD_PHASE_RUNNING and p.status.cpuset
            return p if ok else None

        web = await eventually(running_with_cpuset, timeout=10, what="pod Running")
        assert web.meta.resource_version > created.meta.resource_version
        state = slave.runtime.pods()[f"{ns}/web"]
        pids |= set(state.pids)
        assert all(running(p) for p in state.pids)
        assert web.status.cpuset == format_cpuset(state.cpus)

        report = await _usage_of(usage, node, f"{ns}/web")
        assert report.capacity.cpu_millis == slave.agent.config.cpu_count * 1000
        assert report.usage.memory_bytes > 0

        def mark(p: pod_pb2.Pod) -> None:  # what the apiserver's Delete writes
            p.meta.deletion_timestamp.GetCurrentTime()

        await pods.mutate(ns, "web", mark)

        async def gone() -> bool:
            try:
                await pods.get(ns, "web")
            except NotFound:
                return True
            return False

        await eventually(gone, timeout=10, what="pod key removed")
        assert not any(running(p) for p in state.pids)
        assert f"{ns}/web" not in slave.runtime.pods()
    finally:
        await usage.close()
        await cleanup(slave, pids)


async def _usage_of(consumer, node: str, pod_key: str) -> event_pb2.NodeUsageReport:  # type: ignore[no-untyped-def]
    """The first report from ``node`` that lists ``pod_key``; reports are keyed by node."""
    async with asyncio.timeout(15):
        while True:
            for message in await consumer.fetch(timeout=1.0):
                if message.key != node:
                    continue
                report = event_pb2.NodeUsageReport.FromString(message.value)
                assert report.node_name == node
                if any(p.pod_key == pod_key for p in report.pods):
                    return report
