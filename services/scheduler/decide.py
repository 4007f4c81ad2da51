"""One round of decisions, against the cache alone: no I/O.

Up to ``batch_size`` pods are popped from the queue and decided one after another against a
fresh snapshot, each placement assumed in the cache at once so the next decision sees it. A pod
that fits goes to its node's group; one that fits only by preempting brings its victims into
the group too; one that fits nowhere goes back to the queue and is reported for a note (the
loop writes the notes). A backlog of like pods costs one attempt per shape and round: once a
pod of a shape failed against this round's snapshot, the rest of that shape fail with it.
"""

from __future__ import annotations

import time
from collections import deque
from dataclasses import dataclass, field

from sigma.observe import ATTEMPT_SECONDS
from sigma.scheduler.binding import Eviction
from sigma.scheduler.decisions import preempted_by
from sigma.scheduler.framework import Cache, PodInfo, QueuedPod, SchedulingQueue, Status
from sigma.scheduler.framework.runtime import Framework


@dataclass(slots=True)
class Group:
    """What one round commits on one node."""

    entries: list[QueuedPod] = field(default_factory=list)
    evictions: list[Eviction] = field(default_factory=list)
    decisions: dict[str, str] = field(default_factory=dict)  # pod key -> what was decided


@dataclass(slots=True)
class Stats:
    attempts: int = 0
    bound: int = 0
    conflicts: int = 0
    unschedulable: int = 0
    preemptions: int = 0
    evicted: int = 0  # victims whose eviction committed (and was published, with a bus)
    # Seconds per attempt (snapshot, chain, assume), the most recent ones: for percentiles.
    latencies: deque[float] = field(default_factory=lambda: deque(maxlen=1 << 16))


@dataclass(slots=True)
class Round:
    groups: dict[str, Group] = field(default_factory=dict)
    tried: int = 0
    notes: list[tuple[PodInfo, str]] = field(default_factory=list)  # why a pod waits, to tell


def shape(pod: PodInfo) -> tuple[object, ...] | None:
    """What decides a plain pod's verdict against one snapshot: pods of one shape fit the same
    nodes, so once one failed in a round (room only shrinks as the round assumes pods) the
    rest fail too. None for pods whose verdict also depends on their App (spread, replicas)."""
    if pod.app or pod.spread:
        return None
    return (pod.cpu, pod.mem, pod.qos, pod.priority, pod.selector, pod.tolerations)


class Decider:
    def __init__(
        self, framework: Framework, cache: Cache, queue: SchedulingQueue, stats: Stats
    ) -> None:
        self.framework, self.cache, self.queue, self.stats = framework, cache, queue, stats

    def round(self, batch_size: int) -> Round:
        """Decide (and assume) up to ``batch_size`` pods, grouped by node."""
        out = Round()
        failed: dict[tuple[object, ...], Status] = {}
        clock = time.perf_counter
        while out.tried < batch_size and (entry := self.queue.pop()) is not None:
            out.tried += 1
            t0 = clock()
            self._decide(entry, out, failed)
            elapsed = clock() - t0
            self.stats.latencies.append(elapsed)
            ATTEMPT_SECONDS.observe(elapsed)
        return out

    def _decide(
        self, entry: QueuedPod, out: Round, failed: dict[tuple[object, ...], Status]
    ) -> None:
        pod = entry.pod
        if self.cache.placed(pod.key) is not None:
            return  # bound meanwhile (by us or another replica)
        self.stats.attempts += 1
        kind = shape(pod)
        known = failed.get(kind) if kind is not None else None
        if known is not None:
            self._unschedulable(entry, known, out)
            return
        result = self.framework.schedule(pod, self.cache.snapshot())
        if result.node:
            self.cache.assume(pod, result.node)
            group = out.groups.setdefault(result.node, Group())
            group.entries.append(entry)
            group.decisions[pod.key] = result.decision()
            return
        plan = result.preemption
        if plan is None:
            if kind is not None:
                failed[kind] = result.status
            self._unschedulable(entry, result.status, out)
            return
        failed.clear()  # the victims' room is free again
        for victim in plan.victims:
            self.cache.remove_pod(victim.pod_key)
        self.cache.assume(pod, plan.node)
        group = out.groups.setdefault(plan.node, Group())
        group.entries.append(entry)
        message = preempted_by(pod, plan.reason)
        group.evictions.extend(Eviction(v.pod_key, message) for v in plan.victims)
        victims = ", ".join(v.pod_key for v in plan.victims)
        group.decisions[pod.key] = f"placed on {plan.node} by preempting {victims}: {plan.reason}"
        self.stats.preemptions += 1

    def _unschedulable(self, entry: QueuedPod, status: Status, out: Round) -> None:
        self.stats.unschedulable += 1
        # The pod's condition is rewritten when the plugins that reject it change, not for
        # every new count of nodes: each write costs every pod watcher a decode.
        noted = entry.last is not None and entry.last.plugins == status.plugins
        self.queue.failed(entry, status)
        if not noted:
            out.notes.append((entry.pod, status.message()))
