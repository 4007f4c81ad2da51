"""Learning each time-shared app's daily profile from the usage its pods report.

The load of an app is the CPU its online pods use together. Usage reports come per node, at
different instants, so the learner keeps each pod's latest figure and, once per tick, sums the
fresh ones per app into one observation. The sums are kept as reports arrive and a pod's figure
leaves them when it goes stale, so a tick costs the apps and the expired pods, not every pod
of the cluster (tens of thousands, every minute). After a full day of observations it writes
the learned profile into status.learned_profile (a compare-and-swap on the App), where the
time-sharing loop and operators read it. It runs on the elected replica, which reads every
node's reports.
"""

from __future__ import annotations

import heapq
from collections import defaultdict, deque
from collections.abc import Callable

from sigma.colocator.timesharing.plan import DAY, learn, profile_of
from sigma.resources import APP, POD, Repository
from sigma.resources.qos import BE
from sigma.store import Store
from sigma.v1 import app_pb2, event_pb2, pod_pb2

_APP_OWNED = pod_pb2.POD_OWNER_KIND_APP


class ProfileLearner:
    def __init__(
        self,
        store: Store,
        wall: Callable[[], float],
        *,
        slot_seconds: int = 900,
        min_history: float = DAY,
        keep_days: int = 7,
        stale_after: float = 60.0,
    ) -> None:
        self.store, self.wall = store, wall
        self.slot_seconds, self.min_history = slot_seconds, min_history
        self.keep = keep_days * DAY
        self.stale_after = stale_after
        self.pods = Repository(store, POD)
        self.apps = Repository(store, APP)
        self._owner: dict[str, str] = {}  # pod key -> "namespace/app" ("" when not an app's)
        self._latest: dict[str, tuple[float, int]] = {}  # pod key -> (sampled at, cpu millis)
        self._expiry: list[tuple[float, str]] = []  # (sampled at, pod key), stale ones lazily
        self._load: dict[str, int] = defaultdict(int)  # app -> summed millis of _latest
        self._pods: dict[str, int] = defaultdict(int)  # app -> pods in _latest
        self.observations: dict[str, deque[tuple[float, float]]] = {}

    async def owner(self, pod_key: str) -> str:
        """The app owning the pod, read once per pod (a pod's owner never changes)."""
        if pod_key not in self._owner:
            namespace, _, name = pod_key.partition("/")
            pod = await self.pods.find(namespace, name)
            if pod is None:
                return ""  # gone already; not cached, a later report may race its creation
            owned = pod.spec.owner_kind == _APP_OWNED and pod.spec.owner_name
            self._owner[pod_key] = f"{namespace}/{pod.spec.owner_name}" if owned else ""
        return self._owner[pod_key]

    async def observe(self, report: event_pb2.NodeUsageReport) -> None:
        at = report.sampled_at.seconds + report.sampled_at.nanos / 1e9
        for used in report.pods:
            if used.qos_class != BE and (app := await self.owner(used.pod_key)):
                self._forget(used.pod_key, app)
                self._latest[used.pod_key] = (at, used.cpu_millis)
                self._load[app] += used.cpu_millis
                self._pods[app] += 1
                heapq.heappush(self._expiry, (at, used.pod_key))

    def _forget(self, pod_key: str, app: str) -> None:
        old = self._latest.pop(pod_key, None)
        if old is not None:
            self._load[app] -= old[1]
            self._pods[app] -= 1
            if not self._pods[app]:
                del self._pods[app], self._load[app]

    def sample(self) -> None:
        """One observation per app: the summed CPU of its pods that reported recently."""
        now = self.wall()
        while self._expiry and now - self._expiry[0][0] > self.stale_after:
            at, pod_key = heapq.heappop(self._expiry)
            latest = self._latest.get(pod_key)
            if latest is not None and latest[0] == at:  # not reported again since
                self._forget(pod_key, self._owner[pod_key])  # stopped: scaled away or moved
        for app, millis in self._load.items():
            series = self.observations.setdefault(app, deque())
            series.append((now, millis / 1000))
            while series and series[0][0] < now - self.keep:
                series.popleft()

    def learned(self, app_key: str) -> app_pb2.TrafficProfile | None:
        """The profile of an app observed for at least ``min_history``; None before."""
        series = self.observations.get(app_key)
        if not series or series[-1][0] - series[0][0] < self.min_history:
            return None
        profile = learn(series, self.slot_seconds)
        return app_pb2.TrafficProfile(slot_seconds=profile.slot_seconds, load=profile.load)

    async def publish(self) -> int:
        """Write learned profiles of time-shared apps without a given one; returns how many."""
        written = 0
        for app in await self.apps.list_all(""):
            policy = app.spec.time_sharing
            if not policy.enabled or profile_of(policy.profile.slot_seconds, policy.profile.load):
                continue
            profile = self.learned(f"{app.meta.namespace}/{app.meta.name}")
            if profile is None or profile == app.status.learned_profile:
                continue

            def apply(obj: app_pb2.App, profile: app_pb2.TrafficProfile = profile) -> None:
                obj.status.learned_profile.CopyFrom(profile)

            await self.apps.mutate(app.meta.namespace, app.meta.name, apply)
            written += 1
        return written
