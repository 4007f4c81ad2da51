"""Builders shared by the colocator's integration tests: nodes, pods, apps and usage reports."""

from __future__ import annotations

from google.protobuf.timestamp_pb2 import Timestamp

from sigma.bus import Bus
from sigma.cli.inprocess import InProcessApi
from sigma.colocator.replica import Colocator
from sigma.colocator.settings import ColocatorSettings
from sigma.resources import APP, NODE, POD, Repository
from sigma.store import Store
from sigma.testing.clock import ManualClock
from sigma.v1 import app_pb2, event_pb2, meta_pb2, node_pb2, pod_pb2

GiB = 1 << 30
CAP = meta_pb2.ResourceList(cpu_millis=10_000, memory_bytes=100 * GiB)


def ts(wall: float) -> Timestamp:
    out = Timestamp()
    out.FromNanoseconds(int(wall * 1e9))
    return out


async def add_node(store: Store, name: str) -> None:
    node = node_pb2.Node(
        meta=meta_pb2.ObjectMeta(name=name, labels={"rack": "r1"}),
        spec=node_pb2.NodeSpec(capacity=CAP, allocatable=CAP, cpu_count=10),
        status=node_pb2.NodeStatus(phase=node_pb2.NODE_PHASE_READY, agent_version="v1"),
    )
    await Repository(store, NODE).create(node)


async def add_pod(
    store: Store,
    key: str,
    node: str,
    qos: int,
    priority: int = 0,
    started: float = 0.0,
    app: str = "",
    cpu: int = 0,
    unschedulable: bool = False,
) -> None:
    """A running pod on ``node`` asking ``cpu`` millicores; or, with ``unschedulable`` (and no
    node), one the scheduler marked PodScheduled=False/Unschedulable."""
    namespace, _, name = key.partition("/")
    pod = pod_pb2.Pod(
        meta=meta_pb2.ObjectMeta(namespace=namespace, name=name, uid=name),
        spec=pod_pb2.PodSpec(
            node_name=node,
            qos_class=qos,  # type: ignore[arg-type]
            priority=priority,
            owner_kind=pod_pb2.POD_OWNER_KIND_APP if app else pod_pb2.POD_OWNER_KIND_UNSPECIFIED,
            owner_name=app,
        ),
        status=pod_pb2.PodStatus(phase=pod_pb2.POD_PHASE_RUNNING, start_time=ts(started)),
    )
    pod.spec.template.containers.add(name="main").resources.requests.cpu_millis = cpu
    if unschedulable:
        pod.status.phase = pod_pb2.POD_PHASE_PENDING
        pod.status.ClearField("start_time")
        pod.status.conditions.add(
            type="PodScheduled",
            status=meta_pb2.CONDITION_STATUS_FALSE,
            reason="Unschedulable",
            message="0/1 nodes: insufficient cpu",
        )
    await Repository(store, POD).create(pod)


async def add_app(store: Store, name: str, load: list[float], replicas: int, floor: int) -> None:
    """A time-shared app; an empty ``load`` leaves the profile to be learned."""
    app = app_pb2.App(
        meta=meta_pb2.ObjectMeta(namespace="default", name=name, uid=f"{name}-uid", generation=1),
        spec=app_pb2.AppSpec(
            replicas=replicas,
            min_replicas=floor,
            qos_class=meta_pb2.QOS_CLASS_LS,
            time_sharing=app_pb2.TimeSharingPolicy(
                enabled=True,
                profile=app_pb2.TrafficProfile(
                    slot_seconds=86400 // len(load) if load else 0, load=load
                ),
                headroom=0.2,
            ),
        ),
    )
    app.spec.time_sharing.lead_time.FromSeconds(1800)
    await Repository(store, APP).create(app)


def report(
    node: str,
    wall: float,
    online_cpu: int,
    batch_cpu: int = 0,
    system_cpu: int = 500,
    pods: tuple[tuple[str, int, int], ...] = (),
) -> event_pb2.NodeUsageReport:
    """A report with 10 GiB online and 1 GiB system memory; pods are (key, qos, cpu)."""
    usage = node_pb2.NodeUsage(
        cpu_millis=online_cpu + batch_cpu + system_cpu,
        online_cpu_millis=online_cpu,
        online_memory_bytes=10 * GiB,
        batch_cpu_millis=batch_cpu,
        system_cpu_millis=system_cpu,
        system_memory_bytes=GiB,
        sampled_at=ts(wall),
    )
    return event_pb2.NodeUsageReport(
        node_name=node,
        sampled_at=ts(wall),
        usage=usage,
        capacity=CAP,
        pods=[
            event_pb2.PodUsage(pod_key=k, qos_class=q, cpu_millis=c, memory_bytes=GiB)  # type: ignore[arg-type]
            for k, q, c in pods
        ],
    )


def colocator(
    store: Store, bus: Bus, wall: list[float], settings: ColocatorSettings | None = None
) -> Colocator:
    """A colocator replica on a manual clock whose wall time is ``wall[0]``, calling the
    apiserver's rules in process."""
    return Colocator(
        store,
        bus,
        settings or ColocatorSettings(),
        clock=ManualClock(),
        wall=lambda: wall[0],
        api=InProcessApi(store, wall=lambda: wall[0]),
    )
