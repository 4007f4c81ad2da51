"""Any interleaving of grants, revocations, losses, failures, late and duplicate reports ends
with every instance done exactly once in the accounting (or the job failed for good)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from sigma.scheduler.batch import JobMaster, JobSpec, Phase

SPEC = JobSpec.of([("a", 7, ()), ("b", 5, ("a",)), ("c", 4, ()), ("d", 3, ("b", "c"))])
WORKERS = [f"w{i}" for i in range(4)]

step = st.one_of(
    st.tuples(st.just("grant"), st.sampled_from(WORKERS), st.integers(0, 3)),
    st.tuples(st.just("revoke"), st.sampled_from(WORKERS), st.just(0)),
    st.tuples(st.just("finish"), st.integers(0, 50), st.booleans()),
    st.tuples(st.just("late"), st.integers(0, 50), st.booleans()),
    st.tuples(st.just("dispatch"), st.just(""), st.just(0)),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(step, max_size=120), st.integers(0, 3))
def test_every_instance_is_accounted_exactly_once(steps: list, budget: int) -> None:
    spec = JobSpec.of(
        [
            (t.name, t.instances, tuple(SPEC.tasks[d].name for d in t.depends_on))
            for t in SPEC.tasks
        ],
        max_retries=budget,
    )
    m = JobMaster(spec, blacklist_after=0)
    running: dict[tuple[int, int], str] = {}  # what each worker was sent and not yet reported
    ever: list[tuple[int, int]] = []  # everything dispatched, for late reports
    reported_ok: set[tuple[int, int]] = set()
    reports = 0

    def finish(worker: str, key: tuple[int, int], ok: bool) -> None:
        nonlocal reports
        reports += 1
        if ok:
            reported_ok.add(key)
        m.finished(worker, *key, ok=ok)

    def dispatch() -> None:
        for d in m.dispatch():
            assert (d.task, d.index) not in running  # never two live runs known to the master
            running[(d.task, d.index)] = d.worker
            ever.append((d.task, d.index))

    for kind, a, b in steps:
        if kind == "grant":
            m.grant(a, f"node-{a}", b)
        elif kind == "revoke":
            m.revoke(a)
            for k in [k for k, w in running.items() if w == a]:
                del running[k]  # its reports may still come, as "late" ones
        elif kind == "finish" and running:
            key = sorted(running)[a % len(running)]
            finish(running.pop(key), key, b)
        elif kind == "late" and ever:
            finish("gone", ever[a % len(ever)], b)
        elif kind == "dispatch":
            dispatch()
    # Then the cluster settles: one healthy worker, every report delivered.
    for w in list(m.workers):
        m.revoke(w)
    running.clear()
    m.grant("final", "node-final", 3)
    for _ in range(1000):
        dispatch()
        if not running:
            break
        for key in sorted(running):
            finish(running.pop(key), key, True)
    done = sum(m.done)
    states = bytes(m.state)
    assert done == states.count(2)  # the counters are the states
    done_keys = {(t, int(i)) for t in range(4) for i in (m.ledger.arrays(t)[0] == 2).nonzero()[0]}
    assert done_keys <= reported_ok  # done only on a reported success
    # Every report is exactly one of: a first success, a duplicate, a stale failure, a
    # failure that used a re-run.
    assert reports == done + m.duplicates + m.stale + sum(m.retries)
    if m.job_phase == Phase.SUCCEEDED:
        assert done == spec.instances and m.failed == [0, 0, 0, 0] and m.running == [0] * 4
    else:  # an instance ran out of re-runs (others in flight may too): the job failed
        assert m.job_phase == Phase.FAILED and states.count(3) == sum(m.failed) >= 1
        assert Phase.FAILED in m.phase and m.dispatch() == []
