"""The time-sharing loop: every tick, size each time-shared app for the coming lead window.

It runs on one replica at a time (an election), since apps are not partitioned like nodes: two
replicas scaling the same app would write competing tasks. The profile is the app's given one
(spec.time_sharing.profile) or the one learned into status.learned_profile; an app with neither
is left at spec.replicas, since without a curve there is no trough to exploit.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from sigma.apiclient import ApiCalls
from sigma.colocator.timesharing.plan import decision_kind, plan, profile_of
from sigma.colocator.wire import decision
from sigma.errors import SigmaError
from sigma.log import get_logger
from sigma.resources import APP, Repository
from sigma.store import Store
from sigma.v1 import app_pb2, event_pb2

log = get_logger("sigma.colocator.timesharing.plan")
_KIND = {
    "down": event_pb2.COLOCATION_DECISION_KIND_SCALE_DOWN,
    "up": event_pb2.COLOCATION_DECISION_KIND_SCALE_UP,
}
Decide = Callable[[event_pb2.ColocationDecision], Awaitable[None]]


def wanted(app: app_pb2.App, wall: float) -> tuple[int, float] | None:
    """The replicas the app should run now and the load they are sized for; None: not shared."""
    spec = app.spec
    policy = spec.time_sharing
    if not policy.enabled or app.meta.HasField("deletion_timestamp"):
        return None
    given = profile_of(policy.profile.slot_seconds, policy.profile.load)
    learned = profile_of(app.status.learned_profile.slot_seconds, app.status.learned_profile.load)
    profile = given or learned
    if profile is None:
        return None
    lead = policy.lead_time.seconds + policy.lead_time.nanos / 1e9
    sized = plan(profile, wall, spec.replicas, spec.min_replicas, policy.headroom, lead)
    return sized.replicas, sized.load


class TimeSharing:
    def __init__(
        self, store: Store, api: ApiCalls, decide: Decide, wall: Callable[[], float]
    ) -> None:
        self.api = api
        self.decide = decide
        self.wall = wall
        self.apps = Repository(store, APP)

    async def tick(self) -> int:
        """One pass over all apps; returns how many were rescaled."""
        changed = 0
        for app in await self.apps.list_all(""):
            try:
                changed += await self.size(app)
            except SigmaError as exc:
                log.warning("time-sharing failed", extra={"app": app.meta.name, "error": str(exc)})
        return changed

    async def size(self, app: app_pb2.App) -> int:
        now = self.wall()
        target = wanted(app, now)
        if target is None:
            return 0
        replicas, load = target
        current = app.status.time_sharing_replicas or app.spec.replicas
        kind = decision_kind(current, replicas)
        if kind is None:
            if not app.status.time_sharing_replicas:
                # Record the first decision even when it keeps spec.replicas, so the status
                # always says what the loop wants once it has looked at the app.
                await self.api.time_share(app.meta.namespace, app.meta.name, replicas, "Hold")
                return 1
            return 0
        direction, reason = kind
        key = f"{app.meta.namespace}/{app.meta.name}"
        await self.api.time_share(app.meta.namespace, app.meta.name, replicas, reason)
        message = f"profile load {load:.2f} of peak for the coming lead window"
        await self.decide(
            decision(
                _KIND[direction],
                "",
                key,
                reason,
                now,
                replicas=(current, replicas),
                message=message,
            )
        )
        return 1
