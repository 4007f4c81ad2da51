"""Worker pods and the room for them, from records."""

from __future__ import annotations

from sigma.scheduler.batch import records, workers
from sigma.scheduler.batch.sizing import NodeRoom
from sigma.v1 import batch_pb2, meta_pb2, node_pb2, pod_pb2


def _job() -> batch_pb2.BatchJob:
    job = batch_pb2.BatchJob()
    job.meta.namespace, job.meta.name, job.meta.uid = "team", "etl", "u1"
    job.spec.priority = 7
    job.spec.workers.slots = 4
    task = job.spec.tasks.add(name="map", instances=10)
    task.template.node_selector["disk"] = "ssd"
    task.template.containers.add(
        name="m", image="etl:1", command=["run"], args=["--fast"], env={"A": "1"}
    )
    return job


def test_a_worker_pod_is_a_be_pod_of_the_job_sized_by_its_slots() -> None:
    job = _job()
    pod = workers.worker_pod(job, 3, 250, 64 << 20)
    assert pod.meta.name.startswith("etl-worker-") and pod.meta.namespace == "team"
    assert [(r.kind, r.name, r.uid) for r in pod.meta.owner_references] == [
        ("BatchJob", "etl", "u1")
    ]
    assert (pod.spec.worker_slots, pod.spec.qos_class, pod.spec.priority) == (
        3,
        meta_pb2.QOS_CLASS_BE,
        7,
    )
    (c,) = pod.spec.template.containers
    assert (c.image, tuple(c.command)) == ("etl:1", workers.HOLD)
    assert (c.resources.requests.cpu_millis, c.resources.requests.memory_bytes) == (
        750,
        192 << 20,
    )
    assert dict(pod.spec.template.node_selector) == {"disk": "ssd"}
    assert pod.status.phase == pod_pb2.POD_PHASE_PENDING
    assert workers.is_worker_of(pod, job)
    other = _job()
    other.meta.uid = "u2"  # the same name, another incarnation
    assert not workers.is_worker_of(pod, other)


def test_an_instance_runs_its_own_tasks_command() -> None:
    assert workers.command(_job().spec.tasks[0]) == (("run", "--fast"), {"A": "1"})
    assert workers.command(batch_pb2.BatchTask(name="empty")) == ((), {})


def _node(name: str, cpu: int, *, phase: int = node_pb2.NODE_PHASE_READY) -> node_pb2.Node:
    node = node_pb2.Node()
    node.meta.name = name
    node.status.phase = phase  # type: ignore[assignment]
    node.status.batch_capacity.cpu_millis = cpu
    node.status.batch_capacity.memory_bytes = 1 << 30
    return node


def test_the_room_is_batch_capacity_less_batch_requests_on_ready_schedulable_nodes() -> None:
    cordoned = _node("c", 1000)
    cordoned.spec.unschedulable = True
    used = node_pb2.NodeAllocation(node_name="a")
    used.batch_requested.cpu_millis = 300
    nodes = [_node("a", 1000), _node("b", 500), cordoned, _node("d", 900, phase=3)]
    assert workers.rooms(nodes, {"a": used}) == [
        NodeRoom("a", 700, 1 << 30),
        NodeRoom("b", 500, 1 << 30),
    ]


def test_a_worker_is_gone_once_its_pod_ended_is_deleted_or_its_node_is_lost() -> None:
    pod = pod_pb2.Pod()
    pod.status.phase = pod_pb2.POD_PHASE_RUNNING
    ready = _node("a", 1000)
    assert not records.gone(pod, ready) and not records.gone(pod, None)
    assert records.gone(pod, _node("a", 1000, phase=node_pb2.NODE_PHASE_UNKNOWN))
    assert "its node a is lost" in records.why(pod, _node("a", 0, phase=3))
    deleting = pod_pb2.Pod()
    deleting.CopyFrom(pod)
    deleting.meta.deletion_timestamp.seconds = 1
    assert records.gone(deleting, ready)
    for phase in (pod_pb2.POD_PHASE_EVICTED, pod_pb2.POD_PHASE_FAILED):
        ended = pod_pb2.Pod()
        ended.status.phase = phase  # type: ignore[assignment]
        ended.status.reason = "OnlineStarved" if phase == pod_pb2.POD_PHASE_EVICTED else ""
        assert records.gone(ended, ready)
    assert records.why(ended, ready) == "its pod ended (POD_PHASE_FAILED)"
