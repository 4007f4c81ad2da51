"""Apps through the apiserver's gRPC API on real servers over the memory store and a real etcd:
create, read, list, scale, upgrade, delete; and two replicas that behave as one."""

from __future__ import annotations

import grpc

from sigma.apiserver import samples
from sigma.v1 import apiserver_pb2 as api
from sigma.v1 import apiserver_pb2_grpc as stubs
from sigma.v1 import event_pb2, meta_pb2, task_pb2
from tests.integration.apiserver._api import Cluster, refused


async def test_create_writes_app_and_publish_task_in_one_revision(cluster: Cluster) -> None:
    sent = samples.app()
    sent.meta.uid = "forged"
    sent.status.replicas = 7
    reply = await cluster.apps().Create(api.CreateAppRequest(namespace=cluster.ns, app=sent))
    app, task = reply.app, reply.task
    assert app.meta.uid not in ("", "forged") and app.meta.generation == 1
    assert app.meta.namespace == cluster.ns and app.status.replicas == 0
    assert app.status.current_template_hash
    assert app.meta.resource_version == task.meta.resource_version > 0
    assert task.spec.kind == task_pb2.TASK_KIND_PUBLISH
    assert (task.spec.target_name, task.spec.target_uid) == ("web", app.meta.uid)
    assert task.status.state == task_pb2.TASK_STATE_PENDING
    tasks = stubs.TasksStub(cluster.channel)
    got = await tasks.Get(api.GetTaskRequest(namespace=cluster.ns, name=task.meta.name))
    assert got == task
    code, _ = await refused(
        cluster.apps().Create(api.CreateAppRequest(namespace=cluster.ns, app=sent))
    )
    assert code == grpc.StatusCode.ALREADY_EXISTS


async def test_replicas_behave_as_one(cluster: Cluster) -> None:
    a, b = (grpc.aio.insecure_channel(addr) for addr in cluster.addresses)
    async with a, b:
        created = await cluster.apps(a).Create(
            api.CreateAppRequest(namespace=cluster.ns, app=samples.app())
        )
        got = await cluster.apps(b).Get(api.GetAppRequest(namespace=cluster.ns, name="web"))
        assert got == created.app
        for _ in range(4):  # round robin: each call lands on the next replica
            listed = await cluster.apps().List(api.ListAppsRequest(namespace=cluster.ns))
            assert [x.meta.name for x in listed.items] == ["web"]
        watch = cluster.apps(b).Watch(
            api.WatchAppsRequest(
                namespace=cluster.ns, resource_version=created.app.meta.resource_version
            )
        )
        scaled = await cluster.apps(a).Scale(
            api.ScaleAppRequest(namespace=cluster.ns, name="web", replicas=5)
        )
        async for event in watch:
            if event.type != event_pb2.EVENT_TYPE_BOOKMARK:
                break
        watch.cancel()
        assert event.type == event_pb2.EVENT_TYPE_MODIFIED
        assert event.app.spec.replicas == 5 and event.revision == scaled.app.meta.resource_version


async def test_list_with_selector_pages_at_one_revision(cluster: Cluster) -> None:
    apps = cluster.apps()
    for i in range(5):
        await apps.Create(
            api.CreateAppRequest(
                namespace=cluster.ns, app=samples.app(f"a{i}", labels={"tier": "web"})
            )
        )
    for i in range(2):
        await apps.Create(
            api.CreateAppRequest(
                namespace=cluster.ns, app=samples.app(f"b{i}", labels={"tier": "db"})
            )
        )
    selector = meta_pb2.LabelSelector(match_labels={"tier": "web"})
    names, token, revisions = [], "", set()
    while True:
        page = await apps.List(
            api.ListAppsRequest(
                namespace=cluster.ns, label_selector=selector, page_size=2, page_token=token
            )
        )
        names += [x.meta.name for x in page.items]
        revisions.add(page.resource_version)
        await apps.Create(
            api.CreateAppRequest(
                namespace=cluster.ns, app=samples.app(f"late{len(names)}", labels={"tier": "web"})
            )
        )
        token = page.next_page_token
        if not token:
            break
    assert names == [f"a{i}" for i in range(5)] and len(revisions) == 1
    other = meta_pb2.LabelSelector(match_labels={"tier": "db"})
    first = await apps.List(
        api.ListAppsRequest(namespace=cluster.ns, label_selector=selector, page_size=2)
    )
    code, details = await refused(
        apps.List(
            api.ListAppsRequest(
                namespace=cluster.ns, label_selector=other, page_token=first.next_page_token
            )
        )
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT and details.startswith("page_token: ")


async def test_stale_scale_is_aborted_and_writes_nothing(cluster: Cluster) -> None:
    apps = cluster.apps()
    created = (await apps.Create(api.CreateAppRequest(namespace=cluster.ns, app=samples.app()))).app
    version = created.meta.resource_version
    fresh = await apps.Scale(
        api.ScaleAppRequest(namespace=cluster.ns, name="web", replicas=4, resource_version=version)
    )
    assert fresh.app.meta.generation == 2 and fresh.task.spec.kind == task_pb2.TASK_KIND_SCALE
    assert fresh.task.spec.scale_replicas == 4 and fresh.task.spec.target_generation == 2
    before = await cluster.store.revision()
    code, _ = await refused(
        apps.Scale(
            api.ScaleAppRequest(
                namespace=cluster.ns, name="web", replicas=9, resource_version=version
            )
        )
    )
    assert code == grpc.StatusCode.ABORTED
    assert await cluster.store.revision() == before
    got = await apps.Get(api.GetAppRequest(namespace=cluster.ns, name="web"))
    assert got.spec.replicas == 4


async def test_upgrade_records_the_template_hash(memory_cluster: Cluster) -> None:
    c = memory_cluster
    created = (await c.apps().Create(api.CreateAppRequest(namespace=c.ns, app=samples.app()))).app
    template = samples.template(cpu_millis=900)
    reply = await c.apps().Upgrade(
        api.UpgradeAppRequest(namespace=c.ns, name="web", template=template)
    )
    assert reply.task.spec.kind == task_pb2.TASK_KIND_UPGRADE
    assert reply.task.spec.upgrade_template_hash == reply.app.status.current_template_hash
    assert reply.app.status.current_template_hash != created.status.current_template_hash
    assert reply.app.spec.template == template and reply.app.meta.generation == 2


async def test_delete_marks_the_app_and_a_repeat_returns_the_same_task(cluster: Cluster) -> None:
    apps = cluster.apps()
    await apps.Create(api.CreateAppRequest(namespace=cluster.ns, app=samples.app()))
    first = await apps.Delete(api.DeleteAppRequest(namespace=cluster.ns, name="web"))
    assert first.app.meta.HasField("deletion_timestamp")
    assert first.task.spec.kind == task_pb2.TASK_KIND_DESTROY
    before = await cluster.store.revision()
    again = await apps.Delete(api.DeleteAppRequest(namespace=cluster.ns, name="web"))
    assert again.task == first.task and await cluster.store.revision() == before
    code, _ = await refused(
        apps.Scale(api.ScaleAppRequest(namespace=cluster.ns, name="web", replicas=1))
    )
    assert code == grpc.StatusCode.FAILED_PRECONDITION
    code, _ = await refused(apps.Delete(api.DeleteAppRequest(namespace=cluster.ns, name="nope")))
    assert code == grpc.StatusCode.NOT_FOUND
