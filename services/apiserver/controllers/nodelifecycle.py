"""The node lifecycle controller: a node whose heartbeat lease lapsed is lost, and so are its pods.

A node is alive while its heartbeat key exists (``sigma.apiserver.heartbeats``). When the key
is gone the node turns UNKNOWN (its Ready condition Unknown, reason "NodeLost") and the
scheduler stops placing pods there. Once ``grace`` seconds have passed, its pods are presumed
lost: online pods lose their binding and go back to PENDING so the scheduler places them
elsewhere; batch pods turn FAILED with reason "NodeLost" and the batch controller re-runs them
per the job's retry policy; pods already being deleted are deleted. The node's allocation
record releases what it held for them. A node whose heartbeat returns turns READY again.

``decide`` is pure; ``reconcile`` applies it, one compare-and-swap per write.

Timing: a pass on a fixed cadence would judge a node lost up to one interval after its key
went, and move its pods up to one interval after the grace ran out, so replacements would start
later than ``heartbeat_ttl + grace``. ``NodeLifecycle`` is woken by the heartbeat keys' own
changes (``watch_heartbeats``: the store's expiry of a key is an event) and asks for its next
pass at the earliest end of a grace (``next_due``); the cadence stays as the fallback.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from sigma.apiserver.controllers.cache import ControllerCache
from sigma.apiserver.tasks import pods as P
from sigma.apiserver.tasks.writes import Fence, fenced
from sigma.errors import Compacted
from sigma.resources import NODE, NODE_ALLOCATION, POD, heartbeats
from sigma.resources.allocation import release
from sigma.store import Compare, Delete, Put, Store
from sigma.store.codec import decode, encode
from sigma.v1 import meta_pb2, node_pb2, pod_pb2

LOST = "NodeLost"
UNKNOWN, READY = node_pb2.NODE_PHASE_UNKNOWN, node_pb2.NODE_PHASE_READY


@dataclass(slots=True)
class NodeDecision:
    phase: int | None = None  # the node's new phase; None: leave it
    reschedule: list[pod_pb2.Pod] = field(default_factory=list)
    fail: list[pod_pb2.Pod] = field(default_factory=list)
    delete: list[pod_pb2.Pod] = field(default_factory=list)
    release: bool = False  # release the allocation record of pods no longer on the node


def lost_since(node: node_pb2.Node) -> float | None:
    """When the node was judged lost (epoch seconds), or None if it is not."""
    if node.status.phase != UNKNOWN:
        return None
    for c in node.status.conditions:
        if c.type == "Ready" and c.reason == LOST:
            return c.last_transition_time.ToNanoseconds() / 1e9
    return 0.0  # UNKNOWN without our condition: lost since an unknown, long-past time


def is_batch(pod: pod_pb2.Pod) -> bool:
    return (
        pod.spec.owner_kind == pod_pb2.POD_OWNER_KIND_BATCH_JOB
        or pod.spec.qos_class == meta_pb2.QOS_CLASS_BE
    )


def decide(
    node: node_pb2.Node, alive: bool, pods: Sequence[pod_pb2.Pod], now: float, grace: float = 0.0
) -> NodeDecision:
    """What to do about ``node`` (``pods``: those bound to it), given whether it is alive."""
    if alive:
        return NodeDecision(phase=READY if node.status.phase == UNKNOWN else None)
    since = lost_since(node)
    out = NodeDecision(phase=UNKNOWN if since is None else None)
    if now - (now if since is None else since) < grace:
        return out
    for pod in pods:
        if P.terminating(pod):
            out.delete.append(pod)
        elif P.finished(pod):
            continue
        elif is_batch(pod):
            out.fail.append(pod)
        else:
            out.reschedule.append(pod)
    out.release = True
    return out


def rescheduled(pod: pod_pb2.Pod) -> pod_pb2.Pod:
    """``pod`` unbound and pending again, with the reason, for the scheduler to place anew."""
    out = pod_pb2.Pod()
    out.CopyFrom(pod)
    out.spec.node_name = ""
    restarts = pod.status.restart_count
    out.status.Clear()
    out.status.phase = pod_pb2.POD_PHASE_PENDING
    out.status.reason = LOST
    out.status.message = f"node {pod.spec.node_name} was lost"
    out.status.restart_count = restarts
    return out


def failed(pod: pod_pb2.Pod, now: float) -> pod_pb2.Pod:
    out = pod_pb2.Pod()
    out.CopyFrom(pod)
    out.status.phase = pod_pb2.POD_PHASE_FAILED
    out.status.reason = LOST
    out.status.message = f"node {pod.spec.node_name} was lost"
    out.status.finish_time.FromNanoseconds(int(now * 1e9))
    return out


def with_phase(node: node_pb2.Node, phase: int, now: float) -> node_pb2.Node:
    """``node`` in ``phase``, its Ready condition saying why and since when."""
    out = node_pb2.Node()
    out.CopyFrom(node)
    out.status.phase = phase  # type: ignore[assignment]
    kept = [c for c in out.status.conditions if c.type != "Ready"]
    del out.status.conditions[:]
    out.status.conditions.extend(kept)
    cond = out.status.conditions.add(type="Ready")
    if phase == UNKNOWN:
        cond.status = meta_pb2.CONDITION_STATUS_UNKNOWN
        cond.reason, cond.message = LOST, "heartbeat lease expired"
    else:
        cond.status = meta_pb2.CONDITION_STATUS_TRUE
        cond.reason, cond.message = "HeartbeatResumed", "heartbeats arrive again"
    cond.last_transition_time.FromNanoseconds(int(now * 1e9))
    return out


def next_due(
    nodes: Iterable[node_pb2.Node], alive: set[str], now: float, grace: float
) -> float | None:
    """The earliest time a lost node's grace runs out after ``now`` (None: no grace running).
    A node that turns lost in this pass counts from ``now``, as ``decide`` marks it."""
    ends = []
    for node in nodes:
        if node.meta.name in alive:
            continue
        since = lost_since(node)
        end = (now if since is None else since) + grace
        if end > now:
            ends.append(end)
    return min(ends, default=None)


class NodeLifecycle:
    """The controller's passes (call it as a ``Pass``), each remembering when the next one is
    due (``due``, wall time; None: on the cadence)."""

    def __init__(self, grace: float, cache: ControllerCache | None = None) -> None:
        self.grace, self.cache = grace, cache
        self.due: float | None = None

    async def __call__(self, store: Store, now: float, fence: Fence = ()) -> int:
        """One pass over every node; returns the number of writes made. Only a node that is
        not alive has its pods looked at."""
        cache = self.cache or await ControllerCache.snapshot(store)
        alive = {heartbeats.node_of(kv.key) for kv in (await store.list(heartbeats.PREFIX)).items}
        nodes = [node for _, node in sorted(cache.nodes.items())]
        self.due = next_due(nodes, alive, now, self.grace)
        writes = 0
        for node in nodes:
            name = node.meta.name
            pods = [] if name in alive else cache.on_node(name)  # decide() reads them if lost
            decision = decide(node, name in alive, pods, now, self.grace)
            writes += await _apply(store, node, decision, now, fence)
        return writes


async def reconcile(
    store: Store,
    now: float,
    *,
    grace: float = 0.0,
    fence: Fence = (),
    cache: ControllerCache | None = None,
) -> int:
    """One pass of a ``NodeLifecycle`` (see there)."""
    return await NodeLifecycle(grace, cache)(store, now, fence)


async def watch_heartbeats(store: Store, wake: asyncio.Event) -> None:
    """Set ``wake`` on every change of a heartbeat key (a node registered, or its lease expired
    and the store deleted the key) until cancelled. A change lost to an outage or compaction
    only waits for the controller's cadence."""
    revision = await store.revision()
    while True:
        try:
            async for event in store.watch(heartbeats.PREFIX, start_revision=revision + 1):
                revision = event.revision
                wake.set()
        except Compacted:
            revision = await store.revision()
            wake.set()


async def _apply(
    store: Store, node: node_pb2.Node, decision: NodeDecision, now: float, fence: Fence
) -> int:
    writes = 0
    if decision.phase is not None:
        key = NODE.key("", node.meta.name)
        new = with_phase(node, decision.phase, now)
        writes += await fenced(
            store, fence, [Compare(key, node.meta.resource_version)], [Put(key, encode(new))]
        )
    kept: set[str] = set()
    changes = [(p, rescheduled(p)) for p in decision.reschedule]
    changes += [(p, failed(p, now)) for p in decision.fail]
    changes += [(p, None) for p in decision.delete]
    for old, new_pod in changes:
        key = POD.key(old.meta.namespace, old.meta.name)
        op = Put(key, encode(new_pod)) if new_pod is not None else Delete(key)
        if await fenced(store, fence, [Compare(key, old.meta.resource_version)], [op]):
            writes += 1
        else:
            kept.add(f"{old.meta.namespace}/{old.meta.name}")
    if decision.release:
        writes += await _release(store, node.meta.name, kept, fence)
    return writes


async def _release(store: Store, node_name: str, kept: set[str], fence: Fence) -> int:
    """Drop from the node's allocation record every pod but ``kept`` (not yet moved off)."""
    key = NODE_ALLOCATION.key("", node_name)
    kv = await store.get(key)
    if kv is None:
        return 0
    record = decode(node_pb2.NodeAllocation, kv)
    gone = {a.pod_key for a in record.pods} - kept
    if not gone:
        return 0
    ops = [Put(key, encode(release(record, gone)))]
    return int(await fenced(store, fence, [Compare(key, kv.mod_revision)], ops))
