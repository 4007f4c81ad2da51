"""Online/batch arbitration: how much room online needs back, and which batch pods give it.

Online always wins: victims are only ever batch (BE) pods, and only to relieve online. The
order is the one every tier takes back room in (``sigma.resources.victims``): the lowest
priority first, then the pod that loses the least work (the one that started last), then the
largest (fewer evictions free the room).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from sigma.colocator.capacity.formula import ZERO, Res, Sample, Thresholds
from sigma.resources import victims


@dataclass(frozen=True, slots=True)
class BatchPod:
    """A running batch pod as arbitration sees it; ``usage`` is measured (or its requests)."""

    key: str  # "namespace/name"
    priority: int
    started_at: float  # wall-clock seconds; 0 for unknown (treated as just started)
    usage: Res
    batch: bool = True  # False for online pods, which are never chosen


def overage(sample: Sample, thresholds: Thresholds) -> Res:
    """How far the node's usage is above capacity x threshold, per resource (≥ 0)."""
    used = sample.online + sample.batch + sample.system
    ceiling = Res(
        int(sample.capacity.cpu * thresholds.cpu), int(sample.capacity.mem * thresholds.mem)
    )
    return (used - ceiling).floor0()


def pending_need(requests: Res, allocatable: Res, online_requested: Res, batch_used: Res) -> Res:
    """Room a pending online pod lacks on a node: its requests beyond what is free of batch.

    Online requests count against allocatable; what batch actually uses there is the room
    arbitration can take back.
    """
    free = (allocatable - online_requested - batch_used).floor0()
    return (requests - free).floor0()


def _order(pod: BatchPod, now: float) -> tuple[bool, int, float, float, str]:
    ran_for = now - pod.started_at if pod.started_at else 0.0
    size = pod.usage.cpu
    return victims.order_key(
        batch=pod.batch, priority=pod.priority, ran_for=ran_for, size=size, key=pod.key
    )


def choose_victims(pods: Sequence[BatchPod], need: Res, now: float) -> list[BatchPod]:
    """The fewest batch pods, in eviction order, whose usage covers ``need``.

    A pod is taken only if it frees a resource still short; if all batch together cannot cover
    the need, all of them that help are returned (online is never touched).
    """
    short = need.floor0()
    chosen: list[BatchPod] = []
    for pod in sorted((p for p in pods if p.batch), key=lambda p: _order(p, now)):
        if short == ZERO:
            break
        helps = (short.cpu > 0 and pod.usage.cpu > 0) or (short.mem > 0 and pod.usage.mem > 0)
        if helps:
            chosen.append(pod)
            short = (short - pod.usage).floor0()
    return chosen


@dataclass(frozen=True, slots=True)
class NodeRoom:
    """One node a pending online pod may go to, as measured: its batch pods carry real usage."""

    name: str
    allocatable: Res
    online_requested: Res
    batch: tuple[BatchPod, ...]
    apps: Mapping[str, int] = field(default_factory=dict)  # App → its live pods here


@dataclass(frozen=True, slots=True)
class Plan:
    """Evict ``victims`` on ``node`` to free ``need`` for a pending online pod."""

    node: str
    need: Res
    victims: tuple[BatchPod, ...]


def _total(pods: Sequence[BatchPod]) -> Res:
    out = ZERO
    for pod in pods:
        out = out + pod.usage
    return out


def plan_pending(requests: Res, nodes: Sequence[NodeRoom], now: float) -> Plan | None:
    """The node where evicting batch makes room for a pending online pod, at the least cost.

    None when the pod already fits somewhere by measured usage (placing it is the scheduler's
    work, not a reason to evict) or when no node's batch could cover the need. Among nodes that
    can, the cheapest eviction wins: fewest victims, then the lowest top priority among them,
    then the least work lost, then the name (a stable answer for a stable input).
    """
    return Rooms(nodes).plan(requests, now)


class Rooms:
    """One tick's nodes as arrays, for ``plan_pending`` over many pending pods.

    A plan is a few vector operations over every node (the room each leaves the pod, whether
    it fits anywhere, whose batch could cover the need) and ``choose_victims`` on just the
    nodes that could, instead of a pass over every node's pods for every pending pod. The
    victims one plan takes are gone for the next (``take``), as they will be once evicted.
    """

    def __init__(self, rooms: Sequence[NodeRoom]) -> None:
        self.rooms = list(rooms)
        self.index = {r.name: i for i, r in enumerate(self.rooms)}
        rows = [self._row(r) for r in self.rooms]
        table = np.array(rows, dtype=np.int64).reshape(len(rows), 6)
        self.left = table[:, 0:2]  # allocatable less online requests
        self.used = table[:, 2:4]  # measured usage of the pods in ``batch``
        self.evictable = table[:, 4:6]  # of those, the batch pods' (online is never a victim)

    @staticmethod
    def _row(room: NodeRoom) -> tuple[int, int, int, int, int, int]:
        used, evictable = _total(room.batch), _total([p for p in room.batch if p.batch])
        left = room.allocatable - room.online_requested
        return (left.cpu, left.mem, used.cpu, used.mem, evictable.cpu, evictable.mem)

    def plan(self, requests: Res, now: float, allowed: np.ndarray | None = None) -> Plan | None:
        """``plan_pending`` over the nodes ``allowed`` (a mask; None: all)."""
        rows = np.arange(len(self.rooms)) if allowed is None else np.flatnonzero(allowed)
        free = np.maximum(self.left[rows] - self.used[rows], 0)
        need = np.maximum(np.array([requests.cpu, requests.mem]) - free, 0)
        if (need == 0).all(axis=1).any():
            return None
        best: tuple[tuple[int, int, float, str], Plan] | None = None
        for k in np.flatnonzero((need <= self.evictable[rows]).all(axis=1)):
            node, short = self.rooms[rows[k]], Res(int(need[k, 0]), int(need[k, 1]))
            victims = choose_victims(node.batch, short, now)
            if not victims or (short - _total(victims)).floor0() != ZERO:
                continue
            lost = sum(now - v.started_at for v in victims if v.started_at)
            cost = (len(victims), max(v.priority for v in victims), lost, node.name)
            if best is None or cost < best[0]:
                best = (cost, Plan(node.name, short, tuple(victims)))
        return best[1] if best else None

    def put(self, i: int, room: NodeRoom) -> None:
        """Row ``i`` holds ``room`` from now on (the same node, measured again)."""
        self.rooms[i] = room
        row = self._row(room)
        self.left[i], self.used[i], self.evictable[i] = row[0:2], row[2:4], row[4:6]

    def take(self, plan: Plan) -> None:
        """Drop ``plan``'s victims from its node: later plans this tick do not count them."""
        i = self.index[plan.node]
        gone = {v.key for v in plan.victims}
        room = self.rooms[i]
        kept = tuple(b for b in room.batch if b.key not in gone)
        self.put(i, NodeRoom(room.name, room.allocatable, room.online_requested, kept, room.apps))
