"""An App's target, upgrade bound and disruption budget, derived the same way everywhere."""

from __future__ import annotations

import pytest

from sigma.resources import apps, disruption
from sigma.v1 import app_pb2, meta_pb2, pod_pb2


def _app(replicas: int, *, floor: int = 0, shared: int = 0, min_available: int = 0) -> app_pb2.App:
    a = app_pb2.App()
    a.spec.replicas, a.spec.min_replicas, a.spec.min_available = replicas, floor, min_available
    a.spec.time_sharing.enabled = bool(shared)
    a.status.time_sharing_replicas = shared
    return a


@pytest.mark.parametrize(
    ("app", "target", "budget"),
    [
        (_app(4), 4, 3),  # 25% of 4 rounds down to 1 unavailable
        (_app(10, floor=2, shared=4), 4, 3),  # time-sharing's ask, within its floor
        (_app(10, floor=6, shared=4), 6, 5),  # never below the floor
        (_app(10, shared=20), 10, 8),  # never above spec.replicas
        (_app(3, min_available=3), 3, 3),  # an explicit floor
        (_app(10, floor=2, shared=2, min_available=5), 2, 2),  # never above the target
        (_app(1), 1, 0),  # at least one may be unavailable, or upgrades could never start
    ],
)
def test_target_and_budget(app: app_pb2.App, target: int, budget: int) -> None:
    assert apps.target_replicas(app) == target
    assert apps.min_available(app) == budget


def _pod(name: str, *, ready: bool) -> pod_pb2.Pod:
    p = pod_pb2.Pod(meta=meta_pb2.ObjectMeta(name=name))
    p.status.phase = pod_pb2.POD_PHASE_RUNNING
    status = meta_pb2.CONDITION_STATUS_TRUE if ready else meta_pb2.CONDITION_STATUS_FALSE
    p.status.conditions.add(type="Ready", status=status)
    return p


def test_refusal_counts_ready_pods_not_already_granted() -> None:
    app = _app(3)  # floor 2
    pods = [_pod("a", ready=True), _pod("b", ready=True), _pod("c", ready=True)]
    assert disruption.refusal(app, pods, pods[0]) == ""
    app.status.disrupted_pods["a"].seconds = 1  # granted, still stopping
    why = disruption.refusal(app, pods, pods[1])
    assert "2 ready of min available 2 (target 3)" in why and "would leave 1" in why
    unready = _pod("d", ready=False)
    assert disruption.refusal(app, [*pods, unready], unready) == ""
