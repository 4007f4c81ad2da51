"""``sigma bench batch``: a job master dispatching a backlog of short instances onto workers.

One job of ``--instances`` instances (``--tasks`` tasks: all but the last are independent
maps holding nine tenths of the instances, the last a reduce that waits for every map) runs
on ``--workers`` in-process workers of ``--slots`` slots each. A worker is an asyncio task
that takes the batch of instances it is sent, runs them for ``--run-us`` (0: acknowledges at
once) and reports them back in one message, as a worker's stream to its master would; with
``--fail-rate`` some instances fail and are re-run. The master's loop drains every report
waiting, feeds them to the ``JobMaster``, dispatches, and writes the checkpoints due through
the store port (``--store``: memory:// or etcd://host:port), at most one per task per
``--interval`` seconds.

Printed per run and, last, the median of the runs:

- ``instances_per_s``: instances accounted done per wall-clock second;
- ``master_us_per_instance``: time inside the master (reports, dispatch, checkpoint encoding)
  per instance, the control-plane cost the issue's target is about;
- ``cpu_us_per_instance``: the whole process's CPU per instance (workers' simulation and the
  asyncio queues included), an upper bound on the same;
- ``store_writes_per_instance``: checkpoint records written per instance;
- ``state_bytes_per_instance``: the master's instance arrays.

Targets: >= 20,000 instances/s, <= 30 us per instance, <= 0.05 writes per instance.
"""

from __future__ import annotations

import argparse
import asyncio
import random
import statistics
import time
from collections.abc import Sequence

from sigma.cli.bench import emit
from sigma.cli.command import OneLineParser
from sigma.errors import SigmaError
from sigma.scheduler.batch import Checkpointer, Dispatch, JobMaster, JobSpec, Phase, save
from sigma.scheduler.batch import checkpoint as C
from sigma.store import Store, open_store

TARGETS = {"instances_per_s": 20_000, "master_us_per_instance": 30, "writes_per_instance": 0.05}

Report = tuple[str, list[tuple[int, int, bool]]]  # worker, [(task, index, ok)]


def job(instances: int, tasks: int, name: str) -> JobSpec:
    """``tasks - 1`` maps sharing nine tenths of the instances, then one reduce."""
    if tasks == 1:
        return JobSpec.of([("map-0", instances, ())], max_retries=3, name=name, uid=name)
    reduce = max(instances // 10, 1)
    maps = tasks - 1
    sizes = [(instances - reduce) // maps + (i < (instances - reduce) % maps) for i in range(maps)]
    rows = [(f"map-{i}", n, ()) for i, n in enumerate(sizes)]
    rows.append(("reduce", reduce, tuple(f"map-{i}" for i in range(maps))))
    return JobSpec.of(rows, max_retries=3, name=name, uid=name)


async def _worker(
    wid: str,
    inbox: asyncio.Queue[list[Dispatch]],
    reports: asyncio.Queue[Report],
    run_s: float,
    fail_rate: float,
    rng: random.Random,
) -> None:
    while True:
        batch = await inbox.get()
        if run_s:
            await asyncio.sleep(run_s)  # the batch's instances run side by side on its slots
        fails = fail_rate and rng
        done = [(d.task, d.index, not fails or rng.random() >= fail_rate) for d in batch]
        reports.put_nowait((wid, done))


async def run_once(
    store: Store,
    spec: JobSpec,
    *,
    workers: int,
    slots: int,
    run_us: float,
    fail_rate: float,
    interval: float,
    seed: int,
) -> dict[str, float | int]:
    """One job from submission to its last instance; the figures of the run."""
    master = JobMaster(spec, blacklist_after=0)
    cp = Checkpointer(interval=interval)
    reports: asyncio.Queue[Report] = asyncio.Queue()
    inboxes = {f"w{i}": asyncio.Queue[list[Dispatch]]() for i in range(workers)}
    rng = random.Random(seed)
    tasks = [
        asyncio.ensure_future(_worker(w, q, reports, run_us / 1e6, fail_rate, rng))
        for w, q in inboxes.items()
    ]
    clock, inside, store_s = time.perf_counter, 0.0, 0.0
    t0, cpu0 = clock(), time.process_time()
    try:
        for i, wid in enumerate(inboxes):
            master.grant(wid, f"node-{i}", slots)
        while master.job_phase not in (Phase.SUCCEEDED, Phase.FAILED):
            a = clock()
            out: dict[str, list[Dispatch]] = {}
            for d in master.dispatch():
                out.setdefault(d.worker, []).append(d)
            records = cp.take(master, a - t0)
            inside += clock() - a
            for wid, batch in out.items():
                inboxes[wid].put_nowait(batch)
            if records:
                b = clock()
                await save(store, records)
                store_s += clock() - b
            wid, done = await reports.get()
            a = clock()
            while True:
                finished = master.finished
                for task, index, ok in done:
                    finished(wid, task, index, ok)
                if reports.empty():
                    break
                wid, done = reports.get_nowait()
            inside += clock() - a
        a = clock()
        records = cp.take(master, a - t0)
        inside += clock() - a
        await save(store, records)
        elapsed, cpu = clock() - t0, time.process_time() - cpu0
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    n = spec.instances
    return {
        "instances": n,
        "dispatched": master.dispatched,
        "retries": sum(master.retries),
        "phase": master.job_phase.name.lower(),
        "seconds": round(elapsed, 3),
        "instances_per_s": round(sum(master.done) / elapsed),
        "master_us_per_instance": round(inside / n * 1e6, 2),
        "cpu_us_per_instance": round(cpu / n * 1e6, 2),
        "store_writes": cp.writes,
        "store_writes_per_instance": round(cp.writes / n, 6),
        "store_seconds": round(store_s, 3),
        "state_bytes_per_instance": (len(master.state) + master.failures.itemsize * n) / n,
    }


async def _cleanup(store: Store, spec: JobSpec) -> None:
    page = await store.list(C.job_prefix(spec.namespace, spec.name))
    for kv in page.items:
        await store.delete(kv.key)


async def bench(args: argparse.Namespace) -> list[dict]:
    store = open_store(args.store)
    rows: list[dict] = []
    try:
        for run in range(args.runs):
            spec = job(args.instances, args.tasks, f"bench-batch-{time.time_ns()}-{run}")
            row = await run_once(
                store,
                spec,
                workers=args.workers,
                slots=args.slots,
                run_us=args.run_us,
                fail_rate=args.fail_rate,
                interval=args.interval,
                seed=args.seed + run,
            )
            await _cleanup(store, spec)
            rows.append({"run": run, **row})
    finally:
        await store.close()
    return rows


def median(rows: list[dict], args: argparse.Namespace) -> dict:
    numeric = [k for k, v in rows[0].items() if isinstance(v, int | float) and k != "run"]
    out: dict = {"run": "median", "store": args.store.split("://")[0]}
    out.update(workers=args.workers, slots=args.slots, tasks=args.tasks, run_us=args.run_us)
    out.update({k: statistics.median(r[k] for r in rows) for k in numeric})
    out["meets_targets"] = (
        out["instances_per_s"] >= TARGETS["instances_per_s"]
        and out["master_us_per_instance"] <= TARGETS["master_us_per_instance"]
        and out["store_writes_per_instance"] <= TARGETS["writes_per_instance"]
    )
    return out


def main(argv: Sequence[str]) -> int:
    parser = OneLineParser(
        prog="sigma bench batch",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--instances", type=int, default=100_000)
    parser.add_argument("--tasks", type=int, default=4, help="maps + one reduce (1: one map)")
    parser.add_argument("--workers", type=int, default=64)
    parser.add_argument("--slots", type=int, default=4, help="instances a worker runs at once")
    parser.add_argument("--run-us", type=float, default=0.0, help="an instance's run time")
    parser.add_argument("--fail-rate", type=float, default=0.0, help="share of runs that fail")
    parser.add_argument(
        "--interval", type=float, default=1.0, help="seconds between a task's checkpoints"
    )
    parser.add_argument("--store", default="memory://", help="memory:// or etcd://host:port")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if args.instances < 1 or args.tasks < 1 or args.workers < 1 or args.slots < 1:
        parser.error("--instances, --tasks, --workers and --slots must be at least 1")
    if args.runs < 1 or args.run_us < 0 or args.interval < 0 or not 0 <= args.fail_rate < 0.5:
        parser.error("--runs >= 1, --run-us and --interval not negative, --fail-rate in [0, 0.5)")
    try:
        rows = asyncio.run(bench(args))
    except SigmaError as exc:
        parser.exit(2, f"sigma bench batch: error: {exc}\n")
    for row in rows:
        emit(row, as_json=args.json)
    emit(median(rows, args), as_json=args.json)
    return 0
