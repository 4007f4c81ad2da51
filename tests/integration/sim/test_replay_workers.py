"""The replay's executor model: job masters dispatching instances onto worker pods.

The pool is driven the way the replay drives it (``step``, the fleet's hooks, ``dispatch``)
on a virtual loop with the in-memory store, the test standing in for the scheduler and the
slave: it tells the pool when a worker pod starts or is evicted. So what is checked is the
pool's own bookkeeping: an evicted worker's instances run again and count once, and a job
finishes when its last instance ends, whenever the pool next looks.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from pathlib import Path
from typing import TypeVar

import pytest
from test_replay_slice import (
    END,
    FILES,
    INTERVAL,
    JOBS,
    KNOBS,
    MEMORY,
    START,
    _rows,
    write_trace,
)

from sigma.bus.memory import MemoryBus
from sigma.cli.sim.batch import TraceJob, TraceTask
from sigma.cli.sim.fleet import Fleet
from sigma.cli.sim.replay import Outcome, Timing, replay
from sigma.cli.sim.scale import Scale
from sigma.cli.sim.trace import load_trace
from sigma.cli.sim.vloop import LoopClock, run_virtual
from sigma.cli.sim.workers import Workers, fair_shares
from sigma.cli.sim.workload import BatchWork, Knobs
from sigma.scheduler.batch import Phase
from sigma.store.memory import MemoryStore
from sigma.v1 import node_pb2

T = TypeVar("T")
GIB = 2**30
CPU = 1000  # one instance: a core, 1 GiB
MEM = GIB


def _node(name: str) -> node_pb2.Node:
    node = node_pb2.Node()
    node.meta.name = name
    node.spec.capacity.cpu_millis = node.spec.allocatable.cpu_millis = 96_000
    node.spec.capacity.memory_bytes = node.spec.allocatable.memory_bytes = 512 * GIB
    return node


def _job(instances: int, duration: int) -> BatchWork:
    """One task of ``instances`` one-core instances, ``duration`` seconds each."""
    task = TraceTask("M1", instances, (), CPU, MEM, 0, duration, "Terminated")
    return BatchWork(TraceJob("j_1", 0, (task,)), submit=0.0, cpu_factor=1.0)


def _virtual(body: Callable[[Workers, LoopClock], Awaitable[T]], nodes: int = 2) -> T:
    async def main() -> T:
        clock = LoopClock(asyncio.get_running_loop())
        store = MemoryStore(clock=clock)
        names = [_node(f"n{i}") for i in range(nodes)]
        fleet = Fleet(
            store, MemoryBus(clock=clock), clock, clock.wall, names, {}, start=0, interval=300
        )
        return await body(Workers(store, clock, fleet, Knobs(), pool=None), clock)

    return run_virtual(main())


def _room(pool: Workers, slots: int) -> None:
    """Batch capacity for ``slots`` instances on every node (as the colocator would write)."""
    pool.rooms.cap_cpu[:] = slots * CPU
    pool.rooms.cap_mem[:] = slots * MEM


def _start_all(pool: Workers) -> list[str]:
    """The scheduler places and the slave starts every worker asked for."""
    keys = [k for k, w in pool.workers.items() if not w.started]
    for key in keys:
        pool.started(pool.names[pool.workers[key].node], key)
    return keys


async def _run_until(pool: Workers, clock: LoopClock, until: float) -> None:
    """The replay's loop, reduced: step, start what was asked, dispatch; then the next end."""
    while clock.now() <= until:
        now = clock.now()
        await pool.step(now)
        _start_all(pool)
        pool.dispatch(now)
        nxt = min(pool.next_event(), until + 1)
        await clock.sleep(max(nxt - now, 0.001))


def test_a_jobs_finish_is_its_last_instances_end_not_when_the_pool_looks() -> None:
    async def body(pool: Workers, clock: LoopClock) -> tuple[float | None, int]:
        _room(pool, 1)
        pool.submit(_job(1, 100), 0.0)
        await pool.step(0.0)
        _start_all(pool)
        pool.dispatch(0.0)
        await clock.sleep(250.0)  # the pool next looks at 250 s
        await pool.step(clock.now())
        return pool.jobs[0].finish, pool.instances_run

    assert _virtual(body) == (100.0, 1)


def test_instances_run_back_to_back_on_one_slot() -> None:
    """One slot in the whole cluster: four 100 s instances run one after the other on one
    worker, and the job ends with the fourth."""

    async def body(pool: Workers, clock: LoopClock) -> tuple[float | None, list[tuple]]:
        pool.rooms.cap_cpu[:] = [CPU, 0]
        pool.rooms.cap_mem[:] = [MEM, 0]
        pool.submit(_job(4, 100), 0.0)
        await _run_until(pool, clock, 500.0)
        return pool.jobs[0].finish, pool.records()

    finish, records = _virtual(body)
    # Back to back on one slot: ends at 100, 200, 300, 400 (plus the 1 ms start of the loop).
    assert finish == pytest.approx(400.0, abs=0.01)
    assert records == [("j-1", 0.0, finish)]


def test_an_evicted_workers_instances_run_again_and_count_once() -> None:
    """Two workers of two slots; one is evicted mid-instance: its two instances go back to
    the queue, run on the other worker, and every instance counts done exactly once."""

    async def body(pool: Workers, clock: LoopClock) -> dict[str, object]:
        _room(pool, 2)
        pool.submit(_job(6, 100), 0.0)
        await pool.step(0.0)
        started = _start_all(pool)
        assert len(started) == 2  # one two-slot worker per node
        pool.dispatch(0.0)
        master = pool.jobs[0].master
        assert sum(master.running) == 4
        await clock.sleep(50.0)
        victim = started[0]
        lost = sorted(master.workers[victim].held)
        pool.stopped(victim)  # the fleet saw its pod deleted: evicted
        after = {"queued": master.queued, "revoked": pool.revoked, "lost": lost}
        pool.next_size = float("inf")  # no new worker: the survivor must run them
        await _run_until(pool, clock, 1000.0)
        ledger = master.ledger
        state, _ = ledger.arrays(0)
        return after | {
            "done": master.done[0],
            "states": set(state.tolist()),
            "phase": master.job_phase,
            "ran": pool.instances_run,
            "finish": pool.jobs[0].finish,
            "duplicates": master.duplicates,
        }

    out = _virtual(body)
    assert len(out["lost"]) == 2  # type: ignore[arg-type]
    assert out["revoked"] == 2
    assert out["queued"] == 2 + 2  # the two lost, back ahead of the two never run
    assert out["done"] == 6 and out["states"] == {2}  # every instance DONE
    assert out["phase"] == Phase.SUCCEEDED
    # The evicted worker's two instances never report: six ends are accounted, not eight.
    assert out["ran"] == 6 and out["duplicates"] == 0
    # One two-slot worker from 50 s on: 2 ran to 100, then 4 more in two rounds: 300.
    assert out["finish"] == pytest.approx(300.0, abs=0.01)


def test_a_large_job_does_not_hold_the_room_small_ones_wait_for() -> None:
    # Max-min fair: demands under an equal split are met, the rest split what is left.
    assert fair_shares([10.0, 100.0, 1000.0], 300.0) == [10.0, 100.0, 190.0]
    assert fair_shares([500.0, 500.0], 300.0) == [150.0, 150.0]
    assert fair_shares([], 300.0) == []


# The slice of test_replay_slice, with a trough: the cluster curve at 10% from 00:30 to
# 02:30 (the warm-up and the window), 80% the rest of the day. Online memory is held at 70%
# of the cluster's, a tenth of each replica's CPU request is used whatever its traffic.
TROUGH = "cpu_util_percent,mem_util_percent,net_in,net_out,disk_io_percent\n" + "".join(
    ("10.0" if 6 <= i < 30 else "80.0") + ",50.0,30.0,25.0,4.0\n" for i in range(288)
)
REALISTIC = replace(KNOBS, online_memory_share=0.7, idle_share=0.1)


@pytest.fixture(scope="module")
def trough_runs(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Outcome]:
    folder = write_trace(tmp_path_factory.mktemp("trough"))
    (folder / FILES.usage).write_text(TROUGH)
    scale = Scale(None, START, END, seed=0, warmup=1800)
    trace = load_trace(folder, scale, all_days=True)
    out = {}
    for mode in ("reclaim", "timesharing"):
        outcome, _ = run_virtual(
            replay(trace, mode, REALISTIC, Timing(report_s=INTERVAL)), start=scale.replay_start
        )
        out[mode] = outcome
    return out


def test_reclaim_never_shrinks_and_online_holds_its_memory(
    trough_runs: dict[str, Outcome],
) -> None:
    rows = _rows(trough_runs["reclaim"])
    # Every replica runs all window long, each holding its memory whatever its traffic:
    # 70% of the cluster's memory in every sample (to the byte's rounding per app).
    assert all(om == pytest.approx(0.7 * MEMORY, rel=1e-3) for _, _, _, om, _ in rows)


def test_timesharing_shrinks_in_the_trough_and_frees_memory_and_cpu(
    trough_runs: dict[str, Outcome],
) -> None:
    held, shrunk = _rows(trough_runs["reclaim"]), _rows(trough_runs["timesharing"])
    # Whole replicas go: their memory, and their idle CPU (the traffic moves to the rest).
    assert shrunk[-1][3] < 0.5 * held[-1][3]
    assert shrunk[-1][1] < held[-1][1]
    assert trough_runs["timesharing"].tally.pod_samples < trough_runs["reclaim"].tally.pod_samples
    # The traffic itself is still served: nothing unmet in either mode.
    for outcome in trough_runs.values():
        assert outcome.tally.unmet_samples == 0


def test_both_batch_models_replay_the_same_jobs_comparably(tmp_path: Path) -> None:
    """The same slice, static mode, both models: the same jobs finish, no sooner than their
    critical path, the batch CPU per sample is the same; workers finish closer to it."""
    scale = Scale(None, START, END, seed=0)
    trace = load_trace(write_trace(tmp_path / "trace"), scale, all_days=True)
    runs = {}
    for model in ("pods", "workers"):
        knobs = replace(KNOBS, batch_model=model)
        runs[model], _ = run_virtual(
            replay(trace, "static", knobs, Timing(report_s=INTERVAL)), start=scale.start
        )
    for outcome in runs.values():
        assert [(n, s) for n, s, _ in outcome.jobs] == [(n, s) for n, s, _ in JOBS]
        for (name, submit, finish), (_, _, path) in zip(outcome.jobs, JOBS, strict=True):
            assert finish is not None and submit + path <= finish <= END, name
    assert [r[2] for r in _rows(runs["pods"])] == [r[2] for r in _rows(runs["workers"])]
    for pods, workers in zip(runs["pods"].jobs, runs["workers"].jobs, strict=True):
        assert workers[2] <= pods[2]  # type: ignore[operator]
