"""An App's status: its replica counts and budget, as its pods imply them.

The API writes an App's spec and its ``current_template_hash``; nothing else learns how many
of its pods exist, run, or carry the current template unless the replica controller counts
them. ``decide`` is pure: from an App and the pods of this incarnation (same owner uid) it
returns the status they imply, or None when the stored one already says so, so a quiet
cluster costs no writes. ``write_status`` applies it with a compare-and-swap on the App's
revision, fenced on the leader key; fields other writers own (time-sharing replicas, a
learned profile, conditions, eviction grants still in force) are carried over as read.
"""

from __future__ import annotations

from collections.abc import Sequence

from sigma.apiserver.tasks import pods as P
from sigma.apiserver.tasks.writes import Fence, fenced
from sigma.resources import APP, disruption
from sigma.resources.apps import min_available, target_replicas
from sigma.store import Compare, Put, Store
from sigma.store.codec import decode, encode
from sigma.v1 import app_pb2, pod_pb2

_ATTEMPTS = 3  # re-reads of an App another writer changed during a pass; the next pass retries


def decide(app: app_pb2.App, pods: Sequence[pod_pb2.Pod]) -> app_pb2.AppStatus | None:
    """The status ``pods`` imply for ``app``, or None when ``app.status`` already says it.

    Eviction grants (``disrupted_pods``) are dropped once their pod is gone: until then the
    pod is stopping and counts nowhere anyway.
    """
    digest = P.template_hash(app.spec.template)
    alive = [p for p in pods if P.live(p)]
    status = app_pb2.AppStatus()
    status.CopyFrom(app.status)
    status.observed_generation = app.meta.generation
    status.replicas = len(alive)
    status.ready_replicas = sum(1 for p in alive if P.ready(p))
    status.available_replicas = disruption.budget(app, alive).available
    status.updated_replicas = sum(1 for p in alive if p.spec.template_hash == digest)
    status.current_template_hash = digest
    status.target_replicas = target_replicas(app)
    status.min_available = min_available(app)
    present = {p.meta.name for p in pods}
    for name in [n for n in status.disrupted_pods if n not in present]:
        del status.disrupted_pods[name]
    return None if status == app.status else status


async def write_status(
    store: Store, app: app_pb2.App, pods: Sequence[pod_pb2.Pod], fence: Fence
) -> int:
    """CAS the App's new status; on a lost race re-read it and decide again, a few times."""
    key = APP.key(app.meta.namespace, app.meta.name)
    for _ in range(_ATTEMPTS):
        if app.meta.HasField("deletion_timestamp"):
            return 0  # a destroy task is tearing it down
        meta = app.meta
        mine = [p for p in pods if P.owned_by(p, P.APP_KIND, meta.name, meta.uid)]
        status = decide(app, mine)
        if status is None:
            return 0
        app.status.CopyFrom(status)
        ops = [Put(key, encode(app))]
        if await fenced(store, fence, [Compare(key, meta.resource_version)], ops):
            return 1
        kv = await store.get(key)
        if kv is None:
            return 0
        app = decode(app_pb2.App, kv)
    return 0
