"""What `wait`, `rollout status` and `drain` decide from what they read: pure, no server."""

from __future__ import annotations

import pytest

from sigma.ctl._nodes import Drain, must_go
from sigma.ctl._rollout import newest_rollout, rollout
from sigma.ctl._wait import Condition, matches, parse_for
from sigma.errors import Invalid
from sigma.v1 import app_pb2, meta_pb2, pod_pb2, task_pb2


def _pod(name: str, phase: int = pod_pb2.POD_PHASE_RUNNING, qos: int = 0) -> pod_pb2.Pod:
    pod = pod_pb2.Pod(meta=meta_pb2.ObjectMeta(name=name, namespace="shop"))
    pod.status.phase = phase  # type: ignore[assignment]
    pod.spec.qos_class = qos or meta_pb2.QOS_CLASS_LS  # type: ignore[assignment]
    return pod


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("delete", Condition("delete")),
        ("condition=Ready", Condition("condition", "Ready", "True")),
        ("condition=Ready=false", Condition("condition", "Ready", "false")),
        ("jsonpath={.status.phase}=Running", Condition("jsonpath", "{.status.phase}", "Running")),
        ("jsonpath=.spec.replicas=3", Condition("jsonpath", ".spec.replicas", "3")),
        (
            "jsonpath={.status.nominatedNodeName}",
            Condition("jsonpath", "{.status.nominatedNodeName}"),
        ),
    ],
)
def test_for_takes_kubectls_three_forms(text: str, parsed: Condition) -> None:
    assert parse_for(text) == parsed


@pytest.mark.parametrize(
    "text", ["ready", "condition=", "jsonpath={.status.phase", "jsonpath={.a}x", "jsonpath=.a["]
)
def test_a_bad_for_is_invalid(text: str) -> None:
    with pytest.raises(Invalid) as caught:
        parse_for(text)
    assert caught.value.field == "--for"


def test_conditions_deletion_and_values() -> None:
    pod = _pod("web-0")
    ready = Condition("condition", "ready", "True")  # the type matches in any case
    assert not ready.met(pod) and not ready.met(None)
    pod.status.conditions.add(type="Ready", status=meta_pb2.CONDITION_STATUS_FALSE)
    assert not ready.met(pod) and Condition("condition", "Ready", "False").met(pod)
    pod.status.conditions[0].status = meta_pb2.CONDITION_STATUS_TRUE
    assert ready.met(pod)
    assert Condition("delete").met(None) and not Condition("delete").met(pod)
    running = parse_for("jsonpath={.status.phase}=Running")
    assert running.met(pod) and not parse_for("jsonpath={.status.phase}=Pending").met(pod)
    assert parse_for("jsonpath={.meta.name}").met(pod)
    assert not parse_for("jsonpath={.status.nominatedNodeName}").met(pod)  # unset: absent
    assert matches("POD_PHASE_RUNNING", "POD_PHASE_RUNNING") and matches("3", "3")
    assert matches("TAINT_EFFECT_NO_SCHEDULE", "NoSchedule")
    assert not matches("POD_PHASE_RUNNING", "ing") and not matches("Running", "running")
    assert matches(True, "true") and matches(3, "3")


def _app(generation: int = 2, **status: int) -> app_pb2.App:
    app = app_pb2.App(meta=meta_pb2.ObjectMeta(name="web", uid="u1", generation=generation))
    app.spec.replicas = 3
    app.status.observed_generation = 2
    for field, value in status.items():
        setattr(app.status, field, value)
    return app


def _task(kind: int, state: int, at: int, uid: str = "u1") -> task_pb2.Task:
    task = task_pb2.Task(meta=meta_pb2.ObjectMeta(name=f"t{at}"))
    task.meta.creation_timestamp.FromSeconds(at)
    task.spec.kind, task.spec.target_uid = kind, uid  # type: ignore[assignment]
    task.status.state = state  # type: ignore[assignment]
    return task


def test_rollout_follows_the_newest_publish_or_upgrade_of_this_incarnation() -> None:
    ok, running = task_pb2.TASK_STATE_SUCCEEDED, task_pb2.TASK_STATE_RUNNING
    publish = _task(task_pb2.TASK_KIND_PUBLISH, ok, 1)
    upgrade = _task(task_pb2.TASK_KIND_UPGRADE, running, 5)
    scale = _task(task_pb2.TASK_KIND_SCALE, running, 9)  # not a rollout
    old = _task(task_pb2.TASK_KIND_UPGRADE, running, 7, uid="u0")  # the App's predecessor
    assert newest_rollout(_app(), [publish, upgrade, scale, old]) is upgrade
    assert newest_rollout(_app(), [scale]) is None


@pytest.mark.parametrize(
    ("app", "state", "done", "failed", "said"),
    [
        (_app(generation=3), 3, False, False, "spec update to be observed"),
        (
            _app(updated_replicas=1, replicas=3),
            3,
            False,
            False,
            "1 of 3 updated replicas are ready",
        ),
        (_app(updated_replicas=3, replicas=4), 3, False, False, "1 old replicas are pending"),
        (_app(updated_replicas=3, replicas=3, ready_replicas=2), 3, False, False, "2 of 3"),
        (_app(updated_replicas=3, replicas=3, ready_replicas=3), 2, False, False, "still running"),
        (_app(updated_replicas=3, replicas=3, ready_replicas=3), 3, True, False, "successfully"),
        (_app(updated_replicas=1, replicas=3), 4, False, True, "rollout failed: task t1: boom"),
    ],
)
def test_rollout_progress_in_kubectls_words(
    app: app_pb2.App, state: int, done: bool, failed: bool, said: str
) -> None:
    task = _task(task_pb2.TASK_KIND_UPGRADE, state, 1)
    task.status.message = "boom"
    progress = rollout(app, task)
    assert (progress.done, progress.failed) == (done, failed) and said in progress.message


def test_drain_waits_for_unfinished_pods_and_asks_each_until_accepted() -> None:
    be = meta_pb2.QOS_CLASS_BE
    pods = [
        _pod("web-0"),
        _pod("etl-0", qos=be),
        _pod("etl-1", phase=pod_pb2.POD_PHASE_SUCCEEDED, qos=be),  # finished: nothing to stop
    ]
    assert [p.meta.name for p in must_go(pods, batch_only=False)] == ["web-0", "etl-0"]
    assert [p.meta.name for p in must_go(pods, batch_only=True)] == ["etl-0"]
    drain = Drain()
    assert [p.meta.name for p in drain.step(pods[:2])] == ["web-0", "etl-0"]
    drain.accepted.add("shop/etl-0")
    drain.refused["shop/web-0"] = "disruption budget: App shop/web: 1 ready of min available 1"
    assert [p.meta.name for p in drain.step(pods[:2])] == ["web-0"]  # asked again, not etl-0
    assert drain.left(pods[:2]) == [
        "pod shop/web-0: disruption budget: App shop/web: 1 ready of min available 1",
        "pod shop/etl-0: stopping",
    ]
    drain.step([])  # both gone: nothing is remembered about pods no longer on the node
    assert drain.refused == {}
