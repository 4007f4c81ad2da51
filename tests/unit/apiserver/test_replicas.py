"""The replica controller's decisions and expectations, pure."""

from __future__ import annotations

from sigma.apiserver.controllers.replicas import Expectations, decide
from sigma.v1 import pod_pb2
from tests.unit.apiserver._objects import app, app_pods

RUNNING, FAILED, EVICTED = (
    pod_pb2.POD_PHASE_RUNNING,
    pod_pb2.POD_PHASE_FAILED,
    pod_pb2.POD_PHASE_EVICTED,
)


def test_lost_pods_are_replaced_and_finished_ones_cleared() -> None:
    a = app(3)
    pods = app_pods(a, [RUNNING, FAILED, EVICTED])
    step = decide(a, pods, busy=False)
    assert step is not None
    assert [p.meta.name for p in step.create] == ["web-3", "web-4"]  # their names are still held
    assert [p.meta.name for p in step.remove] == ["web-1", "web-2"]


def test_a_deleted_pod_still_stopping_is_replaced_at_once() -> None:
    a = app(2)
    pods = app_pods(a, [RUNNING, RUNNING])
    pods[1].meta.deletion_timestamp.seconds = 5
    step = decide(a, pods, busy=False)
    assert step is not None and [p.meta.name for p in step.create] == ["web-2"]
    assert not step.remove


def test_a_surplus_goes_least_valuable_first() -> None:
    a = app(1)
    pods = app_pods(a, [RUNNING, RUNNING])
    step = decide(a, pods, busy=False)
    assert step is not None and [p.meta.name for p in step.remove] == ["web-1"]  # the newer


def test_it_leaves_an_app_to_its_task_or_its_destroyer_or_at_rest() -> None:
    a = app(2)
    pods = app_pods(a, [RUNNING])
    assert decide(a, pods, busy=True) is None
    assert decide(a, app_pods(a, [RUNNING, RUNNING]), busy=False) is None
    a.meta.deletion_timestamp.seconds = 1
    assert decide(a, pods, busy=False) is None


def test_expectations_wait_for_the_cache_to_show_the_writes() -> None:
    a = app(2)
    exp = Expectations(ttl=30.0)
    owner = ("team", "web")
    pods = app_pods(a, [RUNNING, RUNNING, RUNNING])
    exp.expect(owner, {"web-3"}, {"web-0"}, now=100.0)
    assert not exp.met(owner, pods, now=101.0)  # web-3 not seen, web-0 still live
    pods[0].meta.deletion_timestamp.seconds = 5
    assert not exp.met(owner, pods, now=101.0)
    pods += app_pods(a, [RUNNING, RUNNING, RUNNING, RUNNING])[3:]
    assert exp.met(owner, pods, now=101.0)
    assert exp.met(owner, pods, now=101.0)  # met once, forgotten


def test_expectations_give_up_after_their_ttl() -> None:
    exp = Expectations(ttl=30.0)
    exp.expect(("team", "web"), {"web-9"}, set(), now=100.0)
    assert not exp.met(("team", "web"), [], now=129.0)
    assert exp.met(("team", "web"), [], now=130.0)  # a lost write must not freeze the App
