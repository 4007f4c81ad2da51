from __future__ import annotations

import json

import numpy as np
import pytest

from sigma.errors import Invalid
from sigma.scheduler.batch import (
    Checkpointer,
    Dispatch,
    JobMaster,
    JobSpec,
    Phase,
    load,
    resume,
    save,
)
from sigma.scheduler.batch import checkpoint as C
from sigma.store.memory import MemoryStore
from tests.unit.scheduler.batch._drive import drive


def _spec(uid: str = "u1") -> JobSpec:
    return JobSpec.of(
        [("map", 1000, ()), ("reduce", 10, ("map",))], max_retries=2, name="wc", uid=uid
    )


@pytest.mark.parametrize(
    "done", [[], [0], [999], [0, 1, 2, 7, 8, 500, 998, 999], list(range(1000))]
)
def test_done_ranges_round_trip(done: list[int]) -> None:
    mask = np.zeros(1000, dtype=bool)
    mask[done] = True
    pairs = C.ranges(mask)
    assert np.array_equal(C.mask_of(pairs, 1000), mask)


def test_a_task_done_in_order_is_one_range_whatever_its_size() -> None:
    mask = np.zeros(100_000, dtype=bool)
    mask[:73_000] = True
    assert C.ranges(mask).tolist() == [0, 73_000]


def test_record_round_trip_keeps_done_and_failures() -> None:
    m = JobMaster(_spec(), blacklist_after=0)
    m.grant("w", "n", 50)
    for d in m.dispatch():
        m.finished("w", d.task, d.index, ok=d.index % 3 != 0)
    value = C.encode(m, 0)
    assert len(value) < 300  # compact: ranges and a sparse failure list
    t, restored = C.decode(value, _spec())  # type: ignore[misc]
    assert t == 0
    assert np.array_equal(restored.done, m.ledger.arrays(0)[0] == C.DONE)
    assert restored.failures == {i: 1 for i in range(0, 50, 3)}


def test_records_of_another_incarnation_or_task_shape_are_ignored() -> None:
    m = JobMaster(_spec())
    assert C.decode(C.encode(m, 0), _spec(uid="u2")) is None
    other = JobSpec.of([("map", 5, ())], name="wc", uid="u1")
    assert C.decode(C.encode(m, 0), other) is None


def test_a_damaged_record_is_invalid() -> None:
    m = JobMaster(_spec())
    record = json.loads(C.encode(m, 0))
    with pytest.raises(Invalid, match="checkpoint"):
        C.decode(b"{", _spec())
    with pytest.raises(Invalid, match="decode"):
        C.decode(json.dumps({**record, "done": "!!"}).encode(), _spec())
    with pytest.raises(Invalid, match="version"):
        C.decode(json.dumps({**record, "v": 9}).encode(), _spec())


def test_writes_are_per_task_and_bounded_in_rate() -> None:
    m = JobMaster(_spec())
    cp = Checkpointer(interval=1.0)
    m.grant("w", "n", 100)
    now, puts = 0.0, []
    while m.job_phase != Phase.SUCCEEDED:
        for d in m.dispatch():
            m.finished("w", d.task, d.index, ok=True)
        puts += cp.take(m, now)
        now += 0.1
    # 1,010 instances over 1.1 s: map written at 0.0 and (not due before 1.0) when it
    # succeeded at 0.9, reduce when it succeeded at 1.0: three records, none per instance.
    assert [k.rsplit("/", 1)[1] for k, _ in puts] == ["map", "map", "reduce"]
    assert cp.writes == 3 and not m.dirty
    assert cp.take(m, now + 10) == []  # nothing changed: nothing written


def _round(m: JobMaster) -> list[Dispatch]:
    """One dispatch, every instance of it finished ok."""
    made = m.dispatch()
    for d in made:
        m.finished(d.worker, d.task, d.index, ok=True)
    return made


async def test_a_resumed_master_reruns_at_most_the_in_flight_instances() -> None:
    store, spec = MemoryStore(), _spec()
    first = JobMaster(spec)
    first.grant("w1", "n1", 8)
    first.grant("w2", "n2", 8)
    for _ in range(20):  # some rounds: finish all but what is dispatched last
        _round(first)
    await save(store, Checkpointer(interval=0.0).take(first, 1.0))
    in_flight = {(d.task, d.index) for d in first.dispatch()}
    assert len(in_flight) == 16 and first.done[0] == 320
    # The master dies; w2's node with it. A new master resumes from the store.
    second = await resume(store, spec)
    assert second.done[0] == 320 and second.phase[0] == Phase.RUNNING
    second.grant("w3", "n3", 8)
    rerun = {(d.task, d.index) for d in drive(second)}
    done_before = {(0, i) for i in np.flatnonzero(first.ledger.arrays(0)[0] == C.DONE).tolist()}
    assert rerun & (done_before | in_flight) == in_flight  # of what ran, only the in-flight
    assert len(rerun) == 1010 - 320  # every instance not done, in flight ones included, once
    assert second.job_phase == Phase.SUCCEEDED


async def test_workers_rejoining_a_resumed_master_lose_nothing() -> None:
    store, spec = MemoryStore(), _spec()
    first = JobMaster(spec)
    cp = Checkpointer(interval=60.0)
    first.grant("w1", "n1", 4)
    _round(first)
    await save(store, cp.take(first, 0.0))  # 4 done on record
    unacked = _round(first)  # 4 more done after the last write: w1 keeps their reports
    running = [(d.task, d.index) for d in first.dispatch()]  # 4 in flight on w1
    assert cp.take(first, 1.0) == []  # not due: the records still say 4
    second = await resume(store, spec)
    assert second.done[0] == 4
    second.grant("w1", "n1", 4, running=running)  # w1 re-joins with what it runs
    for d in unacked:
        second.finished("w1", d.task, d.index, ok=True)  # and re-sends what it finished
    assert second.done[0] == 8 and second.running[0] == 4 and second.dispatch() == []
    second.grant("w9", "n9", 4)
    assert [d.index for d in second.dispatch()] == [12, 13, 14, 15]


async def test_load_ignores_other_jobs_and_resume_restores_budgets() -> None:
    store = MemoryStore()
    spec = JobSpec.of([("a", 3, ())], max_retries=1, name="j", uid="u")
    m = JobMaster(spec, blacklist_after=0)
    m.grant("w", "n", 1)
    (d,) = m.dispatch()
    m.finished("w", 0, d.index, ok=False)  # one of its one re-run used
    await save(store, Checkpointer().take(m, 0.0))
    await store.put(C.key("default", "j2", "a"), b"not ours")
    again = await resume(store, spec, blacklist_after=0)
    assert list((await load(store, spec)).keys()) == [0]
    again.grant("w", "n", 1)
    (d,) = again.dispatch()
    assert (d.index, d.attempt) == (0, 1)
    again.finished("w", 0, 0, ok=False)
    assert again.job_phase == Phase.FAILED  # the budget survived the resume
