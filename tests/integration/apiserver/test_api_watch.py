"""Watching through the apiserver's gRPC API: bookmarks, cancellation, compacted history."""

from __future__ import annotations

import asyncio

import grpc

from sigma.apiserver import samples
from sigma.testing.wait import eventually
from sigma.v1 import apiserver_pb2 as api
from sigma.v1 import event_pb2
from tests.integration.apiserver._api import Cluster, refused


async def test_watch_sends_bookmarks_and_leaves_no_task_when_cancelled(
    memory_cluster: Cluster,
) -> None:
    c = memory_cluster
    baseline = len(asyncio.all_tasks())
    call = c.apps().Watch(api.WatchAppsRequest(namespace=c.ns))
    event = await asyncio.wait_for(call.read(), timeout=5)
    assert event.type == event_pb2.EVENT_TYPE_BOOKMARK and event.revision > 0
    call.cancel()
    await eventually(
        lambda: len(asyncio.all_tasks()) <= baseline, timeout=2, what="the watch's tasks ended"
    )


async def test_watch_from_a_compacted_revision_is_out_of_range(memory_cluster: Cluster) -> None:
    c = memory_cluster
    first = (await c.apps().Create(api.CreateAppRequest(namespace=c.ns, app=samples.app()))).app
    await c.apps().Scale(api.ScaleAppRequest(namespace=c.ns, name="web", replicas=1))
    await c.store.compact(await c.store.revision())
    call = c.apps().Watch(
        api.WatchAppsRequest(namespace=c.ns, resource_version=first.meta.resource_version - 1)
    )
    code, _ = await refused(call.read())
    assert code == grpc.StatusCode.OUT_OF_RANGE
