"""A migration plan: ordered moves from the instances' current machines to a planned
placement, each valid when applied.

A move of instance i to machine t is made only when the scheduler's filters (ScalarFit,
Interference, TimeAwareFit) accept i on t as the cluster stands at that step, i having left
its machine: t's capacity holds at every point, its disk and slots hold and no rule that names
i's App breaks. Moves that cannot go yet wait for others to make room; when a whole pass makes
no progress (a cycle: i waits for j to leave t while j waits for i), one waiting instance
takes a detour to any machine that accepts it now and stays pending towards its target. An
instance that can go nowhere stays put and is reported.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sigma.cli.place.problem import Problem
from sigma.cli.place.state import PlanState
from sigma.scheduler.framework import CycleState, Framework


@dataclass(frozen=True)
class Migration:
    moves: list[tuple[int, int, int]]  # (instance, from machine or -1, to machine), in order
    stuck: list[int]  # instances left short of their target


def _accepts(state: PlanState, fw: Framework, i: int) -> np.ndarray:
    """Machines that accept instance ``i`` now (it must be on no machine)."""
    pod = state.pods[state.p.instance_app[i]]
    return fw.filter(CycleState(), pod, state.snap)[0]


def _try(  # type: ignore[no-untyped-def]
    state: PlanState, fw: Framework, i: int, to: int | None, prefer=(), only: bool = False
) -> int | None:
    """Move ``i`` to ``to`` if accepted; with ``to`` None, to the first machine other than its
    own accepted within the first of the ``prefer`` masks that has one (with ``only``, no
    other). Where it went, or None (``i`` stays where it was)."""
    source = int(state.assign[i])
    if source >= 0:
        state.remove(i)
    ok = _accepts(state, fw, i)
    if to is None:
        if source >= 0:
            ok[source] = False
        for mask in (*prefer, *(() if only else (ok,))):
            if (ok & mask).any():
                to = int(np.argmax(ok & mask))
                break
    if to is not None and ok[to]:
        state.place(i, to)
        return to
    if source >= 0:
        state.place(i, source)
    return None


def _step_aside(
    state: PlanState, fw: Framework, waiting: list[int], target: np.ndarray
) -> list[tuple[int, int, int]]:
    """Break cycles: move the instances that sit on machines waiting instances want to
    machines the plan leaves empty; when none can go there, move one of them (or, failing
    that, a waiting instance) to any machine no waiting instance wants, then any at all."""
    n = state.p.machines
    wanted = np.zeros(n, dtype=np.bool_)
    wanted[target[waiting]] = True
    spare = ~np.isin(np.arange(n), target)
    blockers = [i for i in waiting if wanted[state.assign[i]]]
    moved = []
    for i in blockers:
        source = int(state.assign[i])
        if spare.any() and (went := _try(state, fw, i, None, (spare,), only=True)) is not None:
            moved.append((i, source, went))
    if moved:
        return moved
    for i in (*blockers, *waiting):
        source = int(state.assign[i])
        if (went := _try(state, fw, i, None, (spare, ~wanted))) is not None:
            return [(i, source, went)]
    return []


def plan_moves(p: Problem, target: np.ndarray, fw: Framework, max_passes: int = 1000) -> Migration:
    """Moves from ``p.instance_machine`` to ``target``, each accepted when it is made."""
    state = PlanState(p)
    for i in np.flatnonzero(p.instance_machine >= 0):
        state.place(int(i), int(p.instance_machine[i]))
    pending = [int(i) for i in np.flatnonzero(p.instance_machine != target)]
    moves: list[tuple[int, int, int]] = []
    for _ in range(max_passes):
        waiting = []
        for i in pending:
            source = int(state.assign[i])
            if _try(state, fw, i, int(target[i])) is not None:
                moves.append((i, source, int(target[i])))
            else:
                waiting.append(i)
        if not waiting:
            return Migration(moves, [])
        if len(waiting) == len(pending):  # a cycle: one of them steps aside
            aside = _step_aside(state, fw, waiting, target)
            if not aside:
                return Migration(moves, waiting)
            moves.extend(aside)
        pending = waiting
    return Migration(moves, pending)
