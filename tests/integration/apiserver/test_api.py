"""The apiserver's gRPC API on real servers (port 0) over the memory store and a real etcd.

Each test gets namespaces of its own, so tests sharing the session's etcd never see each other.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import grpc
import pytest
from google.protobuf import descriptor_pb2, descriptor_pool, message_factory
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha import reflection_pb2, reflection_pb2_grpc

from sigma import rpc
from sigma.apiserver import samples
from sigma.apiserver.api import Api
from sigma.apiserver.settings import ApiServerSettings
from sigma.apiserver.tier import services
from sigma.resources import POD, Repository
from sigma.store import Store, open_store
from sigma.store.memory import MemoryStore
from sigma.v1 import apiserver_pb2 as api
from sigma.v1 import apiserver_pb2_grpc as stubs
from sigma.v1 import event_pb2, meta_pb2, pod_pb2, task_pb2

SERVICES = (
    "sigma.v1.Apps",
    "sigma.v1.BatchJobs",
    "sigma.v1.Pods",
    "sigma.v1.Nodes",
    "sigma.v1.Tasks",
)


@dataclass
class Cluster:
    store: Store
    ns: str  # this test's team namespace
    addresses: list[str]
    channel: grpc.aio.Channel  # round robin over every replica

    def apps(self, channel: grpc.aio.Channel | None = None) -> stubs.AppsStub:
        return stubs.AppsStub(channel or self.channel)


async def _cluster(store: Store, replicas: int) -> AsyncIterator[Cluster]:
    ns = f"team-{uuid.uuid4().hex[:8]}"
    settings = ApiServerSettings(
        namespaces=(ns, "system"), max_replicas=100, watch_bookmark_interval=0.2
    )
    config = rpc.ServerConfig(port=0, grace=0.1)
    servers = [rpc.RpcServer(services(Api(store, settings)), config) for _ in range(replicas)]
    for server in servers:
        await server.start()
    addresses = [s.address for s in servers]
    try:
        async with rpc.channel(addresses) as channel:
            yield Cluster(store, ns, addresses, channel)
    finally:
        for server in servers:
            await server.stop(0)
        await store.close()


@pytest.fixture(params=["memory", pytest.param("etcd", marks=pytest.mark.etcd)])
async def cluster(request: pytest.FixtureRequest) -> AsyncIterator[Cluster]:
    """Two apiserver replicas over one store, behind one round-robin channel."""
    if request.param == "memory":
        store: Store = MemoryStore()
    else:
        store = open_store(request.getfixturevalue("etcd_engine").url)
    async for c in _cluster(store, replicas=2):
        yield c


@pytest.fixture
async def memory_cluster() -> AsyncIterator[Cluster]:
    async for c in _cluster(MemoryStore(), replicas=1):
        yield c


async def _code(call) -> tuple[grpc.StatusCode, str]:  # type: ignore[no-untyped-def]
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call
    return caught.value.code(), caught.value.details() or ""


# -- bad input ----------------------------------------------------------------------------------
def _app(change) -> object:  # type: ignore[no-untyped-def]
    app = samples.app()
    change(app)
    return app


def _requests(ns: str) -> list[tuple[str, str, object]]:
    cpu = "app.spec.template.containers[0].resources.requests.cpu_millis"
    return [
        (
            "Apps",
            "empty name",
            api.CreateAppRequest(namespace=ns, app=_app(lambda a: a.meta.ClearField("name"))),
            "app.meta.name",
        ),
        (
            "Apps",
            "negative cpu",
            api.CreateAppRequest(
                namespace=ns,
                app=_app(
                    lambda a: setattr(
                        a.spec.template.containers[0].resources.requests, "cpu_millis", -1
                    )
                ),
            ),
            cpu,
        ),
        (
            "Apps",
            "replicas over limit",
            api.CreateAppRequest(
                namespace=ns, app=_app(lambda a: setattr(a.spec, "replicas", 101))
            ),
            "app.spec.replicas",
        ),
        (
            "Apps",
            "unknown qos",
            api.CreateAppRequest(
                namespace=ns, app=_app(lambda a: setattr(a.spec, "qos_class", 99))
            ),
            "app.spec.qos_class",
        ),
        (
            "Apps",
            "batch qos on app",
            api.CreateAppRequest(
                namespace=ns,
                app=_app(lambda a: setattr(a.spec, "qos_class", meta_pb2.QOS_CLASS_BE)),
            ),
            "app.spec.qos_class",
        ),
        (
            "Apps",
            "oversized labels",
            api.CreateAppRequest(
                namespace=ns,
                app=_app(lambda a: a.meta.labels.update({f"k{i}": "v" for i in range(70)})),
            ),
            "app.meta.labels",
        ),
        (
            "Apps",
            "unknown namespace",
            api.CreateAppRequest(namespace="nobody", app=samples.app()),
            "namespace",
        ),
        ("Apps", "no namespace", api.CreateAppRequest(app=samples.app()), "namespace"),
        (
            "Apps",
            "foreign meta namespace",
            api.CreateAppRequest(
                namespace=ns, app=_app(lambda a: setattr(a.meta, "namespace", "system"))
            ),
            "app.meta.namespace",
        ),
        (
            "BatchJobs",
            "dependency cycle",
            api.CreateBatchJobRequest(namespace=ns, job=_cycle()),
            "job.spec.tasks[1].depends_on",
        ),
        (
            "Apps",
            "scale negative",
            api.ScaleAppRequest(namespace=ns, name="web", replicas=-3),
            "replicas",
        ),
        (
            "Apps",
            "list bad page size",
            api.ListAppsRequest(namespace=ns, page_size=-1),
            "page_size",
        ),
        (
            "Pods",
            "status without version",
            api.UpdatePodStatusRequest(namespace=ns, name="p", status=pod_pb2.PodStatus()),
            "resource_version",
        ),
        (
            "Nodes",
            "node without topology",
            api.RegisterNodeRequest(namespace="system", node=_node_without_host()),
            "node.spec.topology.host",
        ),
    ]


def _cycle():  # type: ignore[no-untyped-def]
    job = samples.batch_job()
    job.spec.tasks[0].depends_on.append("load")
    return job


def _node_without_host():  # type: ignore[no-untyped-def]
    node = samples.node()
    node.spec.topology.ClearField("host")
    return node


_METHODS = {
    "CreateAppRequest": "Create",
    "ScaleAppRequest": "Scale",
    "ListAppsRequest": "List",
    "CreateBatchJobRequest": "Create",
    "UpdatePodStatusRequest": "UpdateStatus",
    "RegisterNodeRequest": "Register",
}


async def test_bad_input_is_invalid_argument_naming_the_field_and_writes_nothing(cluster) -> None:
    await cluster.apps().Create(api.CreateAppRequest(namespace=cluster.ns, app=samples.app()))
    for service, what, request, field in _requests(cluster.ns):
        stub = getattr(stubs, f"{service}Stub")(cluster.channel)
        method = getattr(stub, _METHODS[type(request).__name__])
        before = await cluster.store.revision()
        code, details = await _code(method(request, timeout=5))
        assert code == grpc.StatusCode.INVALID_ARGUMENT, what
        assert details.startswith(f"{field}: "), (what, details)
        assert await cluster.store.revision() == before, what


# -- create, read, change -----------------------------------------------------------------------
async def test_create_writes_app_and_publish_task_in_one_revision(cluster) -> None:
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
    code, _ = await _code(
        cluster.apps().Create(api.CreateAppRequest(namespace=cluster.ns, app=sent))
    )
    assert code == grpc.StatusCode.ALREADY_EXISTS


async def test_replicas_behave_as_one(cluster) -> None:
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


async def test_list_with_selector_pages_at_one_revision(cluster) -> None:
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
    code, details = await _code(
        apps.List(
            api.ListAppsRequest(
                namespace=cluster.ns, label_selector=other, page_token=first.next_page_token
            )
        )
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT and details.startswith("page_token: ")


async def test_stale_scale_is_aborted_and_writes_nothing(cluster) -> None:
    apps = cluster.apps()
    created = (await apps.Create(api.CreateAppRequest(namespace=cluster.ns, app=samples.app()))).app
    version = created.meta.resource_version
    fresh = await apps.Scale(
        api.ScaleAppRequest(namespace=cluster.ns, name="web", replicas=4, resource_version=version)
    )
    assert fresh.app.meta.generation == 2 and fresh.task.spec.kind == task_pb2.TASK_KIND_SCALE
    assert fresh.task.spec.scale_replicas == 4 and fresh.task.spec.target_generation == 2
    before = await cluster.store.revision()
    code, _ = await _code(
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


async def test_upgrade_records_the_template_hash(memory_cluster) -> None:
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


async def test_delete_marks_the_app_and_a_repeat_returns_the_same_task(cluster) -> None:
    apps = cluster.apps()
    await apps.Create(api.CreateAppRequest(namespace=cluster.ns, app=samples.app()))
    first = await apps.Delete(api.DeleteAppRequest(namespace=cluster.ns, name="web"))
    assert first.app.meta.HasField("deletion_timestamp")
    assert first.task.spec.kind == task_pb2.TASK_KIND_DESTROY
    before = await cluster.store.revision()
    again = await apps.Delete(api.DeleteAppRequest(namespace=cluster.ns, name="web"))
    assert again.task == first.task and await cluster.store.revision() == before
    code, _ = await _code(
        apps.Scale(api.ScaleAppRequest(namespace=cluster.ns, name="web", replicas=1))
    )
    assert code == grpc.StatusCode.FAILED_PRECONDITION
    code, _ = await _code(apps.Delete(api.DeleteAppRequest(namespace=cluster.ns, name="nope")))
    assert code == grpc.StatusCode.NOT_FOUND


async def test_batch_job_create_and_cancel(memory_cluster) -> None:
    c = memory_cluster
    jobs = stubs.BatchJobsStub(c.channel)
    created = await jobs.Create(api.CreateBatchJobRequest(namespace=c.ns, job=samples.batch_job()))
    assert created.task.spec.target_kind == task_pb2.TASK_TARGET_KIND_BATCH_JOB
    cancelled = await jobs.Cancel(
        api.CancelBatchJobRequest(namespace=c.ns, name="etl", reason="wrong input")
    )
    assert cancelled.job.status.message == "wrong input"
    assert cancelled.task.spec.kind == task_pb2.TASK_KIND_DESTROY
    again = await jobs.Cancel(api.CancelBatchJobRequest(namespace=c.ns, name="etl"))
    assert again.task == cancelled.task
    tasks = await stubs.TasksStub(c.channel).List(
        api.ListTasksRequest(namespace=c.ns, target_name="etl")
    )
    assert sorted(t.meta.name.split(".")[2] for t in tasks.items) == ["cancel", "publish"]


async def test_pod_status_is_compare_and_swap_and_slaves_list_their_node(cluster) -> None:
    pod = pod_pb2.Pod(
        meta=meta_pb2.ObjectMeta(namespace=cluster.ns, name="web-0"),
        spec=pod_pb2.PodSpec(node_name="node-1"),
    )
    stored = await Repository(cluster.store, POD).create(pod)
    pods = stubs.PodsStub(cluster.channel)
    running = pod_pb2.PodStatus(phase=pod_pb2.POD_PHASE_RUNNING)
    updated = await pods.UpdateStatus(
        api.UpdatePodStatusRequest(
            namespace=cluster.ns,
            name="web-0",
            status=running,
            resource_version=stored.meta.resource_version,
        )
    )
    assert updated.status.phase == pod_pb2.POD_PHASE_RUNNING
    code, _ = await _code(
        pods.UpdateStatus(
            api.UpdatePodStatusRequest(
                namespace=cluster.ns,
                name="web-0",
                status=running,
                resource_version=stored.meta.resource_version,
            )
        )
    )
    assert code == grpc.StatusCode.ABORTED
    mine = await pods.List(api.ListPodsRequest(node_name="node-1"))
    assert "web-0" in [p.meta.name for p in mine.items if p.meta.namespace == cluster.ns]
    other = await pods.List(api.ListPodsRequest(namespace=cluster.ns, node_name="node-2"))
    assert list(other.items) == []


async def test_nodes_register_heartbeat_cordon_and_need_the_system_namespace(
    memory_cluster,
) -> None:
    c = memory_cluster
    nodes = stubs.NodesStub(c.channel)
    code, _ = await _code(
        nodes.Register(api.RegisterNodeRequest(namespace=c.ns, node=samples.node()))
    )
    assert code == grpc.StatusCode.PERMISSION_DENIED
    reg = await nodes.Register(api.RegisterNodeRequest(namespace="system", node=samples.node()))
    assert reg.lease_id > 0 and reg.node.meta.generation == 1
    cordoned = await nodes.Cordon(
        api.CordonNodeRequest(namespace="system", node_name="node-1", unschedulable=True)
    )
    assert cordoned.spec.unschedulable and cordoned.meta.generation == 2
    again = await nodes.Register(
        api.RegisterNodeRequest(namespace="system", node=samples.node(cpu_millis=16000))
    )
    assert again.node.spec.unschedulable and again.node.spec.capacity.cpu_millis == 16000
    beat = await nodes.Heartbeat(
        api.HeartbeatRequest(
            namespace="system", node_name="node-1", lease_id=again.lease_id, ready=True
        )
    )
    assert beat.lease_valid
    stale = await nodes.Heartbeat(
        api.HeartbeatRequest(
            namespace="system", node_name="node-1", lease_id=reg.lease_id, ready=True
        )
    )
    assert not stale.lease_valid
    seen = await nodes.Get(api.GetNodeRequest(namespace=c.ns, node_name="node-1"))  # any team reads
    assert seen.meta.name == "node-1"


# -- watch --------------------------------------------------------------------------------------
async def test_watch_sends_bookmarks_and_leaves_no_task_when_cancelled(memory_cluster) -> None:
    c = memory_cluster
    baseline = len(asyncio.all_tasks())
    call = c.apps().Watch(api.WatchAppsRequest(namespace=c.ns))
    event = await asyncio.wait_for(call.read(), timeout=5)
    assert event.type == event_pb2.EVENT_TYPE_BOOKMARK and event.revision > 0
    call.cancel()
    for _ in range(200):
        if len(asyncio.all_tasks()) <= baseline:
            break
        await asyncio.sleep(0.01)
    assert len(asyncio.all_tasks()) <= baseline


async def test_watch_from_a_compacted_revision_is_out_of_range(memory_cluster) -> None:
    c = memory_cluster
    first = (await c.apps().Create(api.CreateAppRequest(namespace=c.ns, app=samples.app()))).app
    await c.apps().Scale(api.ScaleAppRequest(namespace=c.ns, name="web", replicas=1))
    await c.store.compact(await c.store.revision())
    call = c.apps().Watch(
        api.WatchAppsRequest(namespace=c.ns, resource_version=first.meta.resource_version - 1)
    )
    code, _ = await _code(call.read())
    assert code == grpc.StatusCode.OUT_OF_RANGE


# -- grpcurl-style use ----------------------------------------------------------------------------
async def test_health_reports_serving_for_each_service(memory_cluster) -> None:
    health = health_pb2_grpc.HealthStub(memory_cluster.channel)
    for name in ("", *SERVICES):
        reply = await health.Check(health_pb2.HealthCheckRequest(service=name), timeout=5)
        assert reply.status == health_pb2.HealthCheckResponse.SERVING, name


async def _reflect(channel: grpc.aio.Channel, request: reflection_pb2.ServerReflectionRequest):  # type: ignore[no-untyped-def]
    stub = reflection_pb2_grpc.ServerReflectionStub(channel)

    async def one():  # type: ignore[no-untyped-def]
        yield request

    async for reply in stub.ServerReflectionInfo(one(), timeout=5):
        return reply
    raise AssertionError("no reflection reply")


async def test_a_generic_client_lists_services_and_calls_apps_list_by_reflection(
    memory_cluster,
) -> None:
    c = memory_cluster
    await c.apps().Create(api.CreateAppRequest(namespace=c.ns, app=samples.app()))
    listed = await _reflect(c.channel, reflection_pb2.ServerReflectionRequest(list_services=""))
    assert set(SERVICES) <= {s.name for s in listed.list_services_response.service}
    found = await _reflect(
        c.channel, reflection_pb2.ServerReflectionRequest(file_containing_symbol="sigma.v1.Apps")
    )
    files = [
        descriptor_pb2.FileDescriptorProto.FromString(b)
        for b in found.file_descriptor_response.file_descriptor_proto
    ]
    pool = descriptor_pool.DescriptorPool()
    pending = {f.name: f for f in files}
    while pending:  # add each file after its dependencies
        ready = [f for f in pending.values() if all(d not in pending for d in f.dependency)]
        assert ready, f"unresolvable files {sorted(pending)}"
        for f in ready:
            pool.Add(f)
            del pending[f.name]
    method = pool.FindServiceByName("sigma.v1.Apps").FindMethodByName("List")
    request_cls = message_factory.GetMessageClass(method.input_type)
    response_cls = message_factory.GetMessageClass(method.output_type)
    call = c.channel.unary_unary(
        "/sigma.v1.Apps/List",
        request_serializer=lambda m: m.SerializeToString(),
        response_deserializer=response_cls.FromString,
    )
    reply = await call(request_cls(namespace=c.ns), timeout=5)
    assert [item.meta.name for item in reply.items] == ["web"]
    assert reply.resource_version > 0
