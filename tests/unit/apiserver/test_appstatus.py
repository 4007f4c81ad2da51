"""App status decisions, pure: which pods count as replicas, ready, and updated."""

from __future__ import annotations

import pytest

from sigma.apiserver.controllers import appstatus
from sigma.apiserver.tasks import pods as P
from sigma.v1 import app_pb2, meta_pb2, pod_pb2
from tests.unit.apiserver._objects import app, app_pods

R, PEND, SCHED = pod_pb2.POD_PHASE_RUNNING, pod_pb2.POD_PHASE_PENDING, pod_pb2.POD_PHASE_SCHEDULED
DONE, FAIL, EVICT = pod_pb2.POD_PHASE_SUCCEEDED, pod_pb2.POD_PHASE_FAILED, pod_pb2.POD_PHASE_EVICTED


def pods(
    phases: list[int], *, old: int = 0, stopping: int = 0, unready: int = 0
) -> list[pod_pb2.Pod]:
    """Pods of ``app(2)`` in ``phases``; the first ``old`` carry a stale template hash, the
    last ``stopping`` have a deletion timestamp, and the first ``unready`` are reported unready.
    """
    out = app_pods(app(2), phases)
    for pod in out[:old]:
        pod.spec.template_hash = "stale"
    for pod in out[len(out) - stopping :]:
        pod.meta.deletion_timestamp.seconds = 1
    for pod in out[:unready]:
        pod.status.conditions.add(type="Ready", status=meta_pb2.CONDITION_STATUS_FALSE)
    return out


@pytest.mark.parametrize(
    ("case", "fleet", "want"),
    [
        ("none yet", pods([]), (0, 0, 0)),
        ("both running", pods([R, R]), (2, 2, 2)),
        ("one pending", pods([R, PEND]), (2, 1, 2)),
        ("scheduled is not ready", pods([SCHED, R]), (2, 1, 2)),
        ("stopping counts nowhere", pods([R, R, R], stopping=1), (2, 2, 2)),
        ("finished count nowhere", pods([R, DONE, FAIL, EVICT]), (1, 1, 1)),
        ("mid upgrade", pods([R, R, PEND], old=2), (3, 2, 1)),
        ("reported unready", pods([R, R], unready=1), (2, 1, 2)),
    ],
)
def test_counts(case: str, fleet: list[pod_pb2.Pod], want: tuple[int, int, int]) -> None:
    a = app(2)
    a.meta.generation = 4
    status = appstatus.decide(a, fleet)
    assert status is not None, case
    got = (status.replicas, status.ready_replicas, status.updated_replicas)
    assert got == want, case
    assert status.observed_generation == 4
    assert status.current_template_hash == P.template_hash(a.spec.template)


def test_unchanged_status_is_not_rewritten() -> None:
    a = app(2)
    fleet = pods([R, PEND])
    status = appstatus.decide(a, fleet)
    assert status is not None
    a.status.CopyFrom(status)
    assert appstatus.decide(a, fleet) is None
    fleet[1].status.phase = R  # the second replica starts: one field moves, a write is due
    again = appstatus.decide(a, fleet)
    assert again is not None and again.ready_replicas == 2


def test_fields_of_other_writers_are_kept() -> None:
    a = app(2)
    a.status.time_sharing_replicas = 1
    a.status.learned_profile.CopyFrom(app_pb2.TrafficProfile())
    a.status.conditions.add(type="TimeSharing", status=meta_pb2.CONDITION_STATUS_TRUE)
    status = appstatus.decide(a, pods([R]))
    assert status is not None
    assert status.time_sharing_replicas == 1
    assert [c.type for c in status.conditions] == ["TimeSharing"]
    assert status.HasField("learned_profile")
