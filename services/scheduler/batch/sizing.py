"""How many workers a job master holds, and how big: a pure function of the batch room the
colocator reports per node and the job's backlog.

A worker is a BE pod of ``slots`` instance-sized shares (``slots`` x the instance's request),
at most ``max_slots`` each, so a worker lost costs at most that many in-flight instances and a
node may carry several of one job. The sizing:

1. a node affords the slots the job holds there plus what its free batch room fits (negative
   room: the colocator wants room back, so it affords fewer than held); a blacklisted node
   affords none;
2. the slots wanted are the backlog (queued + running instances of released tasks): never
   more workers than work;
3. slots go first to nodes where the job holds workers (keeping or resizing a worker costs
   little, a new one is a placement and a start), then to the nodes with the most room;
4. per node the difference becomes actions: grow held workers up to ``max_slots``, then ask
   for new ones; or release idle workers, then shrink the rest, never below what they run
   (an instance on a slot taken away would be killed: that is the slave's QoS to do when
   online needs the room, and the master hears it as a revocation).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sigma.scheduler.batch.master import JobMaster


@dataclass(frozen=True, slots=True)
class NodeRoom:
    """Batch room on a node not used by anyone, this job's workers included."""

    node: str
    cpu_millis: int
    memory_bytes: int


@dataclass(frozen=True, slots=True)
class HeldWorker:
    worker: str
    node: str
    slots: int
    busy: int  # instances it runs now


@dataclass(slots=True)
class Sizing:
    ask: list[tuple[str, int]] = field(default_factory=list)  # (node, slots): new workers
    resize: list[tuple[str, int]] = field(default_factory=list)  # (worker, slots)
    release: list[str] = field(default_factory=list)  # workers to give back


def size_workers(
    rooms: Iterable[NodeRoom],
    held: Iterable[HeldWorker],
    *,
    cpu_millis: int,
    memory_bytes: int,
    backlog: int,
    max_slots: int = 8,
    blacklisted: frozenset[str] | set[str] = frozenset(),
) -> Sizing:
    """The actions that bring the job's workers to what the room and the backlog call for;
    ``cpu_millis`` and ``memory_bytes`` are one instance's request."""
    cpu, mem = max(cpu_millis, 1), max(memory_bytes, 1)
    by_node: dict[str, list[HeldWorker]] = {}
    for w in held:
        by_node.setdefault(w.node, []).append(w)
    holds = {n: sum(w.slots for w in ws) for n, ws in by_node.items()}
    affords: dict[str, int] = {n: 0 for n in by_node}
    for room in rooms:
        free = min(room.cpu_millis // cpu, room.memory_bytes // mem)
        affords[room.node] = max(holds.get(room.node, 0) + free, 0)
    for node in blacklisted:
        if node in affords:
            affords[node] = 0
    target = dict.fromkeys(affords, 0)
    want = max(backlog, 0)
    for node in sorted(holds, key=lambda n: (-holds[n], n)):  # keep first
        target[node] = min(holds[node], affords[node], want)
        want -= target[node]
    # Then grow: where the job holds workers first (a resize, not a new pod), most room first.
    for node in sorted(affords, key=lambda n: (n not in holds, target[n] - affords[n], n)):
        more = min(affords[node] - target[node], want)
        target[node] += more
        want -= more
        if want == 0:
            break
    out = Sizing()
    for node in sorted(target):
        _converge(node, by_node.get(node, []), target[node], max_slots, out)
    return out


def _converge(node: str, workers: list[HeldWorker], goal: int, max_slots: int, out: Sizing) -> None:
    """Actions that take ``workers`` on ``node`` from their slots to ``goal``."""
    have = sum(w.slots for w in workers)
    if goal > have:
        extra = goal - have
        for w in workers:
            if extra and w.slots < max_slots:
                grow = min(max_slots - w.slots, extra)
                out.resize.append((w.worker, w.slots + grow))
                extra -= grow
        while extra:
            out.ask.append((node, min(max_slots, extra)))
            extra -= min(max_slots, extra)
        return
    cut = have - goal
    for w in sorted(workers, key=lambda w: (w.busy, w.slots, w.worker)):
        if cut <= 0:
            break
        if w.busy == 0 and w.slots <= cut:
            out.release.append(w.worker)
            cut -= w.slots
        elif w.slots > w.busy:
            keep = max(w.busy, w.slots - cut)
            out.resize.append((w.worker, keep))
            cut -= w.slots - keep


def slot_request(master: JobMaster) -> tuple[int, int]:
    """One slot's (cpu_millis, memory_bytes): the largest request over the job's tasks, so a
    worker sized once fits any of the job's instances in any slot. (Per-task worker pools,
    as Fuxi keeps, would waste less room on a job whose tasks differ much; not yet.)"""
    tasks = master.spec.tasks
    return max((t.cpu_millis for t in tasks), default=0), max(
        (t.memory_bytes for t in tasks), default=0
    )


def for_master(master: JobMaster, rooms: Iterable[NodeRoom], *, max_slots: int = 8) -> Sizing:
    """``size_workers`` for a master's job as it stands: its workers and what they run, its
    backlog and its blacklist, slots of ``slot_request``."""
    cpu, mem = slot_request(master)
    held = [HeldWorker(w.id, w.node, w.slots, len(w.held)) for w in master.workers.values()]
    return size_workers(
        rooms,
        held,
        cpu_millis=cpu,
        memory_bytes=mem,
        backlog=master.backlog,
        max_slots=max_slots,
        blacklisted=master.blacklisted,
    )
