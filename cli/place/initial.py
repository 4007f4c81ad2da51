"""The first placement: every instance through the scheduler's framework, hardest first.

The profile is the scheduler's own plugins for the contest's rules: ScalarFit (disk, P, M,
PM), Interference (the rules), TimeAwareFit (CPU and memory at every slot) and ConvexCost
(the marginal cost). The marginal cost alone is myopic: one more small instance on a machine
just over beta costs less than opening a machine, so instance after instance piles on and
the whole cluster ends far above beta, where a machine costs two or three times its share.
The first pass therefore places every App with its CPU curve also counted against beta of
the machine (``PlanState.tight``): under beta the marginal cost is zero, so ConvexCost's
tie-break packs the fullest used machine first (best fit) and opens the largest empty one
only when nothing else fits. What does not fit under beta anywhere goes, in the second pass,
where its marginal cost is least.

The order is the heuristic: instances by their largest share of a machine (CPU counted
against beta of it), so the hard ones go first while there is most room, an App's instances
together.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sigma.cli.place.state import PlanState
from sigma.scheduler.framework import Framework, PodInfo, Profile
from sigma.scheduler.plugins.registry import build

PLUGINS = ("ScalarFit", "Interference", "TimeAwareFit", "ConvexCost")


def framework(alpha: float, beta: float, seed: int = 0) -> Framework:
    """The planner's profile: the contest's rules as filters, the convex cost as the score,
    over every machine (no node sampling: the plan is made once, its cost is what counts)."""
    profile = Profile(
        plugins=PLUGINS, weights={"ConvexCost": 1.0}, percentage_of_nodes_to_score=100, seed=seed
    )
    return build(profile, {"ConvexCost": {"alpha": alpha, "beta": beta}})


def order(state: PlanState) -> np.ndarray:
    """Instances, hardest first: by the largest share of a mean machine they take."""
    p = state.p
    shares = np.column_stack(
        [
            p.app_cpu.max(axis=1) / (state.beta * p.machine_cpu.mean()),
            p.app_mem.max(axis=1) / p.machine_mem.mean(),
            p.app_scalars / np.maximum(p.machine_scalars.mean(axis=0), 1e-12),
        ]
    ).max(axis=1)
    app = p.instance_app
    return np.lexsort((app, -shares[app]))


def place_all(
    state: PlanState, fw: Framework, instances: Sequence[int], pods: Sequence[PodInfo]
) -> list[int]:
    """Place each of ``instances`` (as ``pods[app]``) where the framework says; returns the
    ones it cannot place."""
    left = []
    index = state.snap.index
    for i in instances:
        result = fw.schedule(pods[state.p.instance_app[i]], state.snap)
        if result.node:
            state.place(int(i), index[result.node])
        else:
            left.append(int(i))
    return left


def first_placement(state: PlanState, fw: Framework) -> list[int]:
    """Both passes (under beta, then anywhere); the instances that fit nowhere."""
    left = place_all(state, fw, order(state), state.tight)
    return place_all(state, fw, left, state.pods)
