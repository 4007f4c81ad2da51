"""The App status controller over the embedded store, run by the background runner."""

from __future__ import annotations

import asyncio

from sigma.apiserver.background import run_background
from sigma.apiserver.controllers.replicas import ReplicaController
from sigma.apiserver.controllers.runner import ControllerSettings
from sigma.apiserver.tasks import pods as P
from sigma.apiserver.tasks.writes import create_pod
from sigma.resources import APP
from sigma.store.codec import decode
from sigma.store.memory import MemoryStore
from sigma.testing.wait import eventually
from sigma.v1 import app_pb2, task_pb2
from tests.integration.apiserver._fakes import FakeSlave, submit

NS = "ns"


def make_app(command: str, generation: int) -> app_pb2.App:
    a = app_pb2.App()
    a.meta.namespace, a.meta.name, a.meta.uid, a.meta.generation = NS, "web", "u-web", generation
    a.spec.replicas = 2
    a.spec.template.containers.add(name="main", command=[command])
    a.spec.upgrade.max_unavailable = 1
    a.status.current_template_hash = P.template_hash(a.spec.template)
    return a


async def stored(store: MemoryStore) -> app_pb2.App:
    kv = await store.get(APP.key(NS, "web"))
    assert kv is not None
    return decode(app_pb2.App, kv)


def counts(a: app_pb2.App) -> tuple[int, int, int, int]:
    s = a.status
    return (s.observed_generation, s.replicas, s.ready_replicas, s.updated_replicas)


async def test_status_follows_publish_and_upgrade_without_idle_writes() -> None:
    store = MemoryStore()
    stop = asyncio.Event()
    settings = ControllerSettings(interval=0.02)
    runner = asyncio.ensure_future(run_background(store, "r1", stop, controllers=settings))
    try:
        async with FakeSlave(store, NS):
            await submit(store, make_app("v1", 1), task_pb2.TASK_KIND_PUBLISH, "publish")

            async def is_(want: tuple[int, int, int, int]) -> bool:
                return counts(await stored(store)) == want

            await eventually(lambda: is_((1, 2, 2, 2)), what="2/2 ready after publish")
            quiet = (await stored(store)).meta.resource_version
            await asyncio.sleep(0.2)  # about ten passes over an unchanged cluster
            assert (await stored(store)).meta.resource_version == quiet

            new = make_app("v2", 2)
            digest = new.status.current_template_hash
            await submit(
                store, new, task_pb2.TASK_KIND_UPGRADE, "upgrade", upgrade_template_hash=digest
            )
            await eventually(lambda: is_((2, 2, 2, 2)), what="2/2 updated after the upgrade")
            assert (await stored(store)).status.current_template_hash == digest
    finally:
        stop.set()
        await asyncio.wait_for(runner, 5)
        await store.close()


async def test_pods_of_a_predecessor_are_not_counted() -> None:
    store = MemoryStore()
    old = make_app("v1", 1)
    old.meta.uid = "u-old"
    await submit(store, old, task_pb2.TASK_KIND_PUBLISH, "publish")
    await create_pod(store, P.app_pod(old, 0, old.status.current_template_hash), 0.0)
    await submit(store, make_app("v1", 1), task_pb2.TASK_KIND_PUBLISH, "again")  # re-created
    assert await ReplicaController().reconcile(store, 0.0) == 1
    assert counts(await stored(store)) == (1, 0, 0, 0)
    assert await ReplicaController().reconcile(store, 0.0) == 0  # nothing changed, nothing written
    await store.close()
