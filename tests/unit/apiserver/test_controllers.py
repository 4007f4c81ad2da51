"""Controller decisions, pure: node lifecycle, batch job DAG and retries, garbage collection."""

from __future__ import annotations

import pytest

from sigma.apiserver.controllers import batchjob, gc, nodelifecycle
from sigma.apiserver.tasks import pods as P
from sigma.v1 import batch_pb2, meta_pb2, node_pb2, pod_pb2, task_pb2
from tests.unit.apiserver._objects import app, app_pods, finish, job

POD = pod_pb2
NOW = 10_000.0


def node(phase: int, lost_at: float | None = None) -> node_pb2.Node:
    n = node_pb2.Node()
    n.meta.name = "n1"
    n.status.phase = phase  # type: ignore[assignment]
    if lost_at is not None:
        n = nodelifecycle.with_phase(n, phase, lost_at)
    return n


def on_node(phase: int, *, batch: bool = False, stopping: bool = False) -> pod_pb2.Pod:
    pod = app_pods(app(1), [phase])[0]
    pod.spec.node_name = "n1"
    if batch:
        pod.spec.owner_kind = POD.POD_OWNER_KIND_BATCH_JOB
        pod.spec.qos_class = meta_pb2.QOS_CLASS_BE
    if stopping:
        pod.meta.deletion_timestamp.seconds = 1
    return pod


# -- node lifecycle ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("phase", "lost_at", "alive", "grace", "new_phase", "acts"),
    [
        (node_pb2.NODE_PHASE_READY, None, True, 0, None, False),
        (node_pb2.NODE_PHASE_READY, None, False, 0, node_pb2.NODE_PHASE_UNKNOWN, True),
        (node_pb2.NODE_PHASE_READY, None, False, 30, node_pb2.NODE_PHASE_UNKNOWN, False),
        (node_pb2.NODE_PHASE_UNKNOWN, NOW - 10, False, 30, None, False),  # within grace
        (node_pb2.NODE_PHASE_UNKNOWN, NOW - 31, False, 30, None, True),
        (node_pb2.NODE_PHASE_UNKNOWN, NOW - 31, True, 30, node_pb2.NODE_PHASE_READY, False),
        (node_pb2.NODE_PHASE_NOT_READY, None, False, 0, node_pb2.NODE_PHASE_UNKNOWN, True),
    ],
)
def test_node_decide_phases_and_grace(
    phase: int, lost_at: float | None, alive: bool, grace: float, new_phase: int | None, acts: bool
) -> None:
    pods = [on_node(POD.POD_PHASE_RUNNING)]
    decision = nodelifecycle.decide(node(phase, lost_at), alive, pods, NOW, grace)
    assert decision.phase == new_phase
    assert bool(decision.reschedule) == acts and decision.release == acts


def test_lost_node_reschedules_online_fails_batch_deletes_stopping() -> None:
    online, batch = on_node(POD.POD_PHASE_RUNNING), on_node(POD.POD_PHASE_RUNNING, batch=True)
    stopping, done = on_node(POD.POD_PHASE_RUNNING, stopping=True), on_node(POD.POD_PHASE_SUCCEEDED)
    d = nodelifecycle.decide(
        node(node_pb2.NODE_PHASE_READY), False, [online, batch, stopping, done], NOW
    )
    assert (d.reschedule, d.fail, d.delete) == ([online], [batch], [stopping])
    moved = nodelifecycle.rescheduled(online)
    assert moved.spec.node_name == "" and moved.status.phase == POD.POD_PHASE_PENDING
    assert moved.status.reason == "NodeLost" and not moved.status.node_name
    lost = nodelifecycle.failed(batch, NOW)
    assert (lost.status.phase, lost.status.reason) == (POD.POD_PHASE_FAILED, "NodeLost")


def test_next_due_is_the_earliest_end_of_a_running_grace() -> None:
    ready, unknown = node_pb2.NODE_PHASE_READY, node_pb2.NODE_PHASE_UNKNOWN

    def named(n: node_pb2.Node, name: str) -> node_pb2.Node:
        n.meta.name = name
        return n

    lost_early = named(node(unknown, NOW - 20), "a")  # grace 30: ends at NOW + 10
    lost_late = named(node(unknown, NOW - 5), "b")  # ends at NOW + 25
    over = named(node(unknown, NOW - 40), "c")  # its grace ended: nothing to wait for
    turning = named(node(ready), "d")  # silent now: judged lost in this pass, ends NOW + 30
    due = nodelifecycle.next_due
    assert due([lost_late, lost_early, over], set(), NOW, 30.0) == NOW + 10
    assert due([turning, over], set(), NOW, 30.0) == NOW + 30
    assert due([lost_early], {"a"}, NOW, 30.0) is None  # alive again: no grace
    assert due([over, named(node(ready), "e")], {"e"}, NOW, 30.0) is None
    assert due([turning], set(), NOW, 0.0) is None  # no grace: moved in this very pass


def test_with_phase_records_when_the_node_was_lost() -> None:
    n = nodelifecycle.with_phase(node(node_pb2.NODE_PHASE_READY), node_pb2.NODE_PHASE_UNKNOWN, NOW)
    assert nodelifecycle.lost_since(n) == NOW
    ready = [c for c in n.status.conditions if c.type == "Ready"]
    assert len(ready) == 1 and ready[0].status == meta_pb2.CONDITION_STATUS_UNKNOWN


# -- batch jobs ---------------------------------------------------------------

DAG = [("extract", 2, []), ("transform", 1, ["extract"]), ("load", 1, ["transform", "extract"])]


def names(pods: list[pod_pb2.Pod]) -> list[str]:
    return [p.meta.name for p in pods]


def phases(decision: batchjob.JobDecision) -> dict[str, int]:
    assert decision.status is not None
    return {t.name: t.phase for t in decision.status.tasks}


def test_only_roots_start_and_dependents_wait() -> None:
    d = batchjob.decide(job(DAG), [], NOW)
    assert names(d.create) == ["etl-extract-0-0", "etl-extract-1-0"]
    assert phases(d) == {
        "extract": batch_pb2.BATCH_TASK_PHASE_PENDING,
        "transform": batch_pb2.BATCH_TASK_PHASE_WAITING,
        "load": batch_pb2.BATCH_TASK_PHASE_WAITING,
    }
    assert d.status is not None and d.status.phase == batch_pb2.BATCH_JOB_PHASE_PENDING


def test_dependents_released_only_when_every_dependency_succeeded() -> None:
    j = job(DAG)
    extract = list(batchjob.decide(j, [], NOW).create)
    half = [
        *finish(extract[:1], POD.POD_PHASE_SUCCEEDED),
        *finish(extract[1:], POD.POD_PHASE_RUNNING),
    ]
    d = batchjob.decide(j, half, NOW)
    assert names(d.create) == [] and phases(d)["transform"] == batch_pb2.BATCH_TASK_PHASE_WAITING
    assert d.status is not None and d.status.phase == batch_pb2.BATCH_JOB_PHASE_RUNNING
    assert d.status.HasField("start_time")
    finish(extract, POD.POD_PHASE_SUCCEEDED)
    d = batchjob.decide(j, extract, NOW)
    assert names(d.create) == ["etl-transform-0-0"]  # load also waits for transform
    transform = finish(d.create, POD.POD_PHASE_SUCCEEDED)
    d = batchjob.decide(j, extract + transform, NOW)
    assert names(d.create) == ["etl-load-0-0"]
    load = finish(d.create, POD.POD_PHASE_SUCCEEDED)
    d = batchjob.decide(j, extract + transform + load, NOW)
    assert d.status is not None and d.status.phase == batch_pb2.BATCH_JOB_PHASE_SUCCEEDED
    assert d.status.finish_time.seconds == int(NOW)


@pytest.mark.parametrize(
    ("job_retries", "task_retries", "runs"),
    [(2, None, 3), (0, None, 1), (0, 3, 4), (5, 0, 1)],  # a task's own max_retries wins
)
def test_failed_instances_rerun_up_to_their_limit(
    job_retries: int, task_retries: int | None, runs: int
) -> None:
    j = job([("a", 1, []), ("b", 1, ["a"])], max_retries=job_retries)
    if task_retries is not None:
        j.spec.tasks[0].max_retries = task_retries
    pods: list[pod_pb2.Pod] = []
    for _ in range(10):
        d = batchjob.decide(j, pods, NOW)
        if not d.create:
            break
        pods += finish(d.create, POD.POD_PHASE_FAILED)
    assert names(pods) == [f"etl-a-0-{n}" for n in range(runs)]
    assert d.status is not None and d.status.phase == batch_pb2.BATCH_JOB_PHASE_FAILED
    assert phases(d) == {
        "a": batch_pb2.BATCH_TASK_PHASE_FAILED,
        "b": batch_pb2.BATCH_TASK_PHASE_CANCELLED,
    }
    assert d.status.tasks[0].retries == runs - 1


def test_evicted_instance_reruns_and_failed_job_stops_the_rest() -> None:
    j = job([("a", 2, [])], max_retries=1)
    first = list(batchjob.decide(j, [], NOW).create)
    finish(first[:1], POD.POD_PHASE_EVICTED)
    d = batchjob.decide(j, first, NOW)
    assert names(d.create) == ["etl-a-0-1"]
    finish(d.create, POD.POD_PHASE_FAILED)
    running = finish(first[1:], POD.POD_PHASE_RUNNING)
    d = batchjob.decide(j, [*first, *d.create], NOW)
    assert names(d.create) == [] and names(d.stop) == names(running)


def test_finished_job_is_left_alone() -> None:
    j = job(DAG)
    j.status.phase = batch_pb2.BATCH_JOB_PHASE_SUCCEEDED
    d = batchjob.decide(j, [], NOW)
    assert d.create == [] and d.status is None


def test_a_job_on_workers_is_left_to_its_master() -> None:
    j = job(DAG)
    j.spec.workers.slots = 4
    d = batchjob.decide(j, [], NOW)
    assert d.create == [] and d.status is None


# -- garbage collection ---------------------------------------------------------------


def test_gc_orphans_and_expired_tasks() -> None:
    a = app(3)
    mine, stale, gone = app_pods(a, [POD.POD_PHASE_PENDING] * 3)
    stale.meta.owner_references[0].uid = "u-old-incarnation"
    gone.meta.owner_references[0].name = "deleted-app"
    owners = {("App", "team", "web"): "u-web"}
    tasks = []
    for state, finished_at in [
        (task_pb2.TASK_STATE_SUCCEEDED, NOW - 100),
        (task_pb2.TASK_STATE_FAILED, NOW - 5),
        (task_pb2.TASK_STATE_RUNNING, NOW - 100),
    ]:
        t = task_pb2.Task()
        t.status.state = state  # type: ignore[assignment]
        t.status.finished_at.seconds = int(finished_at)
        tasks.append(t)
    d = gc.decide([mine, stale, gone], owners, tasks, NOW, retention=60)
    assert names(d.orphans) == [stale.meta.name, gone.meta.name]
    assert d.expired == [tasks[0]]
    assert P.owned_by(mine, "App", "web", "u-web") and not P.owned_by(stale, "App", "web", "u-web")


def test_gc_removes_stopped_pods_of_jobs_finished_past_the_retention() -> None:
    j = job([("extract", 3, [])])
    done, running, pending = (P.batch_pod(j, j.spec.tasks[0], i, 0) for i in range(3))
    done.status.phase = POD.POD_PHASE_SUCCEEDED
    done.spec.node_name = running.spec.node_name = "n1"
    running.status.phase = POD.POD_PHASE_RUNNING  # a live pod needs its node: not at once
    pods = [done, running, pending]
    owners = {("BatchJob", "team", "etl"): "u-etl"}
    finished = {("team", "etl"): ("u-etl", NOW - 600)}
    d = gc.decide(pods, owners, [], NOW, retention=60, finished=finished, pod_retention=600)
    assert names(d.done) == [done.meta.name, pending.meta.name] and d.orphans == []
    young = gc.decide(pods, owners, [], NOW, retention=60, finished=finished, pod_retention=601)
    assert young.done == []
    other = {("team", "etl"): ("u-another-incarnation", NOW - 600)}
    assert gc.decide(pods, owners, [], NOW, 60, other, pod_retention=600).done == []
