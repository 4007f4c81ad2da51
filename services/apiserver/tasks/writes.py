"""Pod writes shared by the task workers and the controllers, each one a single transaction.

Every write may carry a *fence*: compares on the key that proves the writer still holds its
right to act (a worker's task claim, a controller's leader key). A worker whose lease lapsed
while it was paused can then never write again, even before it notices: its transactions fail
and ``FenceLost`` tells it to stop.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sigma.apiserver.tasks import pods as P
from sigma.errors import Conflict
from sigma.resources import POD
from sigma.store import Compare, Delete, Op, Put, Store
from sigma.store.codec import encode
from sigma.v1 import pod_pb2

Fence = Sequence[Compare]


class FenceLost(Conflict):
    """The writer no longer holds the claim or leadership its writes were fenced on."""


async def check_fence(store: Store, fence: Fence) -> None:
    """Raise ``FenceLost`` unless every fence key is still at the revision it names."""
    for cmp in fence:
        kv = await store.get(cmp.key)
        if (kv.mod_revision if kv else 0) != cmp.mod_revision:
            raise FenceLost(f"{cmp.key} moved on; this writer lost its claim")


async def fenced(
    store: Store, fence: Fence, compares: Sequence[Compare], ops: Sequence[Op]
) -> bool:
    """Apply ``ops`` if ``compares`` and the fence hold; False when only ``compares`` failed."""
    result = await store.txn([*compares, *fence], ops)
    if not result.succeeded:
        await check_fence(store, fence)
    return result.succeeded


async def create_pod(store: Store, pod: pod_pb2.Pod, now: float, fence: Fence = ()) -> bool:
    """Create ``pod`` unless its name is taken; True when this call created it."""
    pod.meta.uid = pod.meta.uid or str(uuid.uuid4())
    pod.meta.generation = pod.meta.generation or 1
    pod.meta.creation_timestamp.FromNanoseconds(int(now * 1e9))
    key = POD.key(pod.meta.namespace, pod.meta.name)
    return await fenced(store, fence, [Compare(key, 0)], [Put(key, encode(pod))])


async def remove_pod(store: Store, pod: pod_pb2.Pod, now: float, fence: Fence = ()) -> bool:
    """Delete a pod nothing runs; ask the node to stop a placed live one (deletion timestamp).

    Conditional on the revision read: a pod that changed meanwhile is left for the next pass.
    """
    key = POD.key(pod.meta.namespace, pod.meta.name)
    compares = [Compare(key, pod.meta.resource_version)]
    if P.removable_at_once(pod):
        return await fenced(store, fence, compares, [Delete(key)])
    if P.terminating(pod):
        return True
    stopping = pod_pb2.Pod()
    stopping.CopyFrom(pod)
    stopping.meta.deletion_timestamp.FromNanoseconds(int(now * 1e9))
    return await fenced(store, fence, compares, [Put(key, encode(stopping))])
