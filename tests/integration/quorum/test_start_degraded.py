"""Every tier starts and serves with one etcd member of three down.

The member down is the one the tiers' stores try first (the first in the URL), killed (each
tier's first call meets a refused connection) or hung by SIGSTOP (its port accepts connections
and never answers); either way a tier must go on to the next member rather than wait or exit.
Serving means more than a health check: the apiserver takes an App, the slave registers its
node, the scheduler binds the App's pods to that node, and the colocator reports SERVING over
the same store. The node is removed at the end, so the next test's pods do not go to it.
"""

from __future__ import annotations

import asyncio
import contextlib
import sys
import uuid
from pathlib import Path

import pytest

from sigma import rpc
from sigma.apiserver import samples
from sigma.engines._process import free_port
from sigma.engines.etcd import EtcdCluster
from sigma.resources import NODE, POD, Repository
from sigma.rpc.probe import check
from sigma.store import open_store
from sigma.testing.wait import eventually
from sigma.v1 import apiserver_pb2 as api
from sigma.v1 import apiserver_pb2_grpc as stubs

TIERS = ("apiserver", "scheduler", "colocator", "slave")

pytestmark = [pytest.mark.etcd, pytest.mark.timeout(120)]


@pytest.mark.parametrize("fault", ["killed", "hung"])
async def test_every_tier_starts_and_serves_with_one_etcd_member_down(
    etcd_cluster: EtcdCluster, tmp_path: Path, fault: str
) -> None:
    run = uuid.uuid4().hex[:6]
    ns, node = f"quorum-{run}", f"quorum-node-{run}"
    listen = {tier: f"127.0.0.1:{free_port()}" for tier in TIERS}
    extra = {
        "apiserver": ["--namespaces", ns],
        "colocator": ["--apiserver", listen["apiserver"]],
        "slave": [
            *("--apiserver", listen["apiserver"], "--node", node, "--runtime", "simulated"),
            *("--state-dir", str(tmp_path / "slave"), "--heartbeat-interval", "1"),
        ],
    }
    down = etcd_cluster.members[0]
    assert etcd_cluster.url.startswith(f"etcd://{down.endpoint},")
    down.kill() if fault == "killed" else down.pause()
    procs: dict[str, asyncio.subprocess.Process] = {}
    store = open_store(etcd_cluster.url)
    try:
        for tier in TIERS:
            log = (tmp_path / f"{tier}.log").open("wb")
            procs[tier] = await asyncio.create_subprocess_exec(
                *(sys.executable, "-m", "sigma.cli", tier, "--store", etcd_cluster.url),
                *("--bus", "memory://", "--listen", listen[tier], *extra.get(tier, [])),
                stdout=log,
                stderr=log,
            )
            log.close()

        for tier in TIERS:

            async def serving(tier: str = tier) -> bool:
                assert procs[tier].returncode is None, _log(tmp_path, tier)
                return await check(listen[tier])

            await eventually(serving, timeout=60, what=f"the {tier} serving")

        async with rpc.channel(listen["apiserver"]) as channel:
            await rpc.unary(
                stubs.AppsStub(channel).Create,
                api.CreateAppRequest(namespace=ns, app=samples.app("web", replicas=2)),
            )

        async def registered() -> bool:
            return await Repository(store, NODE).find("", node) is not None

        async def bound() -> bool:
            pods = await Repository(store, POD).list_all(ns)
            return len(pods) == 2 and all(p.spec.node_name for p in pods)

        await eventually(registered, timeout=30, what="the slave's node registered")
        await eventually(bound, timeout=30, what="the App's pods bound")
        for tier, proc in procs.items():
            assert proc.returncode is None, _log(tmp_path, tier)
    finally:
        for proc in procs.values():
            with contextlib.suppress(ProcessLookupError):
                proc.terminate()
        for proc in procs.values():
            try:
                async with asyncio.timeout(20):
                    await proc.wait()
            except TimeoutError:
                proc.kill()
        with contextlib.suppress(Exception):
            await Repository(store, NODE).delete("", node)
        await store.close()
        down.resume()
        if not down.running:
            await asyncio.to_thread(down.start)


def _log(folder: Path, tier: str) -> str:
    return f"the {tier} exited:\n" + (folder / f"{tier}.log").read_text()[-3000:]
