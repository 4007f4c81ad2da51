"""Runs the apiserver's controllers, each under its own leader election, on a cadence (some
also woken by the changes they act on, or at the time they said their next pass is due).

Every apiserver replica runs the runner; for each controller one replica wins the election
(``/sigma/v1/leaders/apiserver-<controller>``) and runs its passes, the others stand by and
take over when the leader's lease lapses. Every write a pass makes is fenced on the leader key,
so a deposed leader's late writes are refused by the store.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from sigma.apiserver.controllers import batchjob, gc, nodelifecycle, rulestatus
from sigma.apiserver.controllers.cache import APP_OWNER, ControllerCache
from sigma.apiserver.controllers.compactor import Compactor
from sigma.apiserver.controllers.replicas import ReplicaController
from sigma.apiserver.controllers.rescheduler import Rescheduler, RescheduleSettings
from sigma.apiserver.tasks.writes import Fence
from sigma.clock import Clock, SystemClock, sleep_or
from sigma.election import Elector
from sigma.errors import SigmaError
from sigma.log import get_logger
from sigma.resources import heartbeats
from sigma.retry import keep_running
from sigma.store import Store

log = get_logger("sigma.apiserver.controllers")
Pass = Callable[[Store, float, Fence], Awaitable[int]]


@dataclass(frozen=True, slots=True)
class ControllerSettings:
    interval: float = 2.0  # seconds between passes of each controller
    node_grace: float = heartbeats.NODE_GRACE  # how long a lost node's pods wait to be moved
    task_retention: float = 3600.0  # how long finished tasks stay readable
    finished_pod_retention: float = 3600.0  # how long a finished job's pods stay readable
    election_ttl: int = 10
    history_revisions: int = 100_000  # store revisions kept behind the current one (0: all)
    resync: float = 300.0  # seconds between passes that visit every owner, changed or not
    rule_status_interval: float = 10.0  # seconds between counts of the pods over each rule set
    reschedule: bool = False  # run the rescheduler: propose moves (events, metrics)
    reschedule_apply: bool = False  # and apply its repairs (budgeted evictions)
    reschedule_apply_cost: bool = False  # and its cost moves
    reschedule_max_moves: int = 5  # moves per decision
    reschedule_interval: float = 60.0  # seconds between decisions


def passes(settings: ControllerSettings, cache: ControllerCache | None = None) -> dict[str, Pass]:
    """The controllers by name, each reading ``cache`` (without one: a fresh listing of the
    store per pass)."""
    out: dict[str, Pass] = {
        "replicas": ReplicaController(cache).reconcile,
        "nodelifecycle": nodelifecycle.NodeLifecycle(settings.node_grace, cache),
        "batchjob": lambda s, now, f: batchjob.reconcile(s, now, fence=f, cache=cache),
        "gc": lambda s, now, f: gc.reconcile(
            s,
            now,
            retention=settings.task_retention,
            pod_retention=settings.finished_pod_retention,
            fence=f,
            cache=cache,
        ),
        "compactor": Compactor(settings.history_revisions).reconcile,
        "rulestatus": rulestatus.RuleStatus(settings.rule_status_interval, cache).reconcile,
    }
    if settings.reschedule or settings.reschedule_apply or settings.reschedule_apply_cost:
        resched = RescheduleSettings(
            apply=settings.reschedule_apply or settings.reschedule_apply_cost,
            apply_cost=settings.reschedule_apply_cost,
            max_moves=settings.reschedule_max_moves,
            interval=settings.reschedule_interval,
        )
        out["rescheduler"] = Rescheduler(resched, cache).reconcile
    return out


async def run_controllers(
    store: Store,
    identity: str,
    *,
    clock: Clock | None = None,
    wall: Callable[[], float] = time.time,
    settings: ControllerSettings | None = None,
) -> None:
    """Campaign for every controller and run those this replica leads, until cancelled."""
    settings = settings or ControllerSettings()
    clock = clock or SystemClock()
    cache = ControllerCache(store, resync=settings.resync)
    heartbeat_changed = asyncio.Event()
    runs = [
        asyncio.ensure_future(cache.run()),
        asyncio.ensure_future(
            keep_running(
                lambda: nodelifecycle.watch_heartbeats(store, heartbeat_changed), "heartbeats"
            )
        ),
    ]
    # The replica controller acts on every App change at once, the node lifecycle on every
    # heartbeat key's change and at the end of each grace; the rest keep a cadence.
    wakes = {"replicas": cache.changes.woken[APP_OWNER], "nodelifecycle": heartbeat_changed}
    try:
        await cache.wait_synced()
        for name, one_pass in passes(settings, cache).items():
            elector = Elector(
                store, f"apiserver-{name}", identity, ttl=settings.election_ttl, clock=clock
            )
            loop = _looper(
                name, one_pass, elector, cache, store, clock, wall, settings.interval,
                wakes.get(name),
            )  # fmt: skip
            runs.append(asyncio.ensure_future(elector.run(loop)))
        await asyncio.gather(*runs)
    finally:
        for run in runs:
            if not run.cancelling():  # once only: a second cancel cuts a resign short
                run.cancel()
        await asyncio.gather(*runs, return_exceptions=True)


def _looper(
    name: str,
    one_pass: Pass,
    elector: Elector,
    cache: ControllerCache,
    store: Store,
    clock: Clock,
    wall: Callable[[], float],
    interval: float,
    wake: asyncio.Event | None = None,
) -> Callable[[], Awaitable[None]]:
    async def loop() -> None:
        while True:
            if wake is not None:
                wake.clear()  # before the pass: a change during it wakes the next one
            try:
                writes = await one_pass(store, wall(), elector.fence)
                if writes:
                    log.info("controller pass", extra={"controller": name, "writes": writes})
            except SigmaError as exc:  # the next pass visits every owner again
                cache.changes.forget()
                log.warning("controller pass failed", extra={"controller": name, "error": str(exc)})
            # A pass that says when its next one is due (``NodeLifecycle.due``) gets it then.
            due = getattr(one_pass, "due", None)
            pause = interval if due is None else min(interval, max(0.0, due - wall()))
            if wake is None:
                await clock.sleep(pause)
            else:
                await sleep_or(clock, pause, wake)

    return loop
