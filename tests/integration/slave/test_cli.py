"""``sigma slave`` as its own process on etcd and Kafka: it starts, registers its node, answers
the admin service, runs a pod, and stops cleanly on SIGTERM.

On SIGTERM the agent stops its loops and exits 0, and its pods keep running: stopping an agent
(an upgrade, a crash, a restart) must not take online services down with it, and the state dir
lets the next agent on the node adopt them with the same pids. Stopping pods is what deleting
them, or the admin Drain, is for. The test adopts the left pod with a runtime of its own and
stops it, so nothing outlives the test.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import grpc
import pytest
from slave_helpers import LS, alive_children, assert_no_leaks, pod, running

from sigma.errors import NotFound
from sigma.resources import NODE, POD, Repository
from sigma.resources.heartbeats import heartbeat_key
from sigma.slave.runtime.process import ProcessRuntime
from sigma.store import open_store
from sigma.testing.wait import eventually
from sigma.v1 import pod_pb2, slave_pb2, slave_pb2_grpc

pytestmark = [pytest.mark.etcd, pytest.mark.kafka]


async def test_sigma_slave_process(etcd_engine, kafka_engine, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    run = uuid.uuid4().hex[:8]
    node, ns, state = f"cli-{run}", f"slave-cli-{run}", str(tmp_path / "state")
    before = alive_children()
    store = open_store(etcd_engine.url)
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "sigma.cli", "slave", "--node", node,
        "--store", etcd_engine.url, "--bus", kafka_engine.url, "--listen", "127.0.0.1:0",
        "--state-dir", state, "--heartbeat-interval", "1", "--usage-interval", "1",
        "--log-level", "warning",
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    pids: set[int] = set()
    try:
        assert proc.stdout is not None
        line = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode()
        match = re.match(r"slave\s+grpc (\S+)", line)
        assert match, f"sigma slave did not start: {line!r}"

        async with grpc.aio.insecure_channel(match.group(1)) as channel:
            stub = slave_pb2_grpc.SlaveStub(channel)

            async def status() -> slave_pb2.GetNodeStatusResponse | None:
                got = await stub.GetNodeStatus(slave_pb2.GetNodeStatusRequest(), timeout=5)
                return got if got.lease_id else None

            got = await eventually(status, timeout=10, what="node status with a lease")
        assert got.node.meta.name == node and got.runtime == "process"
        assert await store.get(heartbeat_key(node)) is not None
        assert (await Repository(store, NODE).get("", node)).meta.name == node

        pods = Repository(store, POD)
        await pods.create(pod("web", LS, ["sleep", "30"], node, namespace=ns))

        async def is_running() -> bool:
            return (await pods.get(ns, "web")).status.phase == pod_pb2.POD_PHASE_RUNNING

        await eventually(is_running, timeout=10, what="pod Running")

        proc.send_signal(signal.SIGTERM)
        code = await asyncio.wait_for(proc.wait(), 10)
        assert code == 0, (await proc.stderr.read()).decode()[-2000:] if proc.stderr else code

        # What the next agent on this node adopts (the finally clause then stops it).
        adopted = {p.key: p for p in ProcessRuntime(node, state).adopt()}
        assert set(adopted) == {f"{ns}/web"} and adopted[f"{ns}/web"].running
        pids = set(adopted[f"{ns}/web"].pids)
        assert all(running(p) for p in pids)  # the agent is gone; its pod is not
    finally:
        if proc.returncode is None:
            with contextlib.suppress(ProcessLookupError):
                proc.kill()
            await proc.wait()
        pids |= await _stop_left_pods(node, state)
        with contextlib.suppress(NotFound):
            await Repository(store, POD).delete(ns, "web")
        await store.close()
    assert_no_leaks(pids, before)  # also: no pod pid alive


async def _stop_left_pods(node: str, state: str) -> set[int]:
    """Adopt whatever the agent left on the node and stop it; returns the pids it had."""
    left = ProcessRuntime(node, state)
    pids: set[int] = set()
    for adopted in left.adopt():
        pids |= set(adopted.pids)
        if adopted.running:
            await left.stop(adopted.key, 0.5)
        left.forget(adopted.key)
    await left.close()
    return pids
