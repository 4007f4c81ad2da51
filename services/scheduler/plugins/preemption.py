"""Preemption (post-filter): make room for an online pod that fits nowhere.

Victims are batch pods first, then online pods of lower priority. Per-node sums of what could
be evicted come from ``bincount`` over the pod table, so finding the nodes where eviction can
make room is vectorised; the exact victim set is then worked out for the few most promising
of them, and the node with the fewest online victims, then fewest victims, then the lowest
priorities, wins. Each plan drops (reprieves) any victim the pod turns out not to need.

A pod placed by its daily CPU curve needs no CPU freed on a node its curve already fits
(``TimeAwareFit``): evictions only lower the node's curves, so only its memory is planned for
there. Elsewhere its CPU is planned for by its request, which frees at least what the curve
needs at every slot (more than needed, never less).
"""

from __future__ import annotations

import numpy as np

from sigma.resources import victims as victim_order
from sigma.scheduler.framework.interfaces import ClusterEvent
from sigma.scheduler.framework.snapshot import Snapshot
from sigma.scheduler.framework.types import CycleState, PodInfo, Preemption, Victim
from sigma.scheduler.plugins import time_fit
from sigma.scheduler.plugins._room import cpu_short, mem_short

NAME = "Preemption"


class DefaultPreemption:
    name = NAME
    events: frozenset[ClusterEvent] = frozenset()

    def __init__(self, candidates: int = 8) -> None:
        self.candidates = candidates

    def post_filter(
        self, state: CycleState, pod: PodInfo, snap: Snapshot, eligible: np.ndarray
    ) -> Preemption | None:
        if pod.batch or snap.n == 0:
            return None
        need_cpu = np.maximum(cpu_short(pod, snap), 0)
        if pod.timed_cpu:
            need_cpu[time_fit.fits(pod, snap, "cpu")] = 0
        need_mem = np.maximum(mem_short(pod, snap), 0)
        short = eligible & ((need_cpu > 0) | (need_mem > 0))
        # Cheapest case first, from per-node columns alone: evicting batch is enough.
        batch_only = short & (need_cpu == 0) & (snap.batch_mem >= need_mem)
        rows = np.flatnonzero(batch_only)
        if len(rows):
            avg = snap.batch_mem[rows] / np.maximum(snap.batch_pods[rows], 1)
            est = np.ceil(need_mem[rows] / np.maximum(avg, 1))
        else:
            rows, est = self._with_online(pod, snap, short, need_cpu, need_mem)
            if len(rows) == 0:
                return None
        k = min(self.candidates, len(rows))
        best_rows = rows[np.argpartition(est, k - 1)[:k]] if k < len(rows) else rows
        p = snap.pods
        on = np.flatnonzero(p["live"] & np.isin(p["node"], best_rows))
        on = on[p["batch"][on] | (p["priority"][on] < pod.priority)]
        plans = [
            self._plan(pod, snap, int(i), on[p["node"][on] == i], need_cpu[i], need_mem[i])
            for i in best_rows
        ]
        plans = [plan for plan in plans if plan is not None]
        if not plans:
            return None
        cost, i, victims = min(plans)
        return Preemption(
            snap.names[i],
            victims,
            f"preempting {len(victims)} pod(s) ({cost[0]} online) on {snap.names[i]}",
        )

    def _with_online(
        self,
        pod: PodInfo,
        snap: Snapshot,
        short: np.ndarray,
        need_cpu: np.ndarray,
        need_mem: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Nodes where evicting batch and lower-priority online pods makes room, with an
        estimate of the victims: sums per node from one pass over the pod table."""
        p = snap.pods
        low = p["live"] & ~p["batch"] & (p["priority"] < pod.priority)
        nodes, n = p["node"][low], snap.n
        low_cpu = np.bincount(nodes, weights=p["cpu"][low], minlength=n)
        low_mem = np.bincount(nodes, weights=p["mem"][low], minlength=n)
        low_n = np.bincount(nodes, minlength=n)
        ok = short & (low_cpu >= need_cpu) & (snap.batch_mem + low_mem >= need_mem)
        rows = np.flatnonzero(ok)
        avg = low_cpu[rows] / np.maximum(low_n[rows], 1)
        return rows, snap.batch_pods[rows] + np.ceil(need_cpu[rows] / np.maximum(avg, 1))

    def _plan(
        self,
        pod: PodInfo,
        snap: Snapshot,
        i: int,
        rows: np.ndarray,
        need_cpu: float,
        need_mem: float,
    ) -> tuple[tuple[int, int, int], int, tuple[Victim, ...]] | None:
        """The victims on node ``i``, chosen from its evictable pod-table ``rows``."""
        p = snap.pods
        # Cheapest first (sigma.resources.victims); run times are not in the snapshot.
        sizes = p["mem"][rows]
        ran_for = np.zeros_like(sizes)
        order = victim_order.order(p["batch"][rows], p["priority"][rows], ran_for, sizes)
        chosen: list[int] = []
        cpu = mem = 0.0
        for r in rows[order]:
            if cpu >= need_cpu and mem >= need_mem:
                break
            chosen.append(int(r))
            mem += p["mem"][r]
            cpu += 0.0 if p["batch"][r] else p["cpu"][r]
        if cpu < need_cpu or mem < need_mem:
            return None
        for r in reversed(list(chosen)):  # reprieve what is not needed after all
            free_cpu = 0.0 if p["batch"][r] else p["cpu"][r]
            if cpu - free_cpu >= need_cpu and mem - p["mem"][r] >= need_mem:
                chosen.remove(r)
                cpu -= free_cpu
                mem -= p["mem"][r]
        victims = tuple(
            Victim(snap.pod_keys[r], snap.names[i], int(p["priority"][r]), bool(p["batch"][r]))
            for r in chosen
        )
        online = sum(not v.batch for v in victims)
        return (online, len(victims), sum(v.priority for v in victims)), i, victims


def new(args: dict | None = None) -> DefaultPreemption:
    return DefaultPreemption(**(args or {}))
