"""Jobs on workers on the real stack: the scheduler tier's job masters, worker pods placed by the
online half, instances run by the slave inside the workers (process runtime), sigmactl.

The fault tests kill a job master's replica (SIGKILL of its ``sigma scheduler``) and a worker's
node mid-job on etcd: the job ends with every instance accounted exactly once (its status and
its checkpoints), whatever ran twice, and no job is left stuck.
"""

from __future__ import annotations

import asyncio
import collections
import os
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import grpc
import pytest

from sigma.auth import Security, devca
from sigma.engines.etcd import EtcdEngine
from sigma.engines.kafka import KafkaEngine
from sigma.rpc import channel
from sigma.scheduler.batch import JobSpec, load
from sigma.scheduler.batch.masters import claim_key
from sigma.store import open_store
from sigma.testing.wait import eventually
from sigma.v1 import worker_pb2, worker_pb2_grpc
from tests.integration.batch._cluster import (
    Cluster,
    executions,
    slave_settings,
    task_status,
    worker_job,
)

MAPS = 48
CPUS = os.cpu_count() or 1
SYSTEM = "a-system-token-for-every-tier"


@pytest.fixture
async def memory_cluster(tmp_path: Path) -> AsyncIterator[Cluster]:
    cluster = Cluster(tmp_path, "memory://")
    try:
        await cluster.control_plane("n1", scheduler=True)
        yield cluster
    finally:
        await cluster.close()


@pytest.fixture
async def own_etcd() -> AsyncIterator[EtcdEngine]:
    """An etcd of this test's own: the tiers here name their nodes n1 and n2, as other tests
    on the session's etcd may have left them, with pods bound there."""
    etcd = await asyncio.to_thread(EtcdEngine().start)
    try:
        yield etcd
    finally:
        await asyncio.to_thread(etcd.stop)


@pytest.fixture
async def etcd_cluster(tmp_path: Path, own_etcd: EtcdEngine) -> AsyncIterator[Cluster]:
    cluster = Cluster(tmp_path, own_etcd.url)
    try:
        await cluster.control_plane("n1")
        yield cluster
    finally:
        await cluster.close()


async def _apply(cluster: Cluster, name: str, manifest: str) -> None:
    path = cluster.tmp / f"{name}.yaml"
    path.write_text(manifest)
    code, _, err = await cluster.ctl("apply", "-f", str(path))
    assert code == 0, err


async def _finished(cluster: Cluster, name: str, timeout: float) -> dict:  # type: ignore[type-arg]
    last: dict = {}  # type: ignore[type-arg]

    async def phase() -> dict | None:  # type: ignore[type-arg]
        job = await cluster.job(name)
        last.update(job.get("status", {}))
        return job if last.get("phase", "").endswith(("SUCCEEDED", "FAILED")) else None

    try:
        return await eventually(phase, timeout=timeout, interval=0.5, what=f"job {name} ends")
    except AssertionError as exc:
        _, pods, _ = await cluster.ctl("get", "pods")
        _, nodes, _ = await cluster.ctl("get", "nodes")
        raise AssertionError(f"{exc}\nlast status: {last}\n{pods}\n{nodes}") from None


def _accounted_once(job: dict, out: Path, n: int = MAPS) -> collections.Counter[tuple[str, int]]:  # type: ignore[type-arg]
    """The job (``n`` maps) succeeded with every instance counted once; the executions."""
    assert job["status"]["phase"] == "BATCH_JOB_PHASE_SUCCEEDED", job["status"]
    maps, reduce = task_status(job, "map"), task_status(job, "reduce")
    assert (maps["total"], maps["succeeded"], maps.get("failed", 0)) == (n, n, 0)
    assert (reduce["total"], reduce["succeeded"]) == (1, 1)
    assert job["status"].get("workers", 0) == 0  # all given back
    assert job["status"]["completionTime"].endswith("s")
    ran = collections.Counter(executions(out))
    assert set(ran) == {("map", i) for i in range(n)} | {("reduce", 0)}  # every one ran
    return ran


async def test_a_job_on_workers_runs_its_instances_inside_leased_workers(
    memory_cluster: Cluster,
) -> None:
    out = memory_cluster.tmp / "ran.txt"
    await _apply(memory_cluster, "fan", worker_job("fan", MAPS, out=out, seconds=0.2))
    job = await _finished(memory_cluster, "fan", 60)
    ran = _accounted_once(job, out)
    assert max(ran.values()) == 1  # no fault: each ran once
    code, table, _ = await memory_cluster.ctl("get", "batchjobs")
    assert code == 0 and "WORKERS" in table.splitlines()[0]
    code, described, _ = await memory_cluster.ctl("describe", "batchjob", "fan")
    assert code == 0 and "WorkerGranted" in described and "WorkerReleased" in described
    pods = described.split("\nPods:\n", 1)[1].split("\nEvents:\n", 1)[0]
    assert "fan-map-" not in pods and "fan-reduce-" not in pods  # no pod per instance
    code, top, _ = await memory_cluster.ctl("top", "batchjobs")
    assert code == 0 and top.split("\n")[0].split() == [
        "JOB", "TASK", "PHASE", "TOTAL", "PENDING", "RUNNING", "DONE", "FAILED", "RETRIES",
        "WORKERS",
    ]  # fmt: skip
    assert ["fan", "map", "Succeeded", str(MAPS), "0", "0", str(MAPS), "0", "0", "0"] in [
        line.split() for line in top.splitlines()
    ]

    async def workers_gone() -> bool:
        return not [p for p in await memory_cluster.pods() if "fan-worker-" in p.meta.name]

    await eventually(workers_gone, timeout=20, interval=0.5, what="the workers pods removed")


@pytest.fixture
async def secured_cluster(tmp_path: Path) -> AsyncIterator[Cluster]:
    """Every tier with tokens and mutual TLS: they call each other with the system token and
    the scheduler's certificate, sigmactl with the admin's."""
    certs = tmp_path / "certs"
    await asyncio.to_thread(devca.make, certs, ("scheduler", "admin"))
    tokens = tmp_path / "tokens.toml"
    tokens.write_text(
        f'[[tokens]]\nname = "system"\ntoken = "{SYSTEM}"\ngrants = {{ "*" = "admin" }}\n'
    )
    ca = str(certs / "ca.crt")
    security = Security(
        auth_tokens=str(tokens),
        tls_cert=str(certs / "scheduler.crt"),
        tls_key=str(certs / "scheduler.key"),
        tls_ca=ca,
    )
    ctl_env = {
        "SIGMA_TOKEN": SYSTEM,
        "SIGMA_TLS_CA": ca,
        "SIGMA_TLS_CERT": str(certs / "admin.crt"),
        "SIGMA_TLS_KEY": str(certs / "admin.key"),
    }
    cluster = Cluster(tmp_path, "memory://", security=security, token=SYSTEM, ctl_env=ctl_env)
    try:
        await cluster.control_plane("n1", scheduler=True)
        yield cluster
    finally:
        await cluster.close()


async def test_a_job_on_workers_runs_in_a_cluster_with_tokens_and_tls(
    secured_cluster: Cluster,
) -> None:
    """The master's streams to its workers carry the replica's certificate and token: the
    slave admits job masters only, so without them no instance would ever run."""
    out = secured_cluster.tmp / "ran.txt"
    await _apply(secured_cluster, "safe", worker_job("safe", 8, out=out, seconds=0.05))
    job = await _finished(secured_cluster, "safe", 60)
    assert max(_accounted_once(job, out, 8).values()) == 1


async def test_a_worker_stream_must_open_with_attach(memory_cluster: Cluster) -> None:
    async with channel(memory_cluster.addresses["slave"]) as ch:
        stub = worker_pb2_grpc.BatchWorkersStub(ch)

        async def commands() -> AsyncIterator[worker_pb2.WorkerCommand]:
            yield worker_pb2.WorkerCommand(ack=worker_pb2.AckResults(up_to=1))

        with pytest.raises(grpc.aio.AioRpcError) as caught:
            async for _ in stub.Attach(commands()):
                pass
        assert caught.value.code() == grpc.StatusCode.INVALID_ARGUMENT
        assert "command" in (caught.value.details() or "")

        async def unknown() -> AsyncIterator[worker_pb2.WorkerCommand]:
            yield worker_pb2.WorkerCommand(attach=worker_pb2.AttachWorker(pod_key="default/no"))

        with pytest.raises(grpc.aio.AioRpcError) as caught:
            async for _ in stub.Attach(unknown()):
                pass
        assert caught.value.code() == grpc.StatusCode.NOT_FOUND


@pytest.mark.etcd
@pytest.mark.timeout(300)
async def test_a_killed_job_master_is_resumed_by_another_replica(etcd_cluster: Cluster) -> None:
    cluster = etcd_cluster
    name = f"kill-{uuid.uuid4().hex[:6]}"
    out = cluster.tmp / "ran.txt"
    cluster.start_scheduler("sched-a")
    cluster.start_scheduler("sched-b")
    await _apply(cluster, name, worker_job(name, MAPS, out=out, seconds=0.5, slots=2, most=3))
    store = open_store(cluster.store_url)
    try:

        async def owner_midway() -> str:
            kv = await store.get(claim_key("default", name))
            done = len(executions(out))
            return kv.value.decode() if kv is not None and 8 <= done < MAPS // 2 else ""

        owner = await eventually(owner_midway, timeout=90, interval=0.1, what="the job half run")
        cluster.kill_scheduler(owner)
        killed_at, t_kill = len(executions(out)), time.monotonic()
        survivor = "sched-b" if owner == "sched-a" else "sched-a"

        async def taken_over() -> bool:
            kv = await store.get(claim_key("default", name))
            return kv is not None and kv.value.decode() == survivor

        await eventually(taken_over, timeout=30, interval=0.2, what=f"{survivor} claims the job")
        took = time.monotonic() - t_kill
        job = await _finished(cluster, name, 120)
        ran = _accounted_once(job, out)
        print(  # the figures, with -s
            f"master kill: taken over in {took:.1f} s (lease TTL 3 s), {killed_at} of "
            f"{MAPS + 1} done at the kill, {sum(ran.values()) - MAPS - 1} ran twice"
        )
        # At least once: only what was in flight when the master died may have run twice.
        assert sum(ran.values()) - (MAPS + 1) <= MAPS - killed_at
        stored = await store.get(f"/sigma/v1/batchjobs/default/{name}")
        assert stored is not None
        spec = JobSpec.of([("map", MAPS, ()), ("reduce", 1, ("map",))], name=name)
        restored = await load(store, _with_uid(spec, job["meta"]["uid"]))
        assert [int(r.done.sum()) for _, r in sorted(restored.items())] == [MAPS, 1]
    finally:
        await store.close()


def _with_uid(spec: JobSpec, uid: str) -> JobSpec:
    return JobSpec(spec.namespace, spec.name, uid, spec.tasks)


@pytest.fixture
async def kafka_cluster(
    tmp_path: Path, own_etcd: EtcdEngine, kafka_engine: KafkaEngine
) -> AsyncIterator[Cluster]:
    """Two nodes' agents in two groups of tiers: their usage reaches the colocator over Kafka.
    Both are this machine; n1 keeps half its CPU back, so n2 has the most batch room and the
    job's workers start there (a job grows where the room is largest)."""
    cluster = Cluster(tmp_path, own_etcd.url, kafka_engine.url)
    try:
        await cluster.control_plane("n1", reserved_cpu_millis=CPUS * 500)
        yield cluster
    finally:
        await cluster.close()


@pytest.mark.etcd
@pytest.mark.kafka
@pytest.mark.timeout(300)
async def test_a_workers_lost_node_has_its_instances_run_elsewhere(
    kafka_cluster: Cluster,
) -> None:
    cluster = kafka_cluster
    name = f"node-{uuid.uuid4().hex[:6]}"
    out = cluster.tmp / "ran.txt"
    await cluster.serve(["slave"], {"slave": slave_settings(cluster.tmp, "n2")})
    doomed = len(cluster.groups) - 1
    cluster.start_scheduler("sched-a")
    # 3 s instances: what is left for n1 at the kill outlasts the time it takes to find n2
    # lost (lease 3 s, grace 2 s). A job that ended first releases the workers unrevoked.
    await _apply(cluster, name, worker_job(name, MAPS, out=out, seconds=3.0, slots=2, most=8))

    async def on_n2() -> bool:  # granted: attached to the master, so given instances to run
        events = await cluster.events("BatchJob", name)
        on_n2 = any(e.startswith("WorkerGranted:") and " on n2," in e for e in events)
        return on_n2 and 2 <= len(executions(out)) < MAPS // 2

    await eventually(on_n2, timeout=90, interval=0.3, what="a worker granted on n2, midway")
    stop, task = cluster.groups[doomed]
    at_kill = len(executions(out))
    stop.set()  # n2's agent stops its pods and goes: its heartbeats end
    await asyncio.wait_for(task, 60)
    cluster.groups.pop(doomed)
    job = await _finished(cluster, name, 150)
    ran = _accounted_once(job, out)
    print(  # the figures, with -s
        f"node kill: {at_kill} of {MAPS + 1} done at the kill, "
        f"{sum(ran.values()) - MAPS - 1} ran twice"
    )

    async def revoked() -> bool:  # the event is recorded off the master's loop
        return any(e.startswith("WorkerRevoked:") for e in await cluster.events("BatchJob", name))

    await eventually(revoked, timeout=20, interval=0.5, what="a WorkerRevoked event")
