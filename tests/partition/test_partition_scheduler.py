"""A scheduler replica cut off from etcd, and one paused (SIGSTOP): the other replica places
what arrives meanwhile, and the stopped or cut-off one commits nothing stale afterwards.

Scheduler replicas hold no lease: each binding is one transaction comparing the pods it binds
and the node's allocation record at the revisions the replica read (see
``tests/integration/scheduler/test_scheduler_stale_replica.py``). Here the whole tier runs as
processes: after the fault heals, every pod is bound exactly once, each node's allocation
record lists exactly the pods bound there, and no node is over-committed. The figures count
the bindings the store turned away from the faulted replica (its conflicts metric) from the
fault until the check: its stale ones, and the ordinary races of two replicas after the heal.
"""

from __future__ import annotations

import asyncio
import signal
import time
import urllib.request
from collections import Counter

import pytest

from sigma import rpc
from sigma.engines._process import free_port
from sigma.resources import NODE_ALLOCATION
from sigma.store.codec import decode
from sigma.v1 import apiserver_pb2 as api
from sigma.v1 import apiserver_pb2_grpc as stubs
from sigma.v1 import node_pb2, pod_pb2
from tests.chaos._cluster import TierProcess
from tests.partition._figures import record
from tests.partition._netns import Netns, netns, skip_reason
from tests.partition._stack import FULL, TIMEOUT, Stack, stack, until
from tests.partition.test_partition_slave import sleeper_app

pytestmark = [
    pytest.mark.skipif(skip_reason() is not None, reason=skip_reason() or ""),
    pytest.mark.timeout(TIMEOUT),
]

NS = "default"
# Seconds the fault lasts (longer than every lease here: nodes 3 s, tasks 3 s), and pods per App.
FAULT, PODS = (30.0, 200) if FULL else (5.0, 24)
NODES = 2
TERMINAL = (pod_pb2.POD_PHASE_SUCCEEDED, pod_pb2.POD_PHASE_FAILED, pod_pb2.POD_PHASE_EVICTED)


async def _masters(s: Stack) -> str:
    args = ["--kube-listen", "", "--task-lease-ttl", "3"]
    _, address = await s.tier("apiserver", "apiserver", args)
    for i in range(NODES):
        args = ["--node", f"node-{i}", "--runtime", "simulated", "--sim-cpus", "64"]
        args += ["--sim-memory-bytes", str(256 << 30), "--heartbeat-ttl", "3"]
        await s.tier("slave", f"slave-{i}", [*args, "--heartbeat-interval", "0.5"])
    return address


async def _scheduler(s: Stack, name: str, ns: Netns | None = None) -> str:
    """A scheduler replica; the address of its metrics endpoint (reachable from here)."""
    port = free_port()
    host = ns.ns_ip if ns is not None else "127.0.0.1"
    args = ["--metrics-port", str(port)]
    await s.tier("scheduler", name, args, ns)  # metrics listen where its gRPC does
    return f"http://{host}:{port}/metrics"


def _conflicts(url: str) -> int:
    with urllib.request.urlopen(url, timeout=5) as page:
        text = page.read().decode()
    for line in text.splitlines():
        if line.startswith("sigma_scheduler_conflicts_total"):
            return int(float(line.split()[-1]))
    return 0


async def _create(address: str, name: str) -> None:
    async with rpc.channel(address) as channel:
        request = api.CreateAppRequest(namespace=NS, app=sleeper_app(name, PODS))
        await rpc.unary(stubs.AppsStub(channel).Create, request)


async def _all_bound(s: Stack, apps: set[str]) -> bool:
    pods = [p for p in await s.pods(NS) if p.spec.owner_name in apps]
    return len(pods) == PODS * len(apps) and all(p.spec.node_name for p in pods)


async def _bound_once(s: Stack) -> int:
    """Every live pod bound is listed by exactly its node's record, and no record lists a pod
    twice or a pod bound elsewhere; the number of pods checked."""
    pods = [p for p in await s.pods(NS) if p.status.phase not in TERMINAL]
    records = await s.store.list(NODE_ALLOCATION.prefix)
    listed: Counter[tuple[str, str]] = Counter()
    for kv in records.items:
        rec = decode(node_pb2.NodeAllocation, kv)
        listed.update((rec.node_name, a.pod_key) for a in rec.pods)
    assert all(n == 1 for n in listed.values()), [k for k, n in listed.items() if n > 1]
    bound = {(p.spec.node_name, f"{p.meta.namespace}/{p.meta.name}") for p in pods}
    assert set(listed) == bound, (sorted(set(listed) - bound)[:5], sorted(bound - set(listed))[:5])
    return len(bound)


def _fault(on: bool, target: TierProcess, ns: Netns | None) -> None:
    """Begin (``on``) or end the fault: cut or heal ``ns``'s link, else pause or resume."""
    if ns is not None:
        ns.cut() if on else ns.heal()
    elif target.proc is not None:
        target.proc.send_signal(signal.SIGSTOP if on else signal.SIGCONT)


async def _one_fault(
    s: Stack, address: str, fault: str, target: TierProcess, ns: Netns | None, metrics: str
) -> dict[str, object]:
    """Create an App, fault ``target`` at once (it may have decided some of its pods), let
    the other replica place them, heal, create another; then check every binding."""
    began = time.monotonic()
    tag = "cut" if ns is not None else "stop"
    before = await asyncio.to_thread(_conflicts, metrics)  # races of two live replicas
    await _create(address, f"during-{tag}")
    _fault(True, target, ns)
    faulted_at = time.monotonic()
    taken_over = await until(
        lambda: _all_bound(s, {f"during-{tag}"}), f"'during-{tag}' bound by the other", 60
    )
    await asyncio.sleep(max(0.0, FAULT - (time.monotonic() - faulted_at)))
    _fault(False, target, ns)
    healed_at = time.monotonic()
    # Its informers wait the cut out, and a binding the cut-off store did not answer went back
    # to its queue: the replica is still up, and binds again once healed.
    assert target.running, target.log_tail()
    await _create(address, f"after-{tag}")
    converged = await until(lambda: _all_bound(s, {f"after-{tag}"}), f"'after-{tag}' bound", 60)
    await asyncio.sleep(2.0)  # a stale commit of the faulted replica would land here
    checked = await _bound_once(s)
    assert target.running, target.log_tail()
    refused = await asyncio.to_thread(_conflicts, metrics)
    return {
        "suite": "partition",
        "fault": fault,
        "size": "full" if FULL else "reduced",
        "pods_checked": checked,
        "fault_seconds": round(healed_at - faulted_at, 2),
        "taken_over_seconds": round(taken_over, 2),
        "converge_after_heal_seconds": round(converged, 2),
        "faulted_replica_bindings_refused": refused - before,
        "wall_seconds": round(time.monotonic() - began, 1),
    }


async def test_a_cut_off_or_paused_scheduler_replica_commits_nothing_stale() -> None:
    """One cluster, two faults of the same replica (inside the namespace): its link cut, then
    the process paused (SIGSTOP), each for longer than the leases."""
    with netns() as ns:
        async with stack() as s:
            address = await _masters(s)
            metrics = await _scheduler(s, "scheduler-0", ns)
            await _scheduler(s, "scheduler-1")
            target = next(p for p in s.procs if p.name == "scheduler-0")
            await _create(address, "before")
            await until(lambda: _all_bound(s, {"before"}), "'before' bound", 60)
            cut = await _one_fault(s, address, "scheduler cut off from etcd", target, ns, metrics)
            stop = await _one_fault(s, address, "scheduler SIGSTOP", target, None, metrics)
            assert stop["pods_checked"] == PODS * 5
    for figures in (cut, stop):
        record(figures, s.logs)
