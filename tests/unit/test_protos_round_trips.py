"""Messages survive the wire unchanged: every kind, fully populated, serialised and parsed back;
an explicit zero stays distinguishable from unset, and an event carries exactly one object."""

from __future__ import annotations

import pytest
from google.protobuf.duration_pb2 import Duration
from google.protobuf.timestamp_pb2 import Timestamp

from sigma.v1 import app_pb2, batch_pb2, event_pb2, meta_pb2, node_pb2, pod_pb2


def _meta(name: str, namespace: str = "search") -> meta_pb2.ObjectMeta:
    return meta_pb2.ObjectMeta(
        namespace=namespace,
        name=name,
        uid=f"uid-{name}",
        labels={"app": "frontend"},
        annotations={"note": "x"},
        resource_version=42,
        generation=3,
        creation_timestamp=Timestamp(seconds=1_700_000_000, nanos=5),
        owner_references=[meta_pb2.OwnerReference(kind="App", name="frontend", uid="u1")],
    )


def _template() -> pod_pb2.PodTemplate:
    return pod_pb2.PodTemplate(
        labels={"app": "frontend"},
        containers=[
            pod_pb2.Container(
                name="main",
                command=["python", "-m", "http.server"],
                args=["8080"],
                env={"MODE": "prod"},
                working_dir="/srv",
                resources=pod_pb2.ResourceRequirements(
                    requests=meta_pb2.ResourceList(cpu_millis=500, memory_bytes=256 << 20),
                    limits=meta_pb2.ResourceList(cpu_millis=1000, memory_bytes=512 << 20),
                ),
            )
        ],
        qos_class=meta_pb2.QOS_CLASS_LS,
        priority=100,
        node_selector={"zone": "a"},
        tolerations=[
            meta_pb2.Toleration(
                key="dedicated",
                operator=meta_pb2.TOLERATION_OPERATOR_EQUAL,
                value="search",
                effect=meta_pb2.TAINT_EFFECT_NO_SCHEDULE,
            )
        ],
        termination_grace_period=Duration(seconds=30),
    )


def _pod() -> pod_pb2.Pod:
    return pod_pb2.Pod(
        meta=_meta("frontend-0"),
        spec=pod_pb2.PodSpec(
            template=_template(),
            owner_kind=pod_pb2.POD_OWNER_KIND_APP,
            owner_name="frontend",
            node_name="n1",
            priority=100,
            qos_class=meta_pb2.QOS_CLASS_LSE,
            template_hash="abc123",
            instance_index=0,
        ),
        status=pod_pb2.PodStatus(
            phase=pod_pb2.POD_PHASE_RUNNING,
            node_name="n1",
            cpuset="0-3,8",
            start_time=Timestamp(seconds=1_700_000_100),
            conditions=[meta_pb2.Condition(type="Ready", status=meta_pb2.CONDITION_STATUS_TRUE)],
        ),
    )


def _app() -> app_pb2.App:
    return app_pb2.App(
        meta=_meta("frontend"),
        spec=app_pb2.AppSpec(
            replicas=10,
            template=_template(),
            qos_class=meta_pb2.QOS_CLASS_LS,
            priority=100,
            spread=app_pb2.SpreadPolicy(
                constraints=[
                    app_pb2.SpreadConstraint(
                        level=app_pb2.TOPOLOGY_LEVEL_CHASSIS,
                        mode=app_pb2.SPREAD_MODE_HARD,
                        max_skew=1,
                    )
                ]
            ),
            upgrade=app_pb2.RollingUpgradePolicy(max_unavailable=1, max_surge_percent=25),
            min_replicas=3,
            time_sharing=app_pb2.TimeSharingPolicy(
                enabled=True,
                profile=app_pb2.TrafficProfile(slot_seconds=3600, load=[0.2] * 8 + [1.0] * 16),
                headroom=0.2,
                lead_time=Duration(seconds=600),
            ),
        ),
        status=app_pb2.AppStatus(observed_generation=3, replicas=10, ready_replicas=9),
    )


def _node() -> node_pb2.Node:
    capacity = meta_pb2.ResourceList(cpu_millis=64_000, memory_bytes=256 << 30)
    return node_pb2.Node(
        meta=_meta("n1", namespace=""),
        spec=node_pb2.NodeSpec(
            capacity=capacity,
            allocatable=meta_pb2.ResourceList(cpu_millis=62_000, memory_bytes=250 << 30),
            topology=node_pb2.NodeTopology(host="n1", chassis="c1", core_switch="s1"),
            taints=[
                meta_pb2.Taint(
                    key="dedicated", value="search", effect=meta_pb2.TAINT_EFFECT_NO_EXECUTE
                )
            ],
            cpu_count=64,
        ),
        status=node_pb2.NodeStatus(
            phase=node_pb2.NODE_PHASE_READY,
            last_heartbeat=Timestamp(seconds=1_700_000_200),
            usage=node_pb2.NodeUsage(cpu_millis=20_000, online_cpu_millis=12_000),
            batch_capacity=meta_pb2.ResourceList(cpu_millis=30_000, memory_bytes=100 << 30),
            allocated=node_pb2.NodeAllocated(online=meta_pb2.ResourceList(cpu_millis=8_000)),
        ),
    )


def _batch_job() -> batch_pb2.BatchJob:
    return batch_pb2.BatchJob(
        meta=_meta("etl"),
        spec=batch_pb2.BatchJobSpec(
            tasks=[
                batch_pb2.BatchTask(name="extract", instances=4, template=_template()),
                batch_pb2.BatchTask(
                    name="load",
                    instances=1,
                    depends_on=["extract"],
                    template=_template(),
                    duration_hint=Duration(seconds=120),
                    max_retries=0,
                ),
            ],
            priority=10,
            qos_class=meta_pb2.QOS_CLASS_BE,
            max_retries=3,
        ),
        status=batch_pb2.BatchJobStatus(
            phase=batch_pb2.BATCH_JOB_PHASE_RUNNING,
            tasks=[batch_pb2.BatchTaskStatus(name="extract", running=4)],
        ),
    )


def _event() -> event_pb2.Event:
    return event_pb2.Event(
        type=event_pb2.EVENT_TYPE_MODIFIED,
        kind="Pod",
        key="search/frontend-0",
        revision=43,
        prev_revision=42,
        timestamp=Timestamp(seconds=1_700_000_300),
        pod=_pod(),
    )


@pytest.mark.parametrize("build", [_pod, _app, _node, _batch_job, _event])
def test_messages_survive_serialisation(build: object) -> None:
    message = build()  # type: ignore[operator]
    parsed = type(message).FromString(message.SerializeToString())
    assert parsed == message


def test_explicit_zero_retries_is_distinguishable_from_unset() -> None:
    tasks = batch_pb2.BatchJob.FromString(_batch_job().SerializeToString()).spec.tasks
    assert not tasks[0].HasField("max_retries")
    assert tasks[1].HasField("max_retries") and tasks[1].max_retries == 0


def test_event_carries_exactly_one_object() -> None:
    event = event_pb2.Event.FromString(_event().SerializeToString())
    assert event.WhichOneof("object") == "pod"
    event.node.CopyFrom(_node())
    assert event.WhichOneof("object") == "node"
    assert not event.HasField("pod")
