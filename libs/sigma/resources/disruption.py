"""The disruption budget of Apps, and the one way a voluntary disruption stops a pod.

A voluntary disruption (an eviction through the API, a node drain, a time-sharing shrink, a
rolling upgrade) may stop a ready pod of an App only while the App keeps at least
``min_available`` ready pods besides it (``sigma.resources.apps.min_available``). As in
Kubernetes' eviction API, concurrent evictions must not all pass one budget: ``evict`` writes
the grant into the App's ``status.disrupted_pods`` and marks the pod for deletion in one
transaction, compared on both revisions, so two evictions racing on one App serialise on the
App's record and the second recounts with the first pod already stopping.

``refusal`` is pure; ``evict`` is the I/O around it, shared by the apiserver's Pods.Evict and
the slave's drain, so every caller is held to the same rule.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sigma.errors import Conflict, NotFound, ResourceExhausted
from sigma.resources.apps import min_available, target_replicas
from sigma.resources.kinds import APP, POD
from sigma.resources.pods import APP_KIND, bound, finished, owned_by, ready, terminating
from sigma.resources.records import Recorder, regarding
from sigma.store import Compare, Delete, Put, Store
from sigma.store.codec import decode, encode
from sigma.v1 import app_pb2, pod_pb2

_ATTEMPTS = 8  # re-reads when a concurrent write moved the App or the pod


@dataclass(frozen=True, slots=True)
class Budget:
    target: int
    min_available: int
    available: int  # ready pods of this incarnation, not already granted an eviction

    @property
    def allowed(self) -> int:
        """How many more ready pods may be disrupted now."""
        return max(0, self.available - self.min_available)


def budget(app: app_pb2.App, pods: Sequence[pod_pb2.Pod]) -> Budget:
    granted = app.status.disrupted_pods
    available = sum(1 for p in pods if ready(p) and p.meta.name not in granted)
    return Budget(target_replicas(app), min_available(app), available)


def refusal(app: app_pb2.App, pods: Sequence[pod_pb2.Pod], pod: pod_pb2.Pod) -> str:
    """Why disrupting ``pod`` now would break ``app``'s budget; "" when it may go.

    An unready pod costs no availability, so it may always go.
    """
    if not ready(pod):
        return ""
    b = budget(app, pods)
    if b.allowed > 0:
        return ""
    return (
        f"App {app.meta.namespace}/{app.meta.name}: {b.available} ready of min available "
        f"{b.min_available} (target {b.target}); stopping ready pod {pod.meta.name} would "
        f"leave {b.available - 1}"
    )


def mark_stopping(pod: pod_pb2.Pod, reason: str, message: str, now_ns: int) -> pod_pb2.Pod:
    """A copy of ``pod`` asked to stop (deletion timestamp), saying who asked and why."""
    out = pod_pb2.Pod()
    out.CopyFrom(pod)
    if not terminating(out):
        out.meta.deletion_timestamp.FromNanoseconds(now_ns)
    out.status.reason = reason
    out.status.message = message
    return out


async def evict(
    store: Store,
    namespace: str,
    name: str,
    reason: str,
    now_ns: int,
    *,
    grace: float | None = None,
    recorder: Recorder | None = None,
    fence: Sequence[Compare] = (),
) -> pod_pb2.Pod:
    """Ask the pod to stop if its App's budget allows; the pod as written.

    Raises ``NotFound`` for an unknown pod and ``ResourceExhausted`` (naming the budget) when
    the App would drop below its floor: the caller retries later, and ``recorder`` tells the
    App's readers why. A pod being stopped already is returned as it is. ``fence`` (a
    controller's leader key at its revision) joins the write's compares, so a deposed leader's
    eviction is refused (``Conflict`` once the attempts run out).
    """
    for _ in range(_ATTEMPTS):
        pkey = POD.key(namespace, name)
        kv = await store.get(pkey)
        if kv is None:
            raise NotFound(f"Pod {namespace}/{name} not found")
        pod = decode(pod_pb2.Pod, kv)
        if terminating(pod) or finished(pod):
            return pod
        if not bound(pod):  # nothing runs it: removing the key is the whole eviction
            if (
                await store.txn([Compare(pkey, kv.mod_revision), *fence], [Delete(pkey)])
            ).succeeded:
                return pod
            continue
        stopping = mark_stopping(pod, reason, f"evicted: {reason}", now_ns)
        if grace is not None:
            stopping.spec.template.termination_grace_period.FromNanoseconds(int(grace * 1e9))
        compares, ops = [Compare(pkey, kv.mod_revision), *fence], [Put(pkey, encode(stopping))]
        app = await _owning_app(store, pod)
        if app is not None:
            app_obj, app_rev = app
            why = refusal(app_obj, await _pods_of(store, app_obj), pod)
            if why:
                if recorder is not None:
                    ref = regarding("App", app_obj.meta)
                    recorder.emit(ref, "DisruptionRefused", f"{reason}: {why}", warning=True)
                raise ResourceExhausted(f"disruption budget: {why}")
            app_obj.status.disrupted_pods[name].FromNanoseconds(now_ns)
            akey = APP.key(namespace, app_obj.meta.name)
            compares.append(Compare(akey, app_rev))
            ops.append(Put(akey, encode(app_obj)))
        result = await store.txn(compares, ops)
        if result.succeeded:
            stopping.meta.resource_version = result.revision
            return stopping
    raise Conflict(f"Pod {namespace}/{name} kept changing; retry the eviction")


async def _owning_app(store: Store, pod: pod_pb2.Pod) -> tuple[app_pb2.App, int] | None:
    """The App this incarnation of the pod belongs to, with its revision; None for others."""
    if pod.spec.owner_kind != pod_pb2.POD_OWNER_KIND_APP:
        return None
    kv = await store.get(APP.key(pod.meta.namespace, pod.spec.owner_name))
    if kv is None:
        return None
    app = decode(app_pb2.App, kv)
    if not owned_by(pod, APP_KIND, app.meta.name, app.meta.uid):
        return None
    return app, kv.mod_revision


async def _pods_of(store: Store, app: app_pb2.App) -> list[pod_pb2.Pod]:
    meta = app.meta
    listing = await store.list(POD.key(meta.namespace, f"{meta.name}-"))
    pods = (decode(pod_pb2.Pod, kv) for kv in listing.items)
    return [p for p in pods if owned_by(p, APP_KIND, meta.name, meta.uid)]
