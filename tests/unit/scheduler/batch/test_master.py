from __future__ import annotations

import itertools

import pytest

from sigma.errors import Invalid
from sigma.scheduler.batch import JobMaster, JobSpec, Phase, progress, status
from sigma.v1 import batch_pb2
from tests.unit.scheduler.batch._drive import drive


def _diamond(**kw: object) -> JobMaster:
    spec = JobSpec.of(
        [("d", 2, ("b", "c")), ("b", 3, ("a",)), ("c", 1, ("a",)), ("a", 4, ())],
        max_retries=1,
    )
    return JobMaster(spec, **kw)  # type: ignore[arg-type]


def test_tasks_are_numbered_in_dependency_order() -> None:
    m = _diamond()
    assert [t.name for t in m.spec.tasks] == ["a", "b", "c", "d"]
    assert [t.depends_on for t in m.spec.tasks] == [(), (0,), (0,), (1, 2)]
    assert m.phase == [Phase.PENDING, Phase.WAITING, Phase.WAITING, Phase.WAITING]


def test_a_task_runs_only_after_every_task_it_depends_on_succeeded() -> None:
    m = _diamond()
    m.grant("w1", "n1", 3)
    m.grant("w2", "n2", 2)
    order = drive(m)
    names = [m.spec.tasks[d.task].name for d in order]
    finished_at = {n: max(i for i, x in enumerate(names) if x == n) for n in "abcd"}
    started_at = {n: names.index(n) for n in "abcd"}
    assert started_at["b"] > finished_at["a"] and started_at["c"] > finished_at["a"]
    assert started_at["d"] > max(finished_at["b"], finished_at["c"])
    assert len(order) == m.dispatched == 10 and m.job_phase == Phase.SUCCEEDED
    assert m.done == [4, 3, 1, 2] and m.duplicates == 0
    assert set(m.release()) == {"w1", "w2"}  # over: every worker goes back


def test_dispatch_fills_only_free_slots() -> None:
    m = JobMaster(JobSpec.of([("a", 10, ())]))
    m.grant("w1", "n1", 3)
    first = m.dispatch()
    assert [(d.worker, d.index) for d in first] == [("w1", 0), ("w1", 1), ("w1", 2)]
    assert m.dispatch() == []
    m.finished("w1", 0, 1, ok=True)
    assert [(d.worker, d.index) for d in m.dispatch()] == [("w1", 3)]
    m.grant("w1", "n1", 5)  # resized
    assert [d.index for d in m.dispatch()] == [4, 5]


def test_a_failed_instance_is_rerun_within_its_budget_then_fails_the_job() -> None:
    spec = JobSpec.of([("a", 2, ()), ("b", 1, ("a",))], max_retries=2)
    m = JobMaster(spec, blacklist_after=0)
    m.grant("w1", "n1", 1)
    attempts = []
    while m.job_phase not in (Phase.FAILED, Phase.SUCCEEDED):
        (d,) = m.dispatch()
        attempts.append((d.index, d.attempt))
        m.finished("w1", d.task, d.index, ok=d.index == 1)
    assert attempts == [(0, 0), (0, 1), (0, 2)]  # re-runs first, 1 + max_retries runs
    assert m.job_phase == Phase.FAILED and "max_retries 2" in m.message
    assert m.phase == [Phase.FAILED, Phase.CANCELLED]
    assert m.failed[0] == 1 and m.retries[0] == 3
    assert m.dispatch() == [] and m.release() == ["w1"]


def test_the_tasks_own_budget_wins_over_the_jobs() -> None:
    job = batch_pb2.BatchJob()
    job.spec.max_retries = 5
    job.spec.tasks.add(name="a", instances=1, max_retries=0)
    m = JobMaster(JobSpec.from_proto(job))
    m.grant("w1", "n1", 1)
    assert len(m.dispatch()) == 1
    m.finished("w1", 0, 0, ok=False)
    assert m.job_phase == Phase.FAILED and m.dispatch() == []


def test_a_node_where_instances_keep_failing_is_blacklisted() -> None:
    m = JobMaster(JobSpec.of([("a", 20, ())], max_retries=10), blacklist_after=3)
    m.grant("bad", "n-bad", 1)
    m.grant("good", "n-good", 1)
    order = drive(m, lambda d, node: node != "n-bad")
    assert m.blacklisted == {"n-bad"}
    assert sum(d.worker == "bad" for d in order) == 3  # then it got nothing more
    assert m.job_phase == Phase.SUCCEEDED and m.retries[0] == 3
    assert m.release() == ["bad", "good"]


def test_a_success_resets_a_nodes_failure_streak() -> None:
    m = JobMaster(JobSpec.of([("a", 30, ())], max_retries=10), blacklist_after=3)
    m.grant("w", "n1", 1)
    flaky = itertools.cycle([False, False, True])
    drive(m, lambda d, node: next(flaky))
    assert m.blacklisted == set() and m.job_phase == Phase.SUCCEEDED
    assert m.retries[0] == 60  # two failures in a row, then a success, never three


def test_a_lost_worker_requeues_only_its_in_flight_instances() -> None:
    m = JobMaster(JobSpec.of([("a", 8, ())], max_retries=0))
    m.grant("w1", "n1", 2)
    m.grant("w2", "n2", 2)
    held: dict[str, list[int]] = {}
    for d in m.dispatch():
        held.setdefault(d.worker, []).append(d.index)
    m.finished("w1", 0, held["w1"][0], ok=True)
    m.revoke("w1")
    assert m.running[0] == 2 and m.done[0] == 1
    m.grant("w3", "n3", 4)
    again = [d.index for d in m.dispatch() if d.worker == "w3"]
    assert again[0] == held["w1"][1]  # the lost in-flight one goes first, as a re-run of 0
    assert held["w1"][0] not in again and not set(held["w2"]) & set(again)
    assert m.retries[0] == 0 and m.failures[held["w1"][1]] == 0  # a loss is not a failure


def test_duplicate_and_late_reports_are_accounted_once() -> None:
    m = JobMaster(JobSpec.of([("a", 4, ())], max_retries=3))
    m.grant("w1", "n1", 1)
    (d,) = m.dispatch()
    m.finished("w1", 0, d.index, ok=True)
    m.finished("w1", 0, d.index, ok=True)  # the stream re-delivered it
    assert m.done[0] == 1 and m.duplicates == 1
    m.grant("w1", "n1", 2)
    (d1, d2) = m.dispatch()
    m.revoke("w1")  # declared lost, but it was only slow
    m.finished("w1", 0, d1.index, ok=True)  # its late success counts: the work was done
    m.finished("w1", 0, d2.index, ok=False)  # a late failure does not: already re-queued
    assert m.done[0] == 2 and m.stale == 1 and m.failures[d2.index] == 0
    m.finished("w1", 0, d1.index, ok=False)  # a failure for a done one is a duplicate
    assert m.duplicates == 2 and m.done[0] == 2
    m.grant("w2", "n2", 3)
    rest = m.dispatch()
    assert [d.index for d in rest] == [d2.index, 3]  # the late-finished one is skipped
    for x in rest:
        m.finished("w2", 0, x.index, ok=True)
    assert m.job_phase == Phase.SUCCEEDED and m.done[0] == 4


def test_a_success_from_a_second_runner_is_a_duplicate_and_frees_its_slot() -> None:
    m = JobMaster(JobSpec.of([("a", 2, ())]))
    m.grant("old", "n1", 1)
    (d,) = m.dispatch()
    m.revoke("old")
    m.grant("new", "n2", 1)
    (again,) = m.dispatch()
    assert again.index == d.index
    m.finished("old", 0, d.index, ok=True)  # the lost runner's report arrives first
    m.finished("new", 0, d.index, ok=True)
    assert m.done[0] == 1 and m.duplicates == 1
    assert [x.index for x in m.dispatch()] == [1]  # "new"'s slot is free again


def test_adopted_instances_are_not_dispatched_again() -> None:
    m = JobMaster(JobSpec.of([("a", 4, ())]))
    m.grant("w", "n1", 3, running=[(0, 0), (0, 2)])
    assert m.running[0] == 2 and m.phase[0] == Phase.RUNNING
    assert [d.index for d in m.dispatch()] == [1]
    m.grant("w", "n1", 4)
    assert [d.index for d in m.dispatch()] == [3]


def test_a_blacklisted_nodes_idle_worker_is_released_while_others_work() -> None:
    m = JobMaster(JobSpec.of([("a", 9, ())], max_retries=5), blacklist_after=1)
    m.grant("w1", "n1", 1)
    m.grant("w2", "n2", 1)
    m.dispatch()
    m.finished("w1", 0, 0, ok=False)
    assert m.blacklisted == {"n1"} and m.release() == ["w1"]


def test_status_carries_per_task_counts() -> None:
    m = _diamond()
    m.grant("w", "n", 2)
    (d1, d2) = m.dispatch()
    m.finished("w", 0, d1.index, ok=True)
    m.finished("w", 0, d2.index, ok=False)
    st = status(m)
    assert st.phase == batch_pb2.BATCH_JOB_PHASE_RUNNING
    a = st.tasks[0]
    assert (a.name, a.phase, a.succeeded, a.running, a.pending, a.retries) == (
        "a",
        batch_pb2.BATCH_TASK_PHASE_RUNNING,
        1,
        0,
        3,
        1,
    )
    assert st.tasks[3].phase == batch_pb2.BATCH_TASK_PHASE_WAITING
    assert progress(m)[0].workers == 0 and m.backlog == 3 and m.queued == 3
    assert (a.total, a.workers, st.workers) == (4, 0, 1)
    m.dispatch()
    assert (status(m).tasks[0].workers, status(m).tasks[0].running) == (1, 2)


def test_an_empty_task_succeeds_at_once_and_releases_its_dependents() -> None:
    m = JobMaster(JobSpec.of([("a", 0, ()), ("b", 1, ("a",))]))
    assert m.phase == [Phase.SUCCEEDED, Phase.PENDING]


def test_bad_reports_and_specs_are_invalid() -> None:
    m = JobMaster(JobSpec.of([("a", 2, ())]))
    with pytest.raises(Invalid, match="index"):
        m.finished("w", 0, 2, ok=True)
    with pytest.raises(Invalid, match="task"):
        m.finished("w", 1, 0, ok=True)
    with pytest.raises(Invalid, match="cycle"):
        JobSpec.of([("a", 1, ("b",)), ("b", 1, ("a",))])
    with pytest.raises(Invalid, match="unknown task c"):
        JobSpec.of([("a", 1, ("c",))])
