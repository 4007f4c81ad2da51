"""UpdateMetadata, dry runs and cluster-wide lists on a real apiserver (port 0, memory store).

Each check reads the store's revision around the call: a refused change and a dry run must
leave it where it was, a metadata change must move it but never the object's generation.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

import grpc
import pytest

from sigma import rpc
from sigma.apiserver import samples
from sigma.apiserver.api import Api
from sigma.apiserver.settings import ApiServerSettings
from sigma.apiserver.tier import services
from sigma.resources import POD, Repository
from sigma.store.memory import MemoryStore
from sigma.v1 import apiserver_pb2 as api
from sigma.v1 import apiserver_pb2_grpc as stubs
from sigma.v1 import meta_pb2, pod_pb2

NS, OTHER, SYSTEM = "shop", "ads", "system"


@dataclass
class Cluster:
    store: MemoryStore
    channel: grpc.aio.Channel

    def stub(self, service: str) -> object:
        return getattr(stubs, f"{service}Stub")(self.channel)

    async def unchanged(self, call: object) -> object:
        """The call's answer, asserting it wrote nothing."""
        before = await self.store.revision()
        answer = await call  # type: ignore[misc]
        assert await self.store.revision() == before
        return answer


@pytest.fixture
async def cluster() -> AsyncIterator[Cluster]:
    store = MemoryStore()
    settings = ApiServerSettings(namespaces=(NS, OTHER, SYSTEM), watch_bookmark_interval=0.2)
    server = rpc.RpcServer(services(Api(store, settings)), rpc.ServerConfig(port=0, grace=0.1))
    await server.start()
    try:
        async with rpc.channel(server.address) as channel:
            apps = stubs.AppsStub(channel)
            for ns in (NS, OTHER):
                await apps.Create(api.CreateAppRequest(namespace=ns, app=samples.app("web")))
            yield Cluster(store, channel)
    finally:
        await server.stop(0)


async def _refused(call: object) -> tuple[grpc.StatusCode, str]:
    with pytest.raises(grpc.aio.AioRpcError) as caught:
        await call  # type: ignore[misc]
    return caught.value.code(), caught.value.details() or ""


def _change(**fields: object) -> api.MetadataChange:
    return api.MetadataChange(**fields)  # type: ignore[arg-type]


async def test_labels_change_in_one_write_and_never_move_the_generation(cluster: Cluster) -> None:
    apps = stubs.AppsStub(cluster.channel)
    before = await apps.Get(api.GetAppRequest(namespace=NS, name="web"))
    label = _change(set_labels={"tier": "gold"}, set_annotations={"owner": "ana"})
    app = await apps.UpdateMetadata(
        api.UpdateAppMetadataRequest(namespace=NS, name="web", change=label)
    )
    assert app.meta.labels["tier"] == "gold" and app.meta.annotations["owner"] == "ana"
    assert app.meta.labels["team"] == "shop"  # the rest stays
    assert app.meta.generation == before.meta.generation
    assert app.meta.resource_version > before.meta.resource_version
    again = await cluster.unchanged(
        apps.UpdateMetadata(api.UpdateAppMetadataRequest(namespace=NS, name="web", change=label))
    )
    assert again.meta.resource_version == app.meta.resource_version  # already so: no write

    other = _change(set_labels={"tier": "silver"})
    code, details = await _refused(
        apps.UpdateMetadata(api.UpdateAppMetadataRequest(namespace=NS, name="web", change=other))
    )
    assert code == grpc.StatusCode.FAILED_PRECONDITION and "'tier' already has a value" in details
    stale = api.UpdateAppMetadataRequest(
        namespace=NS,
        name="web",
        change=_change(set_labels={"tier": "silver"}, overwrite=True),
        resource_version=before.meta.resource_version,
    )
    assert (await _refused(apps.UpdateMetadata(stale)))[0] == grpc.StatusCode.ABORTED
    stale.resource_version = app.meta.resource_version
    assert (await apps.UpdateMetadata(stale)).meta.labels["tier"] == "silver"
    system = _change(set_labels={"sigma.io/app": "x"})
    code, details = await _refused(
        apps.UpdateMetadata(api.UpdateAppMetadataRequest(namespace=NS, name="web", change=system))
    )
    assert code == grpc.StatusCode.INVALID_ARGUMENT and "belong to the system" in details
    removed = await apps.UpdateMetadata(
        api.UpdateAppMetadataRequest(
            namespace=NS, name="web", change=_change(remove_labels=["tier"])
        )
    )
    assert "tier" not in removed.meta.labels


async def test_pods_batch_jobs_and_nodes_take_labels_nodes_only_from_the_system(
    cluster: Cluster,
) -> None:
    await Repository(cluster.store, POD).create(
        pod_pb2.Pod(meta=meta_pb2.ObjectMeta(namespace=NS, name="web-0"))
    )
    label = _change(set_labels={"debug": "on"})
    pods = stubs.PodsStub(cluster.channel)
    pod = await pods.UpdateMetadata(
        api.UpdatePodMetadataRequest(namespace=NS, name="web-0", change=label)
    )
    assert pod.meta.labels["debug"] == "on"
    jobs = stubs.BatchJobsStub(cluster.channel)
    await jobs.Create(api.CreateBatchJobRequest(namespace=NS, job=samples.batch_job("etl")))
    job = await jobs.UpdateMetadata(
        api.UpdateBatchJobMetadataRequest(namespace=NS, name="etl", change=label)
    )
    assert job.meta.labels["debug"] == "on"
    nodes = stubs.NodesStub(cluster.channel)
    await nodes.Register(api.RegisterNodeRequest(namespace=SYSTEM, node=samples.node("n1")))
    as_team = api.UpdateNodeMetadataRequest(namespace=NS, node_name="n1", change=label)
    assert (await _refused(nodes.UpdateMetadata(as_team)))[0] == grpc.StatusCode.PERMISSION_DENIED
    as_team.namespace = SYSTEM
    node = await nodes.UpdateMetadata(as_team)
    assert node.meta.labels == {"zone": "a", "debug": "on"} and node.meta.generation == 1
    dry = api.UpdateNodeMetadataRequest(
        namespace=SYSTEM, node_name="n1", change=_change(remove_labels=["zone"]), dry_run=True
    )
    answer = await cluster.unchanged(nodes.UpdateMetadata(dry))
    assert "zone" not in answer.meta.labels


async def test_a_dry_run_answers_what_would_be_written_and_writes_nothing(cluster: Cluster) -> None:
    apps = stubs.AppsStub(cluster.channel)
    made = await cluster.unchanged(
        apps.Create(api.CreateAppRequest(namespace=NS, app=samples.app("new"), dry_run=True))
    )
    assert made.app.meta.uid and made.task.meta.name.startswith("app.new.publish.")
    assert (await _refused(apps.Get(api.GetAppRequest(namespace=NS, name="new"))))[0] == (
        grpc.StatusCode.NOT_FOUND
    )
    taken = apps.Create(api.CreateAppRequest(namespace=NS, app=samples.app("web"), dry_run=True))
    assert (await _refused(taken))[0] == grpc.StatusCode.ALREADY_EXISTS
    bad = samples.app("bad")
    bad.spec.replicas = -1
    bad_call = apps.Create(api.CreateAppRequest(namespace=NS, app=bad, dry_run=True))
    assert (await _refused(bad_call))[0] == grpc.StatusCode.INVALID_ARGUMENT
    scaled = await cluster.unchanged(
        apps.Scale(api.ScaleAppRequest(namespace=NS, name="web", replicas=5, dry_run=True))
    )
    assert scaled.app.spec.replicas == 5 and scaled.task.spec.scale_replicas == 5
    upgraded = await cluster.unchanged(
        apps.Upgrade(
            api.UpgradeAppRequest(
                namespace=NS, name="web", template=samples.template(cpu_millis=250), dry_run=True
            )
        )
    )
    assert upgraded.task.spec.upgrade_template_hash
    deleted = await cluster.unchanged(
        apps.Delete(api.DeleteAppRequest(namespace=NS, name="web", dry_run=True))
    )
    assert deleted.app.meta.HasField("deletion_timestamp")
    assert (await apps.Get(api.GetAppRequest(namespace=NS, name="web"))).spec.replicas == 3

    await Repository(cluster.store, POD).create(
        pod_pb2.Pod(meta=meta_pb2.ObjectMeta(namespace=NS, name="p"))
    )
    pods = stubs.PodsStub(cluster.channel)
    await cluster.unchanged(pods.Delete(api.DeletePodRequest(namespace=NS, name="p", dry_run=True)))
    nodes = stubs.NodesStub(cluster.channel)
    would = await cluster.unchanged(
        nodes.Register(
            api.RegisterNodeRequest(namespace=SYSTEM, node=samples.node("n9"), dry_run=True)
        )
    )
    assert would.node.meta.name == "n9" and not would.lease_id
    await nodes.Register(api.RegisterNodeRequest(namespace=SYSTEM, node=samples.node("n9")))
    await cluster.unchanged(
        nodes.Delete(api.DeleteNodeRequest(namespace=SYSTEM, node_name="n9", dry_run=True))
    )
    jobs = stubs.BatchJobsStub(cluster.channel)
    await cluster.unchanged(
        jobs.Create(api.CreateBatchJobRequest(namespace=NS, job=samples.batch_job(), dry_run=True))
    )


async def test_an_empty_namespace_lists_and_watches_every_namespace(cluster: Cluster) -> None:
    apps = stubs.AppsStub(cluster.channel)
    listed = await apps.List(api.ListAppsRequest())
    assert sorted((a.meta.namespace, a.meta.name) for a in listed.items) == [
        (OTHER, "web"),
        (NS, "web"),
    ]
    tasks = await stubs.TasksStub(cluster.channel).List(api.ListTasksRequest())
    assert {t.meta.namespace for t in tasks.items} == {NS, OTHER}
    one = await apps.List(api.ListAppsRequest(namespace=NS))
    assert [a.meta.namespace for a in one.items] == [NS]
    stream = apps.Watch(api.WatchAppsRequest(resource_version=listed.resource_version))
    await apps.Scale(api.ScaleAppRequest(namespace=OTHER, name="web", replicas=2))
    event = await anext(aiter(stream))
    while not event.HasField("app"):  # a bookmark first, perhaps
        event = await anext(aiter(stream))
    assert event.app.meta.namespace == OTHER
    stream.cancel()
