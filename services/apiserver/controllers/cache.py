"""What the controllers read: one set of informers per apiserver replica, shared by every
controller, instead of a whole-store listing per controller per pass.

As with the shared informers of Kubernetes' controller manager, a pass reads the cache and
learns which owners changed since the last pass, so a quiet cluster costs a pass next to
nothing however many pods it holds. Every ``resync`` seconds a pass visits everything again,
so nothing depends on an event having been seen. Writes stay compare-and-swaps on the revision
read: a cache behind the store costs a refused write (and the write that beat it marks the
owner again), never a wrong one.

``snapshot`` fills the same cache from one listing, without watching: a single pass over a
store (tests, tools) reads exactly what the informers would hold.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable

from google.protobuf.message import Message

from sigma.resources import APP, BATCH_JOB, NODE, POD, TASK
from sigma.resources.kinds import INTERFERENCE_RULE_SET
from sigma.store import Store
from sigma.store.informer import Handler, Informer
from sigma.v1 import app_pb2, batch_pb2, interference_pb2, node_pb2, pod_pb2, task_pb2

APP_OWNER, JOB_OWNER = pod_pb2.POD_OWNER_KIND_APP, pod_pb2.POD_OWNER_KIND_BATCH_JOB
_TASK_OWNER = {
    task_pb2.TASK_TARGET_KIND_APP: APP_OWNER,
    task_pb2.TASK_TARGET_KIND_BATCH_JOB: JOB_OWNER,
}
Owner = tuple[str, str]  # (namespace, name)


def _owner_key(kind: int, namespace: str, name: str) -> str:
    return f"{kind}/{namespace}/{name}"


def _owner_of(pod: pod_pb2.Pod) -> list[str]:
    s = pod.spec
    return [_owner_key(s.owner_kind, pod.meta.namespace, s.owner_name)] if s.owner_name else []


def _references(pod: pod_pb2.Pod) -> list[str]:
    ns = pod.meta.namespace
    return [f"{r.kind}/{ns}/{r.name}/{r.uid}" for r in pod.meta.owner_references]


def _node_of(pod: pod_pb2.Pod) -> list[str]:
    return [pod.spec.node_name] if pod.spec.node_name else []


_OPEN = frozenset(
    {task_pb2.TASK_STATE_UNSPECIFIED, task_pb2.TASK_STATE_PENDING, task_pb2.TASK_STATE_RUNNING}
)


def _open_task_target(task: task_pb2.Task) -> list[str]:
    """The target of a task still to finish, as ``<target kind>/<namespace>/<name>``."""
    if task.status.state not in _OPEN:
        return []
    return [f"{task.spec.target_kind}/{task.meta.namespace}/{task.spec.target_name}"]


class Changes:
    """Which owners of each kind (App, BatchJob) changed since the kind's last pass: marked by
    the informers' handlers (the owner itself, one of its pods, a task on it), taken by the
    pass; every ``resync`` seconds a pass visits everything instead."""

    def __init__(self, resync: float) -> None:
        self.resync = resync
        self._changed: dict[int, set[Owner]] = {APP_OWNER: set(), JOB_OWNER: set()}
        # Set when an owner of the kind (or one of its pods) changes: what an event-driven
        # controller waits on between passes.
        self.woken: dict[int, asyncio.Event] = {
            APP_OWNER: asyncio.Event(),
            JOB_OWNER: asyncio.Event(),
        }
        self._last_full: dict[int, float] = {}

    def mark(self, owner_kind: int, owner: Owner, *, wake: bool = True) -> None:
        """Visit ``owner`` on the next pass (``wake``: and wake the controller for it); a
        controller that leaves an owner for later marks it without waking itself."""
        changed = self._changed.get(owner_kind)
        if changed is not None:
            changed.add(owner)
            if wake:
                self.woken[owner_kind].set()

    def owner_handler(self, kind: int) -> Callable[[str, app_pb2.App | batch_pb2.BatchJob], None]:
        def mark(_key: str, obj: app_pb2.App | batch_pb2.BatchJob) -> None:
            self.mark(kind, (obj.meta.namespace, obj.meta.name))  # the current set

        return mark

    def on_pod(self, _key: str, pod: pod_pb2.Pod) -> None:
        if pod.spec.owner_name:
            self.mark(pod.spec.owner_kind, (pod.meta.namespace, pod.spec.owner_name))

    def on_task(self, _key: str, task: task_pb2.Task) -> None:
        """A task's change hands its target back and forth between the task and the
        controllers: the target is worth a look."""
        kind = _TASK_OWNER.get(task.spec.target_kind)
        if kind is not None:
            self.mark(kind, (task.meta.namespace, task.spec.target_name))

    def take(self, owner_kind: int, now: float) -> set[Owner] | None:
        """Owners of ``owner_kind`` whose object or pods changed since the last call, or None
        (visit every owner) when the last full visit is ``resync`` seconds old."""
        changed, self._changed[owner_kind] = self._changed[owner_kind], set()
        last = self._last_full.get(owner_kind)
        if last is None or now - last >= self.resync or now < last:
            self._last_full[owner_kind] = now
            return None
        return changed

    def forget(self) -> None:
        """Make the next ``take`` of every kind ask for a full visit (after a failed pass,
        whose changes were taken but maybe not acted on)."""
        self._last_full.clear()


class ControllerCache:
    """Pods (indexed by owner and by node), Apps, BatchJobs, Nodes, Tasks and
    InterferenceRuleSets, kept current."""

    def __init__(self, store: Store, *, resync: float = 300.0) -> None:
        self.pods = Informer(store, POD.prefix, pod_pb2.Pod)
        self.pods.add_index("owner", _owner_of)
        self.pods.add_index("node", _node_of)
        self.pods.add_index("references", _references)
        self.apps = Informer(store, APP.prefix, app_pb2.App)
        self.jobs = Informer(store, BATCH_JOB.prefix, batch_pb2.BatchJob)
        self.nodes = Informer(store, NODE.prefix, node_pb2.Node)
        self.tasks = Informer(store, TASK.prefix, task_pb2.Task)
        self.tasks.add_index("open_target", _open_task_target)
        self.rule_sets = Informer(
            store, INTERFERENCE_RULE_SET.prefix, interference_pb2.InterferenceRuleSet
        )
        self._all = (self.pods, self.apps, self.jobs, self.nodes, self.tasks, self.rule_sets)
        self.changes = Changes(resync)
        self._handlers = False

    @classmethod
    async def snapshot(cls, store: Store) -> ControllerCache:
        """The cache filled from one read of the store; every ``changed`` asks for all."""
        cache = cls(store, resync=0.0)
        for informer in cache._all:
            await informer.load()
        return cache

    async def run(self) -> None:
        """Keep every informer current until cancelled."""
        if not self._handlers:
            self._handlers = True
            pod = self.changes.on_pod
            await self.pods.add_handler(Handler(pod, lambda k, o, n: pod(k, n), pod))
            for informer, kind in ((self.apps, APP_OWNER), (self.jobs, JOB_OWNER)):
                mark = self.changes.owner_handler(kind)
                await informer.add_handler(Handler(mark, lambda k, o, n, m=mark: m(k, n), mark))
            task = self.changes.on_task
            await self.tasks.add_handler(Handler(task, lambda k, o, n: task(k, n), task))
        runs = [asyncio.ensure_future(i.run()) for i in self._all]
        try:
            await asyncio.gather(*runs)
        finally:
            for r in runs:
                r.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await asyncio.gather(*runs, return_exceptions=True)

    async def wait_synced(self) -> None:
        for informer in self._all:
            await informer.wait_synced()

    # -- reading ---------------------------------------------------------------------------------
    def owned(self, owner_kind: int, namespace: str, name: str) -> list[pod_pb2.Pod]:
        """Pods naming this owner (any incarnation: callers check the uid)."""
        return self.pods.by_index("owner", _owner_key(owner_kind, namespace, name))

    def references(self) -> list[tuple[str, str, str, str]]:
        """Every owner reference some pod holds: (kind, namespace, name, uid)."""
        return [tuple(v.split("/", 3)) for v in self.pods.index_values("references")]  # type: ignore[misc]

    def referring(self, kind: str, namespace: str, name: str, uid: str) -> list[pod_pb2.Pod]:
        """The pods holding this owner reference."""
        return self.pods.by_index("references", f"{kind}/{namespace}/{name}/{uid}")

    def busy(self, target_kind: int, namespace: str, name: str) -> bool:
        """Whether a task (``task_pb2.TaskTargetKind`` ``target_kind``) is open on the target."""
        return bool(self.tasks.by_index("open_target", f"{target_kind}/{namespace}/{name}"))

    def on_node(self, node: str) -> list[pod_pb2.Pod]:
        return self.pods.by_index("node", node)

    def owners(self, owner_kind: int) -> Informer[app_pb2.App] | Informer[batch_pb2.BatchJob]:
        return self.apps if owner_kind == APP_OWNER else self.jobs


def visit(cache: ControllerCache, owner_kind: int, now: float) -> list[Message]:
    """Copies of the owners a pass should visit (see ``Changes.take``), in key order; copies, since
    the pass edits them and the cache's objects are shared."""
    informer = cache.owners(owner_kind)
    changed = cache.changes.take(owner_kind, now)
    if changed is None:
        keys = sorted(k for k, _ in informer.items())
    else:
        prefix = informer.prefix
        keys = sorted(f"{prefix}{ns}/{name}" for ns, name in changed)
    out = []
    for key in keys:
        obj = informer.get(key)
        if obj is not None:
            copy = type(obj)()
            copy.CopyFrom(obj)
            out.append(copy)
    return out
