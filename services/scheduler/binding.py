"""Per-node optimistic binding: one store transaction per node and batch of placements.

The transaction compares the node's allocation record and every pod it writes at the
revisions read, puts the record with the pods added (and victims removed), binds each pod
(spec.node_name, phase SCHEDULED) and marks each victim EVICTED with reason "Preempted" and its
eviction's message (who preempted it, at which priority). Any concurrent change to one of
those keys makes the whole transaction fail: the caller forgets its assumptions and re-queues.
Replicas contend only when they pick the same node. A store that does not answer loses the
node the same way: a replica cut off from the store binds nothing and keeps running, and
resumes when the store answers again.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from sigma.errors import SigmaError
from sigma.resources.allocation import release
from sigma.resources.kinds import NODE_ALLOCATION, POD
from sigma.scheduler.allocation import CurveLookup, admit
from sigma.scheduler.framework.cache import NodeRow
from sigma.scheduler.framework.types import OK, Code, PodInfo, Status
from sigma.store import Compare, Put, Store
from sigma.store.codec import decode, encode
from sigma.v1 import meta_pb2, node_pb2, pod_pb2

NAME = "StoreBinder"
PodLookup = Callable[[str], pod_pb2.Pod | None]
NodeLookup = Callable[[str], NodeRow | None]
# The allocation record as the caller's informer has it (resource_version = mod_revision).
RecordLookup = Callable[[str], node_pb2.NodeAllocation | None]


def pod_store_key(pod_key: str) -> str:
    namespace, _, name = pod_key.partition("/")
    return POD.key(namespace, name)


def _conflict(reason: str) -> Status:
    return Status.fail(NAME, reason, Code.CONFLICT)


@dataclass(frozen=True, slots=True)
class Eviction:
    """A victim evicted in a binding transaction; ``message`` says who preempted it and why."""

    pod_key: str
    message: str


@dataclass(frozen=True, slots=True)
class NodeBinding:
    """Pods to bind on one node, and the victims to evict there first."""

    node: str
    pods: tuple[PodInfo, ...]
    evictions: tuple[Eviction, ...] = ()
    decisions: Mapping[str, str] = field(default_factory=dict)  # pod key -> why this node


@dataclass(slots=True)
class _Txn:
    node: str
    record: node_pb2.NodeAllocation
    compares: list[Compare]
    ops: list[Put]


class StoreBinder:
    """Binds through ``store``; pods, nodes and records come from the caller's informers.

    The record to compare against is the newest of the informer's copy and the one this binder
    last wrote (its revision is the transaction's), so a replica placing again on a node it
    just used needs no read; after a conflict the next attempt on that node reads the store.
    """

    def __init__(
        self,
        store: Store,
        pods: PodLookup,
        nodes: NodeLookup,
        records: RecordLookup | None = None,
        *,
        max_ops: int = 128,  # etcd's default --max-txn-ops
        curves: CurveLookup | None = None,  # a listed pod's daily CPU curve (``allocation``)
    ) -> None:
        self.max_ops = max_ops
        self.curves = curves
        self.store = store
        self.pods = pods
        self.nodes = nodes
        self.records = records
        self.commits = 0  # nodes committed
        self.conflicts = 0
        self.transactions = 0
        self._written: dict[str, node_pb2.NodeAllocation] = {}
        self._suspect: set[str] = set()

    async def _record(self, node: str) -> node_pb2.NodeAllocation | None:
        """The newest known record of ``node`` (None: it does not exist)."""
        key = NODE_ALLOCATION.key("", node)
        if self.records is None or node in self._suspect:
            self._suspect.discard(node)
            self._written.pop(node, None)
            kv = await self.store.get(key)
            return decode(node_pb2.NodeAllocation, kv) if kv else None
        seen, mine = self.records(node), self._written.get(node)
        if mine is not None and (seen is None or mine.resource_version > seen.resource_version):
            return mine
        self._written.pop(node, None)
        return seen

    def _lost(self, node: str, reason: str) -> Status:
        self.conflicts += 1
        self._suspect.add(node)
        return _conflict(reason)

    def written(self, node: str) -> int:
        """The store revision of this binder's last committed write on ``node`` (0: none known)."""
        record = self._written.get(node)
        return record.resource_version if record is not None else 0

    async def bind(
        self, node: str, pods: Sequence[PodInfo], victims: Sequence[str], reason: str = ""
    ) -> Status:
        evictions = tuple(Eviction(v, reason) for v in victims)
        return (await self.bind_many([NodeBinding(node, tuple(pods), evictions)]))[0]

    async def bind_many(self, groups: Sequence[NodeBinding]) -> list[Status]:
        """Commit several nodes' placements, packed into as few transactions as the store's
        per-transaction limit allows and sent together (each node is in one transaction only,
        so their order does not matter); a packed transaction that fails is retried node by
        node, so one contended node does not sink the others."""
        prepared: list[_Txn | Status] = [await self._prepare_or_lost(g) for g in groups]
        statuses: list[Status] = [p if isinstance(p, Status) else OK for p in prepared]
        chunks: list[list[tuple[int, _Txn]]] = [[]]
        size = 0
        for k, p in enumerate(prepared):
            if not isinstance(p, _Txn):
                continue
            if chunks[-1] and size + len(p.ops) > self.max_ops:
                chunks.append([])
                size = 0
            chunks[-1].append((k, p))
            size += len(p.ops)
        await asyncio.gather(*(self._commit(c, statuses) for c in chunks if c))
        return statuses

    async def _commit(self, chunk: list[tuple[int, _Txn]], statuses: list[Status]) -> None:
        compares = [c for _, t in chunk for c in t.compares]
        ops = [o for _, t in chunk for o in t.ops]
        try:
            result = await self.store.txn(compares, ops)
        except SigmaError as exc:
            if not exc.retriable:
                raise
            # The outcome is unknown (the store may have applied it before the reply was lost):
            # each node is re-read before its next binding, which shows either way.
            for k, t in chunk:
                statuses[k] = self._lost(t.node, f"store unavailable: {exc}")
            return
        self.transactions += 1
        if result.succeeded:
            for _, t in chunk:
                t.record.resource_version = result.revision
                self._written[t.node] = t.record
                self.commits += 1
            return
        if len(chunk) == 1:
            k, t = chunk[0]
            statuses[k] = self._lost(t.node, f"allocation of {t.node} or a pod changed since read")
            return
        for item in chunk:  # find the contended node(s): one transaction each
            await self._commit([item], statuses)

    async def _prepare_or_lost(self, g: NodeBinding) -> _Txn | Status:
        """``_prepare``, with a store that does not answer counted as a lost node, so a replica
        cut off from the store keeps its pods queued (and backing off) instead of ending."""
        try:
            return await self._prepare(g)
        except SigmaError as exc:
            if not exc.retriable:
                raise
            return self._lost(g.node, f"store unavailable: {exc}")

    async def _prepare(self, g: NodeBinding) -> _Txn | Status:
        row = self.nodes(g.node)
        if row is None:
            return _conflict(f"node {g.node} is gone")
        key = NODE_ALLOCATION.key("", g.node)
        record = await self._record(g.node)
        empty = node_pb2.NodeAllocation(node_name=g.node)
        evict = {e.pod_key for e in g.evictions}
        admitted = admit(record or empty, row, g.pods, evict, self.curves)
        if isinstance(admitted, str):
            return self._lost(g.node, admitted)
        new, cpusets = admitted
        compares = [Compare(key, record.resource_version if record else 0)]
        ops: list[Put] = [Put(key, encode(new))]
        for info in g.pods:
            obj = self.pods(info.key)
            if obj is None or obj.spec.node_name or obj.meta.uid != info.uid:
                return self._lost(g.node, f"{info.key} changed or is gone")
            compares.append(Compare(pod_store_key(info.key), obj.meta.resource_version))
            pod = bound(obj, g.node, cpusets.get(info.key), g.decisions.get(info.key, ""))
            ops.append(Put(pod_store_key(info.key), encode(pod)))
        for eviction in g.evictions:
            obj = self.pods(eviction.pod_key)
            if obj is None:
                continue  # already gone: its room is released with the record above
            compares.append(Compare(pod_store_key(eviction.pod_key), obj.meta.resource_version))
            ops.append(Put(pod_store_key(eviction.pod_key), encode(evicted(obj, eviction.message))))
        return _Txn(g.node, new, compares, ops)

    async def release(self, node: str, keys: set[str], attempts: int = 5) -> bool:
        """Drop finished or deleted pods from the node's record (read, release, CAS)."""
        key = NODE_ALLOCATION.key("", node)
        for _ in range(attempts):
            kv = await self.store.get(key)
            if kv is None:
                return True
            record = decode(node_pb2.NodeAllocation, kv)
            if not any(a.pod_key in keys for a in record.pods):
                return True
            put = Put(key, encode(release(record, keys)))
            if (await self.store.txn([Compare(key, kv.mod_revision)], [put])).succeeded:
                return True
        return False


def _condition(kind: str, ok: bool, reason: str = "", message: str = "") -> meta_pb2.Condition:
    status = meta_pb2.CONDITION_STATUS_TRUE if ok else meta_pb2.CONDITION_STATUS_FALSE
    return meta_pb2.Condition(type=kind, status=status, reason=reason, message=message)


def _set_condition(pod: pod_pb2.Pod, cond: meta_pb2.Condition) -> None:
    kept = [c for c in pod.status.conditions if c.type != cond.type]
    del pod.status.conditions[:]
    pod.status.conditions.extend([*kept, cond])


def _copy(pod: pod_pb2.Pod) -> pod_pb2.Pod:
    """A copy to write back: without the resource_version, which the store owns (so ``encode``
    need not strip it with another serialise-and-parse)."""
    out = pod_pb2.Pod()
    out.CopyFrom(pod)
    out.meta.resource_version = 0
    return out


def bound(pod: pod_pb2.Pod, node: str, cpuset: str | None, decision: str = "") -> pod_pb2.Pod:
    """``pod`` bound to ``node``; its PodScheduled condition keeps the decision made, so it can
    be shown later as it was, whatever the cluster looks like by then."""
    out = _copy(pod)
    out.spec.node_name = node
    out.status.phase = pod_pb2.POD_PHASE_SCHEDULED
    out.status.nominated_node_name = ""
    out.status.reason = ""
    out.status.message = ""
    if cpuset:
        out.status.cpuset = cpuset
    _set_condition(out, _condition("PodScheduled", True, "Scheduled" if decision else "", decision))
    return out


def evicted(pod: pod_pb2.Pod, reason: str) -> pod_pb2.Pod:
    out = _copy(pod)
    out.status.phase = pod_pb2.POD_PHASE_EVICTED
    out.status.reason = "Preempted"
    out.status.message = reason
    return out


def unschedulable(pod: pod_pb2.Pod, message: str) -> pod_pb2.Pod | None:
    """``pod`` with PodScheduled=False/Unschedulable and ``message``; None if already so."""
    for cond in pod.status.conditions:
        if (cond.type, cond.reason, cond.message) == ("PodScheduled", "Unschedulable", message):
            return None
    out = _copy(pod)
    out.status.reason = "Unschedulable"
    out.status.message = message
    _set_condition(out, _condition("PodScheduled", False, "Unschedulable", message))
    return out
