"""A slave cut off from the masters past its node lease: split brain handled.

node-a's slave runs inside a network namespace and holds every pod of an App (real processes,
the process runtime); node-b's slave runs beside the masters. The test cuts node-a's link.
node-a's slave fences itself (stops the pods) ``fence_after`` seconds after its last renewal;
the masters move the pods to node-b once the lease has lapsed and their node grace has
passed. After the link heals, nothing runs twice and the App is whole on node-b. The pods'
processes are read from the machine itself, so a pod running on both nodes is seen as such,
whatever the store says.
"""

from __future__ import annotations

import asyncio
import contextlib
import time

import pytest

from sigma import rpc
from sigma.slave.fence import double_run_bound
from sigma.v1 import apiserver_pb2 as api
from sigma.v1 import apiserver_pb2_grpc as stubs
from sigma.v1 import app_pb2, meta_pb2, node_pb2, pod_pb2
from tests.partition._figures import record
from tests.partition._netns import netns, skip_reason
from tests.partition._stack import FULL, TIMEOUT, DoubleRuns, Stack, logged, stack, until

pytestmark = [
    pytest.mark.skipif(skip_reason() is not None, reason=skip_reason() or ""),
    pytest.mark.timeout(TIMEOUT),
]

NS = "default"
# Seconds: the node lease, how long the slave waits before it fences, the masters' node
# grace, how long the link stays cut, and the App's size.
TTL, FENCE, GRACE, CUT, REPLICAS = (5, 8.0, 8.0, 40.0, 8) if FULL else (3, 4.0, 4.0, 10.0, 3)
STOP = 2.0  # the pods' termination grace (--grace): SIGTERM to SIGKILL


def sleeper_app(name: str, replicas: int) -> app_pb2.App:
    container = pod_pb2.Container(
        name="main",
        command=["sleep", "86400"],
        resources=pod_pb2.ResourceRequirements(
            requests=meta_pb2.ResourceList(cpu_millis=10, memory_bytes=16 << 20)
        ),
    )
    return app_pb2.App(
        meta=meta_pb2.ObjectMeta(name=name),
        spec=app_pb2.AppSpec(
            replicas=replicas,
            template=pod_pb2.PodTemplate(containers=[container]),
            qos_class=meta_pb2.QOS_CLASS_LS,
        ),
    )


async def _running_on(s: Stack, node: str, want: int) -> bool:
    pods = [p for p in await s.pods(NS) if p.spec.owner_name == "web"]
    return len(pods) == want and all(
        p.spec.node_name == node and p.status.phase == pod_pb2.POD_PHASE_RUNNING for p in pods
    )


async def _ready(s: Stack, node: str) -> bool:
    got = await s.node(node)
    return got is not None and got.status.phase == node_pb2.NODE_PHASE_READY


async def test_a_cut_off_slave_fences_its_pods_and_nothing_runs_twice() -> None:
    began = time.monotonic()
    nodes = {"node-a", "node-b"}
    with netns() as ns:
        async with stack() as s:
            apiserver, address = await s.tier(
                "apiserver",
                "apiserver",
                ["--kube-listen", "", "--node-grace", str(GRACE), "--task-lease-ttl", "3"],
            )
            await s.tier("scheduler", "scheduler", [])
            lease = ["--heartbeat-ttl", str(TTL), "--heartbeat-interval", "0.5"]
            fence = ["--fence-after", str(FENCE), "--node-grace", str(GRACE)]
            slave_a = await s.slave("node-a", ns, *lease, *fence)
            async with rpc.channel(address) as channel:
                request = api.CreateAppRequest(namespace=NS, app=sleeper_app("web", REPLICAS))
                await rpc.unary(stubs.AppsStub(channel).Create, request)
            await until(lambda: _running_on(s, "node-a", REPLICAS), "App on node-a", 60)
            await s.slave("node-b", None, *lease, *fence)
            await until(lambda: _ready(s, "node-b"), "node-b ready", 30)

            runs = DoubleRuns(nodes)
            sampler = asyncio.ensure_future(runs.run())
            try:
                assert set(runs.sample()) and all(w == {"node-a"} for w in runs.last.values())
                cut_at = time.monotonic()
                ns.cut()
                fenced = await until(
                    lambda: not any("node-a" in w for w in runs.last.values()),
                    "node-a's pod processes stopped by its slave",
                    TTL + GRACE + 30,
                )
                try:
                    moved = await until(
                        lambda: _running_on(s, "node-b", REPLICAS),
                        "the App running on node-b",
                        TTL + GRACE + 60,
                    )
                except AssertionError as exc:
                    raise AssertionError(f"{exc}\n{await s.describe(NS)}") from None
                moved += fenced
                await asyncio.sleep(max(0.0, CUT - (time.monotonic() - cut_at)))
                cut_for = time.monotonic() - cut_at
                ns.heal()
                converged = await until(
                    lambda: _whole_and_single(s, runs),
                    "node-a ready again and the App whole, each pod running once",
                    60,
                )
                await asyncio.sleep(3.0)  # a stale restart on node-a would show here
            finally:
                sampler.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await sampler
            final = runs.sample()
            assert all(w == {"node-b"} for w in final.values()) and len(final) == REPLICAS
            fences = logged(slave_a, "pods fenced")
            lifted = logged(slave_a, "fence lifted")
            assert fences and lifted, slave_a.log_tail()
            assert runs.max_seconds == 0.0, runs.longest
            # node-a's slave stopped its last pod before node-b ran the first moved one.
            assert runs.last_on["node-a"] < runs.first_on["node-b"]
            assert await _running_on(s, "node-b", REPLICAS)
            assert apiserver.running

    figures = {
        "suite": "partition",
        "fault": "slave cut off from the masters",
        "size": "full" if FULL else "reduced",
        "replicas": REPLICAS,
        "lease_ttl_seconds": TTL,
        "fence_after_seconds": FENCE,
        "node_grace_seconds": GRACE,
        "cut_seconds": round(cut_for, 2),
        "fenced_after_cut_seconds": round(fenced, 2),
        "first_moved_pod_running_after_cut_seconds": round(runs.first_on["node-b"] - cut_at, 2),
        "moved_after_cut_seconds": round(moved, 2),
        "converge_after_heal_seconds": round(converged, 2),
        "max_double_run_seconds": round(runs.max_seconds, 2),
        "double_run_bound_seconds": double_run_bound(FENCE, TTL, GRACE, STOP),
        "pods_stopped_by_fence": sum(int(f.get("stopping", 0)) for f in fences),
        "samples": runs.samples,
        "wall_seconds": round(time.monotonic() - began, 1),
    }
    record(figures, s.logs)


async def _whole_and_single(s: Stack, runs: DoubleRuns) -> bool:
    seen = runs.last
    single = len(seen) == REPLICAS and all(len(w) == 1 for w in seen.values())
    return single and await _ready(s, "node-a") and await _running_on(s, "node-b", REPLICAS)
