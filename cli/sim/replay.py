"""One replay of a workload in one mode: the real tiers on the in-memory store and bus, on
virtual time, with the fleet as the slave side.

Modes (same input, see docs/trace-replay.md):
- ``pools``: no co-location. Nodes are split: an online pool just large enough for online
  requests, a batch pool for the rest; each kind only goes to its pool (node selectors). A
  batch node's batch capacity is all of it.
- ``static``: co-location by requests. Batch may use what online *requests* leave on a node,
  written as the node's batch capacity whenever the online pods on it change. No colocator.
- ``reclaim``: the colocator's usage-based reclaim alone: batch capacity from measured
  online usage, apps never shrunk (time-sharing off). Beside ``timesharing`` it splits the
  gain between reclaiming what online leaves unused and shrinking apps in their trough.
- ``timesharing``: the colocator's elastic co-location: batch capacity from measured online
  usage, and its time-sharing loop shrinking apps in their trough (SCALE through the
  apiserver's tasks), so batch gets the room.

Batch runs in one of two models (``Knobs.batch_model``): ``workers``, job masters on the
virtual clock dispatching instances onto worker pods (``sigma.cli.sim.workers``), or
``pods``, BatchJobs through the apiserver whose instances are pods.

What runs unchanged: the apiserver's App/BatchJob services (Create), task workers and
controllers (DAGs, status, GC, node lifecycle), the scheduler replica, the colocator replica.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

from sigma.apiserver.api._common import Api
from sigma.apiserver.api.apps import AppsServicer
from sigma.apiserver.api.batchjobs import BatchJobsServicer
from sigma.apiserver.background import run_background
from sigma.apiserver.controllers.runner import ControllerSettings
from sigma.apiserver.settings import ApiServerSettings
from sigma.bus.memory import MemoryBus
from sigma.cli.inprocess import InProcessApi
from sigma.cli.sim.fleet import Fleet, Tally
from sigma.cli.sim.trace import Trace
from sigma.cli.sim.vloop import EPOCH, LoopClock
from sigma.cli.sim.workers import Workers
from sigma.cli.sim.workload import (
    Knobs,
    Workload,
    app_object,
    batch_work,
    describe,
    job_object,
    node_objects,
    online_apps,
    online_pool_size,
)
from sigma.cli.tiers import TIERS
from sigma.colocator.settings import ColocatorSettings
from sigma.errors import Invalid, SigmaError
from sigma.log import get_logger
from sigma.resources import NODE, Repository
from sigma.store.memory import MemoryStore
from sigma.tiers import Context
from sigma.v1 import apiserver_pb2, batch_pb2, node_pb2

log = get_logger("sigma.cli.sim")

MODES = ("pools", "static", "reclaim", "timesharing")


class Switches(NamedTuple):
    """What a mode turns on: separate node pools, usage-based reclaim (the colocator writes
    batch capacity from measured online usage; else it is written from requests), and the
    time-sharing shrink (apps carry a time-sharing policy the colocator's loop acts on)."""

    pools: bool
    reclaim: bool
    shrink: bool


def switches(mode: str) -> Switches:
    if mode not in MODES:
        raise Invalid("mode", f"{mode!r} is not one of {MODES}")
    return Switches(mode == "pools", mode in ("reclaim", "timesharing"), mode == "timesharing")


Progress = Callable[[float], None]


@dataclass(frozen=True)
class Timing:
    """Virtual intervals: usage reports, the fleet's converge pass when nothing happens, how
    soon the fleet acts on a change (a pod bound or deleted, a batch pod's end), heartbeats."""

    report_s: float = 300.0
    converge_s: float = 15.0
    react_s: float = 1.0
    heartbeat_ttl: int = 900


@dataclass
class Outcome:
    mode: str
    tally: Tally
    jobs: list[tuple[str, float, float | None]]  # name, submit, finish (virtual seconds)
    skipped_jobs: int
    revoked_instances: int = 0  # instances re-queued from evicted workers (workers model)


def workload(trace: Trace, mode: str, knobs: Knobs) -> Workload:
    apps, multiplier = online_apps(trace, knobs)
    jobs, factor = batch_work(trace, knobs)
    pool = online_pool_size(trace, apps) if switches(mode).pools else None

    return Workload(
        node_objects(trace, pool), apps, jobs, describe(knobs, multiplier, factor, pool)
    )


async def replay(
    trace: Trace,
    mode: str,
    knobs: Knobs,
    timing: Timing = Timing(),
    progress: Progress | None = None,
) -> tuple[Outcome, Workload]:
    """Replay ``trace``'s window in ``mode``; must run on a ``VirtualLoop``."""
    loop = asyncio.get_running_loop()
    clock = LoopClock(loop)
    start = float(trace.scale.replay_start)
    # Virtual time is trace time: the loop starts at the window's start (less the warm-up).
    store = MemoryStore(clock=clock)
    work = workload(trace, mode, knobs)
    api_settings = ApiServerSettings(identity="sim-apiserver", max_batch_tasks=10_000)
    api = Api(store, api_settings, clock=clock, wall_ns=clock.wall_ns)
    ctx = Context(
        store,
        MemoryBus(clock=clock),
        clock=clock,
        wall=clock.wall,
        seed=trace.scale.rng_seed("tiers"),
    )
    ctx.api = InProcessApi(store, wall=clock.wall, identity="sim-colocator")
    fleet = Fleet(
        store,
        ctx.bus,
        clock,
        clock.wall,
        work.nodes,
        {a.app.name.lower().replace("_", "-"): a for a in work.apps},
        start=start,
        interval=timing.report_s,
        report_from=float(trace.scale.start),
    )
    on = switches(mode)
    fleet.idle_share = knobs.idle_share
    fleet.publish = on.reclaim  # only the colocator reads the usage reports
    await fleet.register(timing.heartbeat_ttl)
    pool = None
    if knobs.batch_model == "workers":
        pool = Workers(store, clock, fleet, knobs, pool="batch" if on.pools else None)
    try:
        await _start_tiers(ctx, fleet, mode, knobs, timing)
        if pool is not None:
            ctx.spawn(pool.rooms.watch(), "sim-batch-nodes")
        apps = AppsServicer(api)
        for online in work.apps:
            where = "online" if on.pools else None
            app = app_object(online, pool=where, time_sharing=on.shrink, knobs=knobs)
            await apps.Create(apiserver_pb2.CreateAppRequest(namespace="default", app=app), None)
        submitted, skipped = await _drive(
            BatchJobsServicer(api), fleet, pool, clock, work, mode, knobs, timing, progress,
            (start, float(trace.scale.end)),
        )  # fmt: skip
        finished = await _finishes(store)
    finally:
        for task in ctx.tasks:
            task.cancel()
        await asyncio.gather(*ctx.tasks, return_exceptions=True)
    if pool is not None:
        return Outcome(mode, fleet.tally, pool.records(), skipped, pool.revoked), work
    records = [(name, submit, finished.get(name)) for name, submit in submitted]
    return Outcome(mode, fleet.tally, records, skipped), work


async def _start_tiers(ctx: Context, fleet: Fleet, mode: str, knobs: Knobs, timing: Timing) -> None:
    """The fleet's informer, the apiserver's background work, the scheduler, and (in the
    time-sharing mode) the colocator, else the static batch capacity."""
    clock = ctx.clock
    assert isinstance(clock, LoopClock)
    ctx.spawn(fleet.watch(), "sim-fleet-informer")
    controllers = ControllerSettings(
        interval=120.0,
        node_grace=timing.heartbeat_ttl,
        finished_pod_retention=600.0,
        resync=3600.0,
    )
    background = run_background(
        ctx.store, "sim-apiserver", clock=clock, wall=clock.wall, controllers=controllers
    )
    ctx.spawn(background, "sim-apiserver-background")
    await TIERS["scheduler"].build(ctx)
    if not switches(mode).reclaim:
        threshold = knobs.memory_threshold
        ctx.spawn(_static_capacity(ctx.store, fleet, clock, threshold), "sim-static-capacity")
        return
    ctx.settings = ColocatorSettings(
        identity="sim-colocator",
        cpu_threshold=knobs.cpu_threshold,
        memory_threshold=knobs.memory_threshold,
        window=2 * timing.report_s,
        stale_after=3 * timing.report_s,
        tick_interval=60.0,
        rise_hold=timing.report_s,
        refresh_after=timing.report_s,
    )
    await TIERS["colocator"].build(ctx)


async def _drive(
    jobs: BatchJobsServicer,
    fleet: Fleet,
    pool: Workers | None,
    clock: LoopClock,
    work: Workload,
    mode: str,
    knobs: Knobs,
    timing: Timing,
    progress: Progress | None,
    window: tuple[float, float],
) -> tuple[list[tuple[str, float]], int]:
    """Submit the jobs when they are due and run the fleet until the window ends; the jobs
    submitted (name, time; warm-up ones left out) and how many were refused."""
    submitted: list[tuple[str, float]] = []
    skipped = 0
    start, end = window
    next_report = next_beat = start
    pending = collections.deque(work.jobs)
    while clock.now() < end:
        now = clock.now()
        while pending and pending[0].submit <= now:
            w = pending.popleft()
            if pool is not None:
                pool.submit(w, now)
                continue
            job = job_object(w, pool="batch" if switches(mode).pools else None, knobs=knobs)
            try:
                await jobs.Create(
                    apiserver_pb2.CreateBatchJobRequest(namespace="default", job=job), None
                )
                if not w.warmup:
                    submitted.append((job.meta.name, w.submit))
            except SigmaError:
                skipped += 1
        if pool is not None:
            await pool.step(now)
        await fleet.converge()
        if pool is not None:
            pool.dispatch(now)
        if now >= next_beat:
            next_beat = now + timing.heartbeat_ttl / 3
            await fleet.heartbeat()
        if now >= next_report:
            next_report = now + timing.report_s
            await fleet.report(now)
            if progress is not None:
                progress(now)
        wake = min(next_report, next_beat, now + timing.converge_s)
        ends = min(fleet.next_end(), pool.next_event() if pool is not None else math.inf)
        wake = min(wake, max(ends, now + timing.react_s))
        if pending:
            wake = min(wake, max(now, pending[0].submit))
        await fleet.idle(wake, timing.react_s)
    if pool is not None:
        submitted = [(j.name, j.submit) for j in pool.jobs if not j.warmup]
    return submitted, skipped


async def _finishes(store: MemoryStore) -> dict[str, float]:
    from sigma.resources import BATCH_JOB

    out = {}
    for job in await Repository(store, BATCH_JOB).list_all("default"):
        if job.status.phase == batch_pb2.BATCH_JOB_PHASE_SUCCEEDED:
            out[job.meta.name] = job.status.finish_time.ToNanoseconds() / 1e9 - EPOCH
    return out


async def _static_capacity(
    store: MemoryStore, fleet: Fleet, clock: LoopClock, memory_threshold: float
) -> None:
    """Batch capacity by requests: allocatable minus the online requests on each node, CPU
    and memory (memory up to ``memory_threshold`` of the node); pools: the whole node on the
    batch pool, none on the online pool. A node is looked at again only once its running pods
    changed (``Fleet.epochs``): nothing else of it moves."""
    nodes = Repository(store, NODE)
    written: dict[str, tuple[int, int]] = {}
    seen: dict[str, int] = {}
    while True:
        for node in fleet.nodes:
            name = node.meta.name
            if seen.get(name) == fleet.epochs[name]:
                continue
            seen[name] = fleet.epochs[name]
            online = [r for r in fleet.running[name].values() if not r.batch]
            cpu = max(0, node.spec.allocatable.cpu_millis - sum(r.cpu for r in online))
            held = sum(r.memory for r in online)
            mem = max(0, int(node.spec.allocatable.memory_bytes * memory_threshold) - held)
            if node.meta.labels.get("sigma.io/pool") == "online":
                cpu = 0
            if written.get(name) == (cpu, mem):
                continue
            written[name] = (cpu, mem)

            def put(n: node_pb2.Node, cpu: int = cpu, mem: int = mem) -> bool:
                n.status.batch_capacity.cpu_millis = cpu
                n.status.batch_capacity.memory_bytes = mem
                return True

            with contextlib.suppress(SigmaError):
                await nodes.mutate("", name, put)
        await clock.sleep(60.0)
