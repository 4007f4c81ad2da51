"""An App's numbers every tier derives the same way: its target, upgrade bound and budget.

The target is what the App converges to now (spec.replicas, or the time-sharing ask within
its floor); the disruption budget is the fewest ready pods a voluntary disruption may leave.
Pure functions of the App, so the task planner, the replica controller, the eviction API and
``sigmactl`` all show and enforce the same figures.
"""

from __future__ import annotations

import math

from sigma.v1 import app_pb2


def target_replicas(app: app_pb2.App) -> int:
    """spec.replicas, or the time-sharing loop's current ask (never below the floor)."""
    spec = app.spec
    shared = app.status.time_sharing_replicas
    if not spec.time_sharing.enabled or shared <= 0:
        return spec.replicas
    floor = spec.min_replicas or spec.replicas
    return max(min(shared, spec.replicas), min(floor, spec.replicas))


def max_unavailable(policy: app_pb2.RollingUpgradePolicy, replicas: int) -> int:
    """The larger of the count and the (rounded-down) percentage; 25% when nothing is set.

    At least one: surge is not used, so a bound of zero would keep an upgrade from starting.
    """
    percent = policy.max_unavailable_percent
    if not (
        policy.max_unavailable
        or policy.max_unavailable_percent
        or policy.max_surge
        or policy.max_surge_percent
    ):
        percent = 25
    return max(1, policy.max_unavailable, math.floor(replicas * percent / 100))


def min_available(app: app_pb2.App) -> int:
    """The budget's floor: spec.min_available, or target - max_unavailable; at most the target."""
    target = target_replicas(app)
    floor = app.spec.min_available or target - max_unavailable(app.spec.upgrade, target)
    return max(0, min(floor, target))
