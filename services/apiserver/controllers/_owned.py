"""The one listing the owner controllers share: every pod of one owner kind, by owner."""

from __future__ import annotations

from sigma.resources import POD
from sigma.store import Store
from sigma.store.codec import decode
from sigma.v1 import pod_pb2

ByOwner = dict[tuple[str, str], list[pod_pb2.Pod]]  # (namespace, owner name) → pods


async def pods_by_owner(store: Store, owner_kind: int) -> ByOwner:
    """One read of all pods, grouped by owner name; callers still check the owner's uid."""
    out: ByOwner = {}
    for kv in (await store.list(POD.prefix)).items:
        pod = decode(pod_pb2.Pod, kv)
        if pod.spec.owner_kind == owner_kind:
            out.setdefault((pod.meta.namespace, pod.spec.owner_name), []).append(pod)
    return out
