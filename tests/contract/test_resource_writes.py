"""Writes: several objects in one transaction, all or nothing, on every store backend."""

from __future__ import annotations

import uuid

import pytest

from sigma.errors import AlreadyExists, Conflict, NotFound
from sigma.resources import APP, TASK, Repository, Writes
from sigma.v1 import app_pb2, meta_pb2, task_pb2


def _app(ns: str, name: str = "web") -> app_pb2.App:
    return app_pb2.App(meta=meta_pb2.ObjectMeta(namespace=ns, name=name))


def _task(ns: str, name: str = "t1") -> task_pb2.Task:
    return task_pb2.Task(meta=meta_pb2.ObjectMeta(namespace=ns, name=name))


async def test_objects_land_together_at_one_revision_or_not_at_all(store) -> None:
    ns = uuid.uuid4().hex[:8]
    app, task = _app(ns), _task(ns)
    revision = await Writes().create(APP, app).create(TASK, task).commit(store)
    assert app.meta.resource_version == task.meta.resource_version == revision
    before = await store.revision()
    with pytest.raises(AlreadyExists, match=f"Task {ns}/t1"):
        await Writes().create(APP, _app(ns, "other")).create(TASK, _task(ns)).commit(store)
    assert await store.revision() == before
    assert await Repository(store, APP).find(ns, "other") is None


async def test_update_and_delete_compare_on_the_version_read(store) -> None:
    ns = uuid.uuid4().hex[:8]
    app = _app(ns)
    await Writes().create(APP, app).commit(store)
    stale = app_pb2.App()
    stale.CopyFrom(app)
    app.spec.replicas = 2
    await Writes().update(APP, app).create(TASK, _task(ns)).commit(store)
    with pytest.raises(Conflict):
        await Writes().update(APP, stale).create(TASK, _task(ns, "t2")).commit(store)
    assert await Repository(store, TASK).find(ns, "t2") is None
    await Writes().delete(APP, app).commit(store)
    with pytest.raises(NotFound):
        await Writes().update(APP, app).commit(store)
