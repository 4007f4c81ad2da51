"""The chaos suite's checks themselves, on hand-made snapshots: each catches what it names.

A check that cannot fail proves nothing, so every violation the suite looks for is shown here
to be found (and a sound cluster to pass).
"""

from __future__ import annotations

from sigma.v1 import batch_pb2, meta_pb2, node_pb2, pod_pb2
from tests.chaos._checks import Snapshot
from tests.chaos._rollout import CPU_MILLIS, MEMORY, Workload

WORKLOAD = Workload(apps=1, replicas=2, jobs=1, instances=1)
RUNNING, SUCCEEDED = pod_pb2.POD_PHASE_RUNNING, pod_pb2.POD_PHASE_SUCCEEDED
APP, JOB = pod_pb2.POD_OWNER_KIND_APP, pod_pb2.POD_OWNER_KIND_BATCH_JOB


def _pod(name: str, node: str, phase: int = RUNNING, owner: int = APP) -> pod_pb2.Pod:
    pod = pod_pb2.Pod()
    pod.meta.namespace, pod.meta.name, pod.meta.uid = "default", name, f"uid-{name}"
    pod.spec.node_name, pod.status.node_name = node, node
    pod.spec.owner_kind = owner  # type: ignore[assignment]
    pod.spec.owner_name = "etl-0" if owner == JOB else "web-0"
    pod.status.phase = phase  # type: ignore[assignment]
    c = pod.spec.template.containers.add(name="main")
    c.resources.requests.cpu_millis, c.resources.requests.memory_bytes = CPU_MILLIS, MEMORY
    return pod


def _sound() -> Snapshot:
    """Two online pods on n1 and n2, the one batch instance done: what a converged run leaves."""
    pods = [
        _pod("web-0-0", "n1"),
        _pod("web-0-1", "n2"),
        _pod("etl-0-map-0-0", "n1", SUCCEEDED, JOB),
    ]
    nodes, records = {}, {}
    for name in ("n1", "n2"):
        node = node_pb2.Node()
        node.meta.name = name
        node.spec.allocatable.cpu_millis, node.spec.allocatable.memory_bytes = 1000, 1 << 30
        nodes[name] = node
        records[name] = node_pb2.NodeAllocation(node_name=name)
    for pod in pods[:2]:
        records[pod.spec.node_name].pods.add(
            pod_key=f"default/{pod.meta.name}",
            pod_uid=pod.meta.uid,
            requests=meta_pb2.ResourceList(cpu_millis=CPU_MILLIS, memory_bytes=MEMORY),
        )
    job = batch_pb2.BatchJob()
    job.meta.name, job.status.phase = "etl-0", batch_pb2.BATCH_JOB_PHASE_SUCCEEDED
    return Snapshot(pods, [job], nodes, records)


def test_a_sound_cluster_owes_nothing_and_breaks_nothing() -> None:
    snap = _sound()
    assert snap.pending(WORKLOAD) == []
    assert snap.violations(WORKLOAD) == []


def test_a_lost_online_pod_is_found() -> None:
    snap = _sound()
    del snap.pods[1]
    snap.records["n2"].ClearField("pods")
    assert any("lost ['web-0-1']" in v for v in snap.violations(WORKLOAD))


def test_a_pod_held_by_two_nodes_is_found() -> None:
    snap = _sound()
    snap.records["n2"].pods.add(pod_key="default/web-0-0", pod_uid="uid-web-0-0")
    found = snap.violations(WORKLOAD)
    assert any(v.startswith("default/web-0-0 bound to [('n1'") for v in found)
    assert snap.pending(WORKLOAD) != []  # n2's record disagrees with its pods


def test_a_node_over_capacity_is_found() -> None:
    snap = _sound()
    snap.nodes["n1"].spec.allocatable.cpu_millis = CPU_MILLIS - 1
    assert [v for v in snap.violations(WORKLOAD) if "over capacity" in v] == [
        f"n1 over capacity by its pods: cpu {CPU_MILLIS}/{CPU_MILLIS - 1}, memory {MEMORY}/"
        f"{1 << 30}",
        f"n1 over capacity by its record: cpu {CPU_MILLIS}/{CPU_MILLIS - 1}, memory {MEMORY}/"
        f"{1 << 30}",
    ]


def test_a_batch_instance_run_twice_or_never_is_found() -> None:
    snap = _sound()
    snap.pods.append(_pod("etl-0-map-0-1", "n2", SUCCEEDED, JOB))
    assert "batch etl-0 instance 0 succeeded 2 times" in snap.violations(WORKLOAD)
    snap.pods = [p for p in snap.pods if p.spec.owner_kind == APP]
    assert "batch etl-0 instance 0 succeeded 0 times" in snap.violations(WORKLOAD)


def test_a_finished_pod_still_holding_its_room_is_owed() -> None:
    snap = _sound()
    snap.records["n1"].pods.add(pod_key="default/etl-0-map-0-0", pod_uid="uid-etl-0-map-0-0")
    assert any("held but not live ['default/etl-0-map-0-0']" in o for o in snap.pending(WORKLOAD))
