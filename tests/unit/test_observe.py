"""What a pod change or a decision means for the tiers' metrics (pure, no servers)."""

from __future__ import annotations

from typing import Any

from sigma import observe
from sigma.metrics import value
from sigma.v1 import event_pb2, meta_pb2, pod_pb2


def _pod(node: str = "", phase: int = pod_pb2.POD_PHASE_PENDING, created: float = 100.0) -> Any:
    pod = pod_pb2.Pod()
    pod.spec.qos_class = meta_pb2.QOS_CLASS_BE
    pod.spec.node_name = node
    pod.status.phase = phase  # type: ignore[assignment]
    pod.meta.creation_timestamp.FromMilliseconds(int(created * 1000))
    return pod


def test_a_binding_counts_once_with_its_latency() -> None:
    before = value(observe.PLACEMENTS, qos="BE")
    seen = value(observe.PLACEMENT_SECONDS, qos="BE")
    observe.pod_changed(_pod(), _pod("n1"), now=102.5)
    observe.pod_changed(_pod("n1"), _pod("n1", pod_pb2.POD_PHASE_RUNNING), now=103.0)
    observe.pod_changed(_pod(), _pod(), now=104.0)
    assert value(observe.PLACEMENTS, qos="BE") == before + 1
    assert value(observe.PLACEMENT_SECONDS, qos="BE") == seen + 1


def test_pending_counts_unbound_unfinished_pods_by_qos() -> None:
    pods = [_pod(), _pod(), _pod("n1"), _pod(phase=pod_pb2.POD_PHASE_FAILED)]
    ls = _pod()
    ls.spec.qos_class = meta_pb2.QOS_CLASS_LS
    assert observe.pending_by_qos([*pods, ls]) == {"BE": 2, "LS": 1}


def test_each_tier_counts_only_its_own_decisions() -> None:
    evict = event_pb2.COLOCATION_DECISION_KIND_EVICT
    by_colocator = event_pb2.ColocationDecision(kind=evict, source="colocator", reason="Starved")
    by_slave = event_pb2.ColocationDecision(
        kind=evict, source="slave/n1", node_name="n1", reason="CpuPressure"
    )
    colocator = value(observe.COLOCATOR_EVICTIONS, reason="Starved")
    slave = value(observe.SLAVE_EVICTIONS, node="n1", reason="CpuPressure")
    for decision in (by_colocator, by_slave):
        for tier in ("colocator", "slave"):
            observe.decision_made(decision, tier)
    assert value(observe.COLOCATOR_EVICTIONS, reason="Starved") == colocator + 1
    assert value(observe.SLAVE_EVICTIONS, node="n1", reason="CpuPressure") == slave + 1
    assert value(observe.SLAVE_ACTIONS, node="n1", kind="EVICT") >= 1
