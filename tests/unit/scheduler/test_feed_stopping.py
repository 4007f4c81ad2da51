"""Which stopping pods the scheduler still counts on their node: an online pod asked to stop
runs through its grace period (its room and its place under the interference rules are
kept); a stopping batch pod gives its room back at once; an ended pod counts nowhere."""

from __future__ import annotations

from sigma.scheduler.feed import stopping_online
from sigma.v1 import meta_pb2, pod_pb2


def stopping(qos: int, phase: int = pod_pb2.POD_PHASE_RUNNING) -> pod_pb2.Pod:
    pod = pod_pb2.Pod()
    pod.spec.qos_class, pod.status.phase = qos, phase  # type: ignore[assignment]
    pod.meta.deletion_timestamp.FromNanoseconds(1)
    return pod


def test_an_online_pod_asked_to_stop_still_counts_until_it_ends() -> None:
    for qos in (meta_pb2.QOS_CLASS_LS, meta_pb2.QOS_CLASS_LSR, meta_pb2.QOS_CLASS_LSE):
        assert stopping_online(stopping(qos))
    assert not stopping_online(stopping(meta_pb2.QOS_CLASS_LS, pod_pb2.POD_PHASE_SUCCEEDED))
    assert not stopping_online(stopping(meta_pb2.QOS_CLASS_LS, pod_pb2.POD_PHASE_FAILED))


def test_a_stopping_batch_pod_gives_its_room_back_at_once() -> None:
    assert not stopping_online(stopping(meta_pb2.QOS_CLASS_BE))
    templated = stopping(0)
    templated.spec.template.qos_class = meta_pb2.QOS_CLASS_BE
    assert not stopping_online(templated)
