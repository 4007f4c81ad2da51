"""Every RPC of every tier, on one real server with tokens on: who gets in, who is refused.

Teams ``a`` and ``b`` hold write tokens for their own namespace; ``system`` holds admin on ``*``.
For each method of the protos (parametrised from the descriptors, so a new RPC without a case
fails): no token and an unknown token → UNAUTHENTICATED; team a acting in b (and b in a) →
PERMISSION_DENIED; and neither refusal changes either store. Then the rightful caller gets the
call's normal answer. Cluster-scoped calls (colocator, slave) refuse both teams; the slave's
Drain and the batch worker stream refuse even a team holding admin in its own namespace.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import grpc
import pytest
import pytest_asyncio
from google.protobuf.message import Message

from sigma import rpc
from sigma.apiserver import samples
from sigma.apiserver.api import Api
from sigma.apiserver.settings import ApiServerSettings
from sigma.apiserver.tier import services as apiserver_services
from sigma.auth import Rule, Security, digest
from sigma.bus.memory import MemoryBus
from sigma.cli.inprocess import InProcessApi
from sigma.colocator.api import service as colocator_service
from sigma.colocator.replica import Colocator
from sigma.colocator.settings import ColocatorSettings
from sigma.resources import POD, Repository
from sigma.rpc._server import access_rules
from sigma.scheduler.api import service as scheduler_service
from sigma.scheduler.loop import Scheduler
from sigma.slave.agent import AgentConfig, SlaveAgent
from sigma.slave.api import service as slave_service
from sigma.slave.control import StoreControlPlane
from sigma.slave.runtime.simulated import SimulatedCluster
from sigma.slave.worker import WorkerHost
from sigma.slave.worker import service as worker_service
from sigma.store.memory import MemoryStore
from sigma.testing.clock import ManualClock
from sigma.testing.wait import eventually
from sigma.v1 import apiserver_pb2 as api
from sigma.v1 import (
    apiserver_pb2_grpc,
    colocator_pb2,
    colocator_pb2_grpc,
    meta_pb2,
    pod_pb2,
    scheduler_pb2,
    scheduler_pb2_grpc,
    slave_pb2,
    slave_pb2_grpc,
    worker_pb2,
    worker_pb2_grpc,
)

pytestmark = pytest.mark.asyncio(loop_scope="module")

# Who calls: key → (name in the token file, token, grants). The reader's token is filed hashed.
PEOPLE = {
    "a": ("team-a", "token-of-a", '{ a = "write" }'),
    "b": ("team-b", "token-of-b", '{ b = "write" }'),
    "a-admin": ("a-admin", "admin-of-a", '{ a = "admin" }'),
    "a-reader": ("a-reader", "reader-of-a", '{ a = "read" }'),
    "system": ("system", "root", '{ "*" = "admin" }'),
}
TOKENS = {who: token for who, (_, token, _) in PEOPLE.items()}
TOKEN_FILE = "\n".join(
    f'[[tokens]]\nname = "{name}"\ntoken = "{digest(token) if who == "a-reader" else token}"\n'
    f"grants = {grants}\n"
    for who, (name, token, grants) in PEOPLE.items()
)
STUBS = {
    "sigma.v1.Scheduler": scheduler_pb2_grpc.SchedulerStub,
    "sigma.v1.Colocator": colocator_pb2_grpc.ColocatorStub,
    "sigma.v1.Slave": slave_pb2_grpc.SlaveStub,
    "sigma.v1.BatchWorkers": worker_pb2_grpc.BatchWorkersStub,
}


@dataclass
class Cluster:
    api_store: MemoryStore
    slave_store: MemoryStore
    channel: grpc.aio.Channel
    rules: Mapping[str, Rule]
    seeded: dict[str, Any] = field(default_factory=dict)

    def method(self, path: str) -> Any:
        service, name = path.rsplit("/", 1)
        short = service.rsplit(".", 1)[1]
        stub = STUBS.get(service) or getattr(apiserver_pb2_grpc, f"{short}Stub")
        return getattr(stub(self.channel), name)

    async def call(self, path: str, request: Message, who: str | None) -> tuple[Any, Any]:
        """(status code, response or first streamed message) of one call as ``who``."""
        metadata = (("authorization", f"Bearer {TOKENS.get(who, who)}"),) if who else ()
        method = self.method(path)
        try:
            if path.endswith("/Attach"):  # both ways: the request opens the stream
                stream = method(iter([request]), metadata=metadata, timeout=5)
                first = await anext(aiter(stream), None)
                stream.cancel()
                return grpc.StatusCode.OK, first
            if path.endswith(("/Watch", "/StreamLogs")):
                stream = method(request, metadata=metadata, timeout=5)
                first = await anext(aiter(stream), None)
                stream.cancel()
                return grpc.StatusCode.OK, first
            return grpc.StatusCode.OK, await method(request, metadata=metadata, timeout=5)
        except grpc.aio.AioRpcError as exc:
            return exc.code(), exc.details()

    async def state(self) -> tuple[int, int]:
        return await self.api_store.revision(), await self.slave_store.revision()


async def _seed(c: Cluster) -> None:
    for ns in ("a", "b"):
        for name in ("web", "gone"):
            change = await c.call("sigma.v1.Apps/Create", _app_request(ns, name), "system")
            assert change[0] == grpc.StatusCode.OK, change
            c.seeded[f"{ns}/task"] = change[1].task.meta.name
        for name in ("etl", "old", "stop"):
            made = await c.call("sigma.v1.BatchJobs/Create", _job_request(ns, name), "system")
            assert made[0] == grpc.StatusCode.OK, made
        pods = Repository(c.api_store, POD)
        for name in ("p", "p-del", "p-evict"):
            await pods.create(pod_pb2.Pod(meta=meta_pb2.ObjectMeta(namespace=ns, name=name)))
    for name in ("rules", "rules-del"):
        made = await c.call(
            "sigma.v1.InterferenceRuleSets/Create",
            api.CreateInterferenceRuleSetRequest(
                namespace="system", rule_set=samples.interference_rule_set(name, "a")
            ),
            "system",
        )
        assert made[0] == grpc.StatusCode.OK, made
    for name in ("n1", "n-del"):
        reg = api.RegisterNodeRequest(namespace="system", node=samples.node(name))
        registered = await c.call("sigma.v1.Nodes/Register", reg, "system")
        assert registered[0] == grpc.StatusCode.OK, registered
        c.seeded[f"lease/{name}"] = registered[1].lease_id


def _app_request(ns: str, name: str) -> api.CreateAppRequest:
    return api.CreateAppRequest(namespace=ns, app=samples.app(name))


def _job_request(ns: str, name: str) -> api.CreateBatchJobRequest:
    return api.CreateBatchJobRequest(namespace=ns, job=samples.batch_job(name))


async def _pod_version(c: Cluster, ns: str) -> int:
    return (await Repository(c.api_store, POD).get(ns, "p")).meta.resource_version


Build = Callable[[Cluster, str], Awaitable[Message]]


def req(message: type[Message], **fields: Any) -> Build:
    """A request in namespace ``ns`` with ``fields`` (a callable field gets the cluster)."""

    async def build(c: Cluster, ns: str) -> Message:
        values = {k: (await v(c, ns) if callable(v) else v) for k, v in fields.items()}
        return message(namespace=ns, **values)

    return build


def bare(request: Message) -> Build:
    async def build(c: Cluster, ns: str) -> Message:
        return request

    return build


async def _running(c: Cluster, ns: str) -> pod_pb2.PodStatus:
    return pod_pb2.PodStatus(phase=pod_pb2.POD_PHASE_RUNNING)


async def _lease(c: Cluster, ns: str) -> int:
    return int(c.seeded["lease/n1"])


async def _task(c: Cluster, ns: str) -> str:
    return str(c.seeded[f"{ns}/task"])


async def _node_version(c: Cluster, ns: str) -> int:
    got = await c.call("sigma.v1.Nodes/Get", api.GetNodeRequest(namespace="a", node_name="n1"), "a")
    return int(got[1].meta.resource_version)


async def _template(c: Cluster, ns: str) -> Any:
    return samples.template()


@dataclass(frozen=True)
class Case:
    build: Build
    owner: str | None = "a"  # the namespace the rightful caller acts in; None: cluster-scoped
    caller: str = "a"  # whose token the rightful call carries
    ok: grpc.StatusCode = grpc.StatusCode.OK  # its normal answer


SYSTEM_WRITE = {"owner": "system", "caller": "system"}
LABEL = api.MetadataChange(set_labels={"tier": "gold"}, overwrite=True)
CLUSTER = {"owner": None, "caller": "system"}
CASES: dict[str, Case] = {
    "sigma.v1.Apps/Create": Case(req(api.CreateAppRequest, app=samples.app("fresh"))),
    "sigma.v1.Apps/Get": Case(req(api.GetAppRequest, name="web")),
    "sigma.v1.Apps/List": Case(req(api.ListAppsRequest)),
    "sigma.v1.Apps/Watch": Case(req(api.WatchAppsRequest)),
    "sigma.v1.Apps/Delete": Case(req(api.DeleteAppRequest, name="gone")),
    "sigma.v1.Apps/Scale": Case(req(api.ScaleAppRequest, name="web", replicas=1)),
    "sigma.v1.Apps/Upgrade": Case(req(api.UpgradeAppRequest, name="web", template=_template)),
    "sigma.v1.Apps/TimeShare": Case(
        req(api.TimeShareAppRequest, name="web", replicas=1),
        ok=grpc.StatusCode.FAILED_PRECONDITION,  # the sample App has time-sharing off
    ),
    "sigma.v1.Apps/UpdateMetadata": Case(
        req(api.UpdateAppMetadataRequest, name="web", change=LABEL)
    ),
    "sigma.v1.BatchJobs/Create": Case(req(api.CreateBatchJobRequest, job=samples.batch_job("j"))),
    "sigma.v1.BatchJobs/Get": Case(req(api.GetBatchJobRequest, name="etl")),
    "sigma.v1.BatchJobs/List": Case(req(api.ListBatchJobsRequest)),
    "sigma.v1.BatchJobs/Watch": Case(req(api.WatchBatchJobsRequest)),
    "sigma.v1.BatchJobs/Delete": Case(req(api.DeleteBatchJobRequest, name="old")),
    "sigma.v1.BatchJobs/Cancel": Case(req(api.CancelBatchJobRequest, name="stop")),
    "sigma.v1.BatchJobs/UpdateMetadata": Case(
        req(api.UpdateBatchJobMetadataRequest, name="etl", change=LABEL)
    ),
    "sigma.v1.Pods/Get": Case(req(api.GetPodRequest, name="p")),
    "sigma.v1.Pods/List": Case(req(api.ListPodsRequest)),
    "sigma.v1.Pods/Watch": Case(req(api.WatchPodsRequest)),
    "sigma.v1.Pods/Delete": Case(req(api.DeletePodRequest, name="p-del")),
    "sigma.v1.Pods/Evict": Case(req(api.EvictPodRequest, name="p-evict")),
    "sigma.v1.Pods/UpdateMetadata": Case(req(api.UpdatePodMetadataRequest, name="p", change=LABEL)),
    "sigma.v1.Pods/UpdateStatus": Case(
        req(api.UpdatePodStatusRequest, name="p", status=_running, resource_version=_pod_version)
    ),
    "sigma.v1.Nodes/Register": Case(
        req(api.RegisterNodeRequest, node=samples.node("n2")), **SYSTEM_WRITE
    ),
    "sigma.v1.Nodes/Heartbeat": Case(
        req(api.HeartbeatRequest, node_name="n1", lease_id=_lease, ready=True), **SYSTEM_WRITE
    ),
    "sigma.v1.Nodes/UpdateStatus": Case(
        req(api.UpdateNodeStatusRequest, node_name="n1", resource_version=_node_version),
        **SYSTEM_WRITE,
    ),
    "sigma.v1.Nodes/Cordon": Case(
        req(api.CordonNodeRequest, node_name="n1", unschedulable=True), **SYSTEM_WRITE
    ),
    "sigma.v1.Nodes/Get": Case(req(api.GetNodeRequest, node_name="n1")),
    "sigma.v1.Nodes/List": Case(req(api.ListNodesRequest)),
    "sigma.v1.Nodes/Watch": Case(req(api.WatchNodesRequest)),
    "sigma.v1.Nodes/Delete": Case(req(api.DeleteNodeRequest, node_name="n-del"), **SYSTEM_WRITE),
    "sigma.v1.Nodes/UpdateMetadata": Case(
        req(api.UpdateNodeMetadataRequest, node_name="n1", change=LABEL), **SYSTEM_WRITE
    ),
    "sigma.v1.InterferenceRuleSets/Create": Case(
        req(
            api.CreateInterferenceRuleSetRequest,
            rule_set=samples.interference_rule_set("fresh", "a"),
        ),
        **SYSTEM_WRITE,
    ),
    "sigma.v1.InterferenceRuleSets/Get": Case(req(api.GetInterferenceRuleSetRequest, name="rules")),
    "sigma.v1.InterferenceRuleSets/List": Case(req(api.ListInterferenceRuleSetsRequest)),
    "sigma.v1.InterferenceRuleSets/Watch": Case(req(api.WatchInterferenceRuleSetsRequest)),
    "sigma.v1.InterferenceRuleSets/Update": Case(
        req(
            api.UpdateInterferenceRuleSetRequest,
            rule_set=samples.interference_rule_set("rules", "a"),
        ),
        **SYSTEM_WRITE,
    ),
    "sigma.v1.InterferenceRuleSets/Delete": Case(
        req(api.DeleteInterferenceRuleSetRequest, name="rules-del"), **SYSTEM_WRITE
    ),
    "sigma.v1.InterferenceRuleSets/UpdateMetadata": Case(
        req(api.UpdateInterferenceRuleSetMetadataRequest, name="rules", change=LABEL),
        **SYSTEM_WRITE,
    ),
    "sigma.v1.Tasks/Get": Case(req(api.GetTaskRequest, name=_task)),
    "sigma.v1.Tasks/List": Case(req(api.ListTasksRequest)),
    "sigma.v1.Tasks/Watch": Case(req(api.WatchTasksRequest)),
    "sigma.v1.Events/List": Case(req(api.ListEventsRequest)),
    "sigma.v1.Scheduler/Explain": Case(
        req(scheduler_pb2.ExplainRequest, hypothetical=pod_pb2.PodSpec(template=samples.template()))
    ),
    "sigma.v1.Scheduler/GetQueue": Case(req(scheduler_pb2.GetQueueRequest)),
    "sigma.v1.Colocator/GetNodeBudget": Case(
        bare(colocator_pb2.GetNodeBudgetRequest(node_name="n1")),
        ok=grpc.StatusCode.NOT_FOUND,  # no usage reported yet
        **CLUSTER,
    ),
    "sigma.v1.Colocator/ExplainBudget": Case(
        bare(colocator_pb2.ExplainBudgetRequest(node_name="n1")), **CLUSTER
    ),
    "sigma.v1.Colocator/GetClusterUtilization": Case(
        bare(colocator_pb2.GetClusterUtilizationRequest()), **CLUSTER
    ),
    "sigma.v1.Colocator/ListDecisions": Case(bare(colocator_pb2.ListDecisionsRequest()), **CLUSTER),
    "sigma.v1.Colocator/ListPodUsage": Case(req(colocator_pb2.ListPodUsageRequest)),
    "sigma.v1.Slave/GetNodeStatus": Case(bare(slave_pb2.GetNodeStatusRequest()), **CLUSTER),
    "sigma.v1.Slave/ListLocalPods": Case(bare(slave_pb2.ListLocalPodsRequest()), **CLUSTER),
    "sigma.v1.Slave/Drain": Case(bare(slave_pb2.DrainRequest(batch_only=True)), **CLUSTER),
    # The slave runs the pod a/svc; a simulated pod's log is empty, but the team may read it.
    "sigma.v1.Slave/StreamLogs": Case(req(slave_pb2.StreamLogsRequest, pod="svc")),
    # Job masters only; a/svc runs here but is no worker, which the rightful caller is told.
    "sigma.v1.BatchWorkers/Attach": Case(
        bare(worker_pb2.WorkerCommand(attach=worker_pb2.AttachWorker(pod_key="a/svc"))),
        ok=grpc.StatusCode.INVALID_ARGUMENT,
        **CLUSTER,
    ),
}


@pytest.fixture(scope="module")
def token_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("auth") / "tokens.toml"
    path.write_text(TOKEN_FILE)
    return path


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def cluster(token_file: Path) -> AsyncIterator[Cluster]:
    """The apiserver's five services, a scheduler, a colocator and a slave behind one server.

    No background loop writes to the apiserver's store, and the clock stands still for the
    slave and for the stores' leases (a seeded node's lease running out would delete its keys
    mid-module on a slow machine), so a store revision that moved was moved by a call.
    """
    clock = ManualClock()
    api_store, slave_store, bus = MemoryStore(clock=clock), MemoryStore(clock=clock), MemoryBus()
    settings = ApiServerSettings(namespaces=("a", "b", "system"), watch_bookmark_interval=0.05)
    colocator = Colocator(
        api_store,
        bus,
        ColocatorSettings(),
        clock=clock,
        wall=lambda: 0.0,
        api=InProcessApi(api_store, wall=lambda: 0.0),
    )
    runtime = SimulatedCluster(clock).runtime("n1", 4, 8 << 30)
    agent = SlaveAgent(
        "n1",
        StoreControlPlane(slave_store, bus, "n1"),
        runtime,
        clock,
        AgentConfig(cpu_count=4, memory_bytes=8 << 30, resync_interval=0.05),
    )
    running = asyncio.ensure_future(agent.run())
    job = pod_pb2.Pod(meta=meta_pb2.ObjectMeta(namespace="a", name="job"))
    job.spec.node_name, job.spec.qos_class = "n1", meta_pb2.QOS_CLASS_BE
    job.spec.template.containers.add(name="c", command=["x"]).resources.requests.cpu_millis = 500
    await Repository(slave_store, POD).create(job)
    svc = pod_pb2.Pod(meta=meta_pb2.ObjectMeta(namespace="a", name="svc"))  # stays through Drain
    svc.spec.node_name, svc.spec.qos_class = "n1", meta_pb2.QOS_CLASS_LS
    svc.spec.template.containers.add(name="c", command=["x"])
    await Repository(slave_store, POD).create(svc)
    await eventually(lambda: len(runtime.pods()) == 2, timeout=5)
    services = [
        *apiserver_services(Api(api_store, settings)),
        scheduler_service(Scheduler(api_store, clock=clock)),
        colocator_service(colocator),
        slave_service(agent),
        worker_service(WorkerHost(runtime, lambda key: _pod_of(agent, key))),
    ]
    config = rpc.ServerConfig(
        port=0, grace=0.2, guard=Security(auth_tokens=str(token_file)).guard()
    )
    async with rpc.RpcServer(services, config) as server, rpc.channel(server.address) as channel:
        c = Cluster(api_store, slave_store, channel, access_rules(services, require=True))
        await _seed(c)
        yield c
    running.cancel()
    await asyncio.gather(running, return_exceptions=True)


def _pod_of(agent: SlaveAgent, key: str) -> pod_pb2.Pod | None:
    return next(
        (p for p in agent.control.my_pods() if f"{p.meta.namespace}/{p.meta.name}" == key), None
    )


def _all_methods() -> list[str]:
    return [
        f"{s.full_name}/{m.name}"
        for module in (api, scheduler_pb2, colocator_pb2, slave_pb2, worker_pb2)
        for s in module.DESCRIPTOR.services_by_name.values()
        for m in s.methods
    ]


@pytest.mark.parametrize("method", _all_methods())
async def test_only_the_rightful_caller_gets_in(cluster: Cluster, method: str) -> None:
    case = CASES[method]  # a KeyError here: a new RPC needs a case (and an access rule)
    c = cluster
    foreign = "b" if case.owner is not None else None
    before = await c.state()
    for who in (None, "not-a-token"):
        code, details = await c.call(method, await case.build(c, case.owner or "a"), who)
        assert code == grpc.StatusCode.UNAUTHENTICATED, (who, details)
    attempts = [("a", foreign or "a"), ("b", "a" if foreign else "b"), ("a-admin", "b")]
    if case.owner == "system":  # a team writing cluster objects in the system namespace
        attempts.append(("a-admin", "system"))
    if c.rules[f"/{method}"].verb != "read":  # a reader changing its own namespace
        attempts.append(("a-reader", case.owner or "a"))
    for who, ns in attempts:
        code, details = await c.call(method, await case.build(c, ns), who)
        assert code == grpc.StatusCode.PERMISSION_DENIED, (who, ns, details)
        where = f"in namespace {ns!r}" if case.owner is not None else "cluster-wide"
        assert where in details and TOKENS[who] not in details, details
    assert await c.state() == before, "a refused call changed a store"
    if c.rules[f"/{method}"].verb == "read" and case.owner == "a":
        code, answer = await c.call(method, await case.build(c, "a"), "a-reader")
        assert code == case.ok, answer
    code, answer = await c.call(method, await case.build(c, case.owner or "a"), case.caller)
    assert code == case.ok, answer


async def test_listing_or_watching_every_namespace_needs_a_cluster_grant(cluster: Cluster) -> None:
    """A slave's view of its node's pods spans the teams, as does an empty namespace
    (`sigmactl get -A`): a team token cannot take them."""
    for method, request in (
        ("sigma.v1.Pods/List", api.ListPodsRequest(node_name="n1")),
        ("sigma.v1.Pods/Watch", api.WatchPodsRequest(node_name="n1")),
        ("sigma.v1.Pods/List", api.ListPodsRequest()),
        ("sigma.v1.Apps/List", api.ListAppsRequest()),
        ("sigma.v1.Apps/Watch", api.WatchAppsRequest()),
        ("sigma.v1.Tasks/List", api.ListTasksRequest()),
        ("sigma.v1.Events/List", api.ListEventsRequest()),
        ("sigma.v1.Scheduler/GetQueue", scheduler_pb2.GetQueueRequest()),
        ("sigma.v1.Colocator/ListPodUsage", colocator_pb2.ListPodUsageRequest()),
    ):
        for who in ("a", "a-admin"):
            code, details = await cluster.call(method, request, who)
            assert code == grpc.StatusCode.PERMISSION_DENIED and "cluster-wide" in details
        code, answer = await cluster.call(method, request, "system")
        assert code == grpc.StatusCode.OK, answer
