"""A job master driven to the end by workers that run what they are sent, in order."""

from __future__ import annotations

from collections.abc import Callable

from sigma.scheduler.batch import Dispatch, JobMaster

Outcome = Callable[[Dispatch, str], bool]  # (dispatch, node) -> ok


def ok(_: Dispatch, __: str) -> bool:
    return True


def drive(master: JobMaster, outcome: Outcome = ok, *, rounds: int = 10_000) -> list[Dispatch]:
    """Dispatch, finish every dispatch with ``outcome``, until nothing is dispatched; the
    dispatches in the order they were made."""
    made: list[Dispatch] = []
    for _ in range(rounds):
        batch = master.dispatch()
        if not batch:
            return made
        made += batch
        for d in batch:
            master.finished(d.worker, d.task, d.index, outcome(d, master.workers[d.worker].node))
    raise AssertionError("the job did not settle")
