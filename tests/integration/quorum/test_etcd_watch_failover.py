"""An informer whose store prefers a member that hangs (SIGSTOP; the leader, so the cluster
elects anew as well) keeps seeing changes.

A hung member ends no watch stream, and grpc's keep-alive gives up on it only after 15 s; until
then an informer watching there would see nothing while the cluster goes on without it. Either
the watching store does what a tier does besides watching, a lease keep-alive every second, and
its first keep-alive to miss the hung member moves the store; or it only watches, and its probe
of the member it watches on (every 2 s) does. The watch moves with it to the next member, and
the informer catches up from the revision it had reached.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid

import pytest

from sigma.engines.etcd import EtcdCluster
from sigma.errors import SigmaError
from sigma.retry import RetryPolicy
from sigma.store.etcd import EtcdStore
from sigma.store.informer import Informer
from sigma.testing.wait import took
from sigma.v1 import meta_pb2, pod_pb2
from tests.integration.quorum._figures import record

SEEN_WITHIN = 5.0  # seconds: one keep-alive or probe interval, one attempt deadline, a re-watch

pytestmark = [pytest.mark.etcd, pytest.mark.timeout(90)]


async def _heartbeat(store: EtcdStore, lease: int) -> None:
    while True:
        with contextlib.suppress(SigmaError):
            await store.keep_alive(lease)
        await asyncio.sleep(1.0)


@pytest.mark.parametrize("heartbeat", [True, False], ids=["keep-alives", "watch-only"])
async def test_an_informer_on_a_hung_member_moves_on_and_misses_nothing(
    etcd_cluster: EtcdCluster, tmp_path_factory: pytest.TempPathFactory, heartbeat: bool
) -> None:
    hung = await asyncio.to_thread(etcd_cluster.leader)  # the cluster must elect anew too
    others = [m.endpoint for m in etcd_cluster.members if m is not hung]
    watching = EtcdStore([hung.endpoint, *others])
    writing = EtcdStore(others)
    prefix = f"/quorum/watch/{uuid.uuid4().hex[:8]}/"
    informer = Informer(watching, prefix, pod_pb2.Pod)
    runner = asyncio.create_task(informer.run())
    beating = None
    if heartbeat:
        lease = await watching.grant_lease(30)
        beating = asyncio.create_task(_heartbeat(watching, lease))

    async def put(name: str) -> str:
        pod = pod_pb2.Pod(meta=meta_pb2.ObjectMeta(name=name))
        # retried as callers do: a write in flight while the cluster elects may fail
        await RetryPolicy().call(lambda: writing.put(prefix + name, pod.SerializeToString()))
        return prefix + name

    async def seen(key: str, within: float) -> float:
        cached = lambda: informer.mod_revision(key) is not None  # noqa: E731
        return await took(cached, timeout=within, what=f"{key} in the informer", interval=0.05)

    try:
        await informer.wait_synced()
        await seen(await put("before"), SEEN_WITHIN)
        hung_at = time.monotonic()
        hung.pause()
        keys = [await put(f"during-{i}") for i in range(5)]
        await seen(keys[-1], SEEN_WITHIN)
        caught_up = time.monotonic() - hung_at  # the hang, the election, the writes, the re-watch
        assert all(informer.mod_revision(k) is not None for k in keys)
        assert watching.failovers >= 1
        hung.resume()
        await seen(await put("after"), SEEN_WITHIN)
    finally:
        hung.resume()
        runner.cancel()
        if beating is not None:
            beating.cancel()
        await asyncio.gather(runner, *([beating] if beating else []), return_exceptions=True)
        await watching.close()
        await writing.close()
    figures = {
        "fault": "etcd member SIGSTOP under an informer "
        + ("(keep-alives)" if heartbeat else "(watch only)"),
        "informer_caught_up_seconds_after_hang": round(caught_up, 2),
        "store_failovers": watching.failovers,
    }
    record(figures, tmp_path_factory.getbasetemp())
