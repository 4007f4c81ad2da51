"""The apiserver's background work in one entry point: the task worker and the controllers.

Wire it into the tier's builder::

    ctx.spawn(run_background(ctx.store, identity, stop), "apiserver-background")

Every replica runs the same: its task worker competes for tasks (lease + compare-and-swap), and
each controller runs on whichever replica wins that controller's election.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

from sigma.apiserver.controllers.runner import ControllerSettings, run_controllers
from sigma.apiserver.tasks.worker import TaskSettings, TaskWorker
from sigma.clock import Clock
from sigma.store import Store


async def run_background(
    store: Store,
    identity: str,
    stop: asyncio.Event | None = None,
    *,
    clock: Clock | None = None,
    wall: Callable[[], float] = time.time,
    tasks: TaskSettings | None = None,
    controllers: ControllerSettings | None = None,
) -> None:
    """Run the worker and the controllers until ``stop`` is set (or the caller cancels).

    ``identity`` names this replica in task owners and leader keys ("apiserver-<host>-<pid>").
    On the way out, claims and leaderships are released so other replicas take over at once.
    """
    worker = TaskWorker(store, identity, clock=clock, wall=wall, settings=tasks)
    jobs = [
        asyncio.ensure_future(worker.run()),
        asyncio.ensure_future(
            run_controllers(store, identity, clock=clock, wall=wall, settings=controllers)
        ),
    ]
    try:
        if stop is None:
            await asyncio.gather(*jobs)
        else:
            waiter = asyncio.ensure_future(stop.wait())
            await asyncio.wait([*jobs, waiter], return_when=asyncio.FIRST_COMPLETED)
            waiter.cancel()
            for job in jobs:
                if job.done() and not job.cancelled() and job.exception() is not None:
                    raise job.exception()  # type: ignore[misc]
    finally:
        for job in jobs:
            # Once only: a second cancel would cut short the job's own way out (releasing its
            # claims and leaderships), which it is taking since the first.
            if not job.cancelling():
                job.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.gather(*jobs, return_exceptions=True)
