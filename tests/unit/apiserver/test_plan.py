"""Task planning, pure: pods to create and remove for publish, scale, upgrade and destroy."""

from __future__ import annotations

import pytest

from sigma.apiserver.tasks import plan as planner
from sigma.apiserver.tasks import pods as P
from sigma.resources import apps
from sigma.v1 import app_pb2, meta_pb2, pod_pb2, task_pb2
from tests.unit.apiserver._objects import app, app_pods

RUNNING, PENDING, SCHEDULED = (
    pod_pb2.POD_PHASE_RUNNING,
    pod_pb2.POD_PHASE_PENDING,
    pod_pb2.POD_PHASE_SCHEDULED,
)


def task(kind: int, **spec: object) -> task_pb2.Task:
    t = task_pb2.Task()
    t.meta.namespace, t.meta.name = "team", "t1"
    t.spec.kind = kind  # type: ignore[assignment]
    t.spec.target_kind = task_pb2.TASK_TARGET_KIND_APP
    t.spec.target_name, t.spec.target_uid, t.spec.target_generation = "web", "u-web", 1
    for k, v in spec.items():
        setattr(t.spec, k, v)
    return t


def test_publish_creates_every_replica_with_resolved_spec() -> None:
    a = app(4)
    step = planner.plan(task(task_pb2.TASK_KIND_PUBLISH), a, [])
    assert [p.meta.name for p in step.create] == ["web-0", "web-1", "web-2", "web-3"]
    pod = step.create[2]
    digest = P.template_hash(a.spec.template)
    assert pod.spec.template_hash == digest and pod.meta.labels[P.LABEL_TEMPLATE_HASH] == digest
    assert pod.meta.labels == {"tier": "front", P.LABEL_APP: "web", P.LABEL_TEMPLATE_HASH: digest}
    assert (pod.spec.priority, pod.spec.qos_class) == (7, meta_pb2.QOS_CLASS_LSR)
    assert (pod.spec.owner_name, pod.spec.owner_kind) == ("web", pod_pb2.POD_OWNER_KIND_APP)
    assert [(r.kind, r.name, r.uid) for r in pod.meta.owner_references] == [("App", "web", "u-web")]
    assert pod.spec.instance_index == 2 and pod.status.phase == PENDING
    assert not step.done and step.progress == (0, 4)


def test_publish_resumes_where_it_stopped_and_finishes() -> None:
    a = app(4)
    have = app_pods(a, [RUNNING, PENDING])
    step = planner.plan_app(a, have)
    assert [p.meta.name for p in step.create] == ["web-2", "web-3"]
    assert planner.plan_app(a, app_pods(a, [PENDING] * 4)).done


def test_template_hash_is_stable_and_tells_templates_apart() -> None:
    assert P.template_hash(app().spec.template) == P.template_hash(app().spec.template)
    assert P.template_hash(app().spec.template) != P.template_hash(app(command="v2").spec.template)


def test_scale_down_removes_least_valuable_first() -> None:
    a = app(6)
    pods = app_pods(a, [RUNNING, PENDING, RUNNING, SCHEDULED, RUNNING, RUNNING])
    pods[4].status.conditions.add(type="Ready", status=meta_pb2.CONDITION_STATUS_FALSE)
    a.spec.replicas = 2
    removed = [p.meta.name for p in planner.plan_app(a, pods).remove]
    # pending (unplaced) → scheduled → running-unready → the newest running-ready
    assert removed == ["web-1", "web-3", "web-4", "web-5"]


@pytest.mark.parametrize(
    ("policy", "replicas", "expected"),
    [
        ({}, 10, 2),  # 25% default, rounded down
        ({}, 3, 1),  # never below one: no surge, so zero would stall the rollout
        ({"max_unavailable": 3}, 10, 3),
        ({"max_unavailable_percent": 50}, 10, 5),
        ({"max_unavailable": 1, "max_unavailable_percent": 40}, 10, 4),
        ({"max_surge": 1}, 10, 1),  # surge set, so no 25% default
    ],
)
def test_max_unavailable(policy: dict[str, int], replicas: int, expected: int) -> None:
    assert apps.max_unavailable(app_pb2.RollingUpgradePolicy(**policy), replicas) == expected


def test_upgrade_replaces_within_budget_and_stale_unready_first() -> None:
    old = app(6, max_unavailable=2)
    pods = app_pods(old, [RUNNING] * 5 + [PENDING])
    new = app(6, command="v2", max_unavailable=2)
    step = planner.plan_app(new, pods)
    # web-5 is unready already (free to replace) and one is unavailable: one ready pod more
    assert [p.meta.name for p in step.remove] == ["web-5", "web-4"]
    assert [p.meta.name for p in step.create] == ["web-6", "web-7"]
    assert {p.spec.template_hash for p in step.create} == {P.template_hash(new.spec.template)}


def test_upgrade_waits_while_budget_is_spent_then_finishes() -> None:
    new = app(4, command="v2", max_unavailable=1)
    pods = app_pods(app(4), [RUNNING] * 3)
    pods += app_pods(new, [PENDING])
    pods[-1].spec.instance_index, pods[-1].meta.name = 3, "web-3"
    step = planner.plan_app(new, pods)
    assert step.wait and not step.create and not step.remove and not step.done
    done = app_pods(new, [RUNNING] * 4)
    assert planner.plan_app(new, done).done


def test_upgrade_waits_for_stopping_pods_before_done() -> None:
    a = app(2)
    pods = app_pods(a, [RUNNING, RUNNING, RUNNING])
    pods[2].meta.deletion_timestamp.seconds = 5
    step = planner.plan_app(a, pods)
    assert step.wait and not step.done


def test_destroy_removes_pods_then_target() -> None:
    t = task(task_pb2.TASK_KIND_DESTROY)
    a = app(2)
    pods = app_pods(a, [RUNNING, PENDING])
    step = planner.plan(t, a, pods)
    assert [p.meta.name for p in step.remove] == ["web-0", "web-1"] and not step.delete_target
    pods[0].meta.deletion_timestamp.seconds = 5  # the node is stopping it
    assert planner.plan(t, a, pods[:1]).wait
    assert planner.plan(t, a, []).done  # not marked deleted (a cancel): the record stays
    a.meta.deletion_timestamp.seconds = 9
    assert planner.plan(t, a, []).delete_target
    assert planner.plan(t, None, []).done


@pytest.mark.parametrize(
    ("kind", "change", "expected"),
    [
        (task_pb2.TASK_KIND_PUBLISH, None, ""),
        (task_pb2.TASK_KIND_SCALE, "generation", planner.SUPERSEDED),
        (task_pb2.TASK_KIND_SCALE, "deleting", planner.SUPERSEDED),
        (task_pb2.TASK_KIND_UPGRADE, "uid", planner.GONE),
        (task_pb2.TASK_KIND_UPGRADE, "absent", planner.GONE),
        (task_pb2.TASK_KIND_DESTROY, "absent", ""),
        (task_pb2.TASK_KIND_DESTROY, "generation", ""),
    ],
)
def test_check_target(kind: int, change: str | None, expected: str) -> None:
    a: app_pb2.App | None = app()
    if change == "generation":
        a.meta.generation = 2  # type: ignore[union-attr]
    elif change == "deleting":
        a.meta.deletion_timestamp.seconds = 1  # type: ignore[union-attr]
    elif change == "uid":
        a.meta.uid = "u-other"  # type: ignore[union-attr]
    elif change == "absent":
        a = None
    assert planner.check_target(task(kind), a) == expected


def test_time_sharing_replicas_between_floor_and_peak() -> None:
    a = app(10)
    a.spec.time_sharing.enabled, a.spec.min_replicas = True, 4
    assert apps.target_replicas(a) == 10
    a.status.time_sharing_replicas = 2
    assert apps.target_replicas(a) == 4
    a.status.time_sharing_replicas = 6
    assert apps.target_replicas(a) == 6


def test_scale_on_batch_job_is_refused() -> None:
    from tests.unit.apiserver._objects import job

    t = task(task_pb2.TASK_KIND_SCALE, target_kind=task_pb2.TASK_TARGET_KIND_BATCH_JOB)
    assert "does not apply" in planner.plan(t, job([("a", 1, [])]), []).failed


def _unready(pods: list[pod_pb2.Pod], *names: str) -> None:
    for p in pods:
        if p.meta.name in names:
            p.status.conditions.add(type="Ready", status=meta_pb2.CONDITION_STATUS_FALSE)


def test_a_scale_down_takes_unready_pods_first_so_the_budget_never_stops_it() -> None:
    a = app(5)
    pods = app_pods(a, [RUNNING] * 5)
    _unready(pods, "web-1")
    a.spec.replicas, a.spec.min_available = 2, 2  # shrink by three; keep two ready
    step = planner.plan_app(a, pods)
    # web-1 costs nothing, then the newest ready ones: two ready pods stay, the floor holds.
    assert [p.meta.name for p in step.remove] == ["web-1", "web-4", "web-3"]
    assert step.held == 0
    rest = [p for p in pods if p not in step.remove]
    assert planner.plan_app(a, rest).done


def test_an_explicit_floor_slows_an_upgrade_below_max_unavailable() -> None:
    old = app(4, max_unavailable=3)
    pods = app_pods(old, [RUNNING] * 4)
    new = app(4, command="v2", max_unavailable=3)
    new.spec.min_available = 3
    step = planner.plan_app(new, pods)
    assert len(step.remove) == 1 and step.held == 3  # max_unavailable alone would take three
    mid = [p for p in pods if p not in step.remove] + list(step.create)
    waiting = planner.plan_app(new, mid)  # the new pod is not ready yet: nothing more may go
    assert waiting.wait and waiting.held == 3
    assert "disruption budget holds 3 (ready 3, min available 3)" in waiting.message
