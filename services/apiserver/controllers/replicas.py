"""The replica controller: every App holds its target, whatever happens to its pods.

Final state holds against drift, not only against requests. A pod that is deleted, evicted,
failed for good or lost with its node stops counting, and this controller creates a
replacement; a surplus (a replacement whose original came back) is removed, least valuable
first (finished, stale, unplaced, unready, newest), within the disruption budget. It is the
task planner's own ``plan_app``, so a pass makes exactly the decisions a task would.

Who owns the App's pods: while a task (publish, scale, upgrade, destroy, or time-sharing's
scale) is open on the App, the task does, and this controller only keeps the status; between
tasks, this controller does. Tasks and the controller never act on the same App at once, so
they cannot fight, and a task that failed leaves its App to the controller to finish.

Like Kubernetes' ReplicaSet controller it acts on its shared informer cache and keeps
*expectations*: after it creates or removes pods of an App it leaves that App alone until the
cache has seen those writes (or ``expectation_ttl`` passed), so a cache that lags its own
writes never makes it act twice. Creations per pass are bounded (``burst``). Passes are
event-driven: any change to an App or its pods wakes the controller. Every write is fenced on
the controller's leader key, so a deposed leader cannot write.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from sigma.apiserver.controllers.appstatus import write_status
from sigma.apiserver.controllers.cache import APP_OWNER, ControllerCache, visit
from sigma.apiserver.tasks import pods as P
from sigma.apiserver.tasks.plan import Step, plan_app
from sigma.apiserver.tasks.writes import Fence, create_pod, remove_pod
from sigma.log import get_logger
from sigma.resources.apps import target_replicas
from sigma.resources.records import Recorder, regarding
from sigma.store import Store
from sigma.v1 import app_pb2, pod_pb2, task_pb2

log = get_logger("sigma.apiserver.controllers")
Owner = tuple[str, str]


def decide(app: app_pb2.App, pods: Sequence[pod_pb2.Pod], *, busy: bool) -> Step | None:
    """The pods to create and remove so ``app`` is at its target (and those its budget holds
    back); None to leave it be (a task holds it, it is being destroyed, or it is there)."""
    if busy or app.meta.HasField("deletion_timestamp"):
        return None
    step = plan_app(app, pods)
    return step if step.create or step.remove or step.held else None


@dataclass(slots=True)
class _Expected:
    adds: set[str]
    removes: set[str]
    at: float


@dataclass(slots=True)
class Expectations:
    """The writes of this controller its cache has not shown yet, per App."""

    ttl: float = 30.0
    _pending: dict[Owner, _Expected] = field(default_factory=dict)

    def expect(self, owner: Owner, adds: set[str], removes: set[str], now: float) -> None:
        if adds or removes:
            self._pending[owner] = _Expected(adds, removes, now)

    def met(self, owner: Owner, pods: Sequence[pod_pb2.Pod], now: float) -> bool:
        """Whether the cache shows every write made for ``owner`` (or they are too old to wait
        for: a write lost to a crash must not freeze the App)."""
        expected = self._pending.get(owner)
        if expected is None:
            return True
        by_name = {p.meta.name: p for p in pods}
        added = all(n in by_name for n in expected.adds)
        removed = all(n not in by_name or not P.live(by_name[n]) for n in expected.removes)
        if (added and removed) or now - expected.at >= self.ttl:
            del self._pending[owner]
            return True
        return False


class ReplicaController:
    """Without a ``cache`` each pass reads a fresh listing of the store (tests, tools)."""

    def __init__(
        self,
        cache: ControllerCache | None = None,
        *,
        burst: int = 32,
        expectation_ttl: float = 30.0,
    ) -> None:
        self.cache = cache
        self.burst = burst
        self.expectations = Expectations(expectation_ttl)
        self.recorder: Recorder | None = None  # made with the store of the first pass

    async def reconcile(self, store: Store, now: float, fence: Fence = ()) -> int:
        """One pass over the Apps that changed; returns the number of writes made."""
        cache = self.cache or await ControllerCache.snapshot(store)
        writes = 0
        for app in visit(cache, APP_OWNER, now):
            meta = app.meta
            owned = cache.owned(APP_OWNER, meta.namespace, meta.name)
            pods = [p for p in owned if P.owned_by(p, P.APP_KIND, meta.name, meta.uid)]
            owner = (meta.namespace, meta.name)
            if self.expectations.met(owner, pods, now):
                busy = cache.busy(task_pb2.TASK_TARGET_KIND_APP, meta.namespace, meta.name)
                step = decide(app, pods, busy=busy)
                if step is not None:
                    writes += await self._act(store, app, step, now, fence)
            else:
                # Again once the cache catches up, or the expectations' ttl runs out.
                cache.changes.mark(APP_OWNER, owner, wake=False)
            writes += await write_status(store, app, pods, fence)
        return writes

    async def _act(
        self, store: Store, app: app_pb2.App, step: Step, now: float, fence: Fence
    ) -> int:
        owner = (app.meta.namespace, app.meta.name)
        adds, removes = set(), set()
        for pod in step.create[: self.burst]:
            if await create_pod(store, pod, now, fence):
                adds.add(pod.meta.name)
        for pod in step.remove:
            if await remove_pod(store, pod, now, fence):
                removes.add(pod.meta.name)
        self.expectations.expect(owner, adds, removes, now)
        self.recorder = self.recorder or Recorder(store, "apiserver/replicas")
        self._tell(self.recorder, app, step, sorted(adds), sorted(removes))
        return len(adds) + len(removes)

    @staticmethod
    def _tell(
        recorder: Recorder, app: app_pb2.App, step: Step, added: list[str], removed: list[str]
    ) -> None:
        """Log and record what the pass did to the App, and what its budget held back."""
        ref = regarding("App", app.meta)
        target = target_replicas(app)
        if added:
            recorder.emit(ref, "Replaced", f"created {', '.join(added)} to hold {target} replicas")
        if removed:
            recorder.emit(ref, "Removed", f"removed {', '.join(removed)} to hold {target} replicas")
        if step.held:
            recorder.emit(ref, "DisruptionHeld", step.message, warning=True)
        if added or removed:
            log.info(
                "replicas converged",
                extra={"app": app.meta.name, "added": added, "removed": removed},
            )
