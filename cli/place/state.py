"""The planner's cluster: the machines as the scheduler's snapshot columns, changed in place.

The planner is single-threaded and asks the framework one pod at a time, so it keeps one
``Snapshot`` whose columns it updates between attempts instead of a cache that copies them:
CPU and memory as ``CurveColumn`` (T slots per machine), disk, P, M and PM as
``ScalarColumn``, the rules as a ``RuleIndex`` and, per App, the rows of its instances. Each
App is one ``PodInfo`` (its instances are alike). The plugins read only these snapshot
fields and ``PodInfo``'s, so they run here unchanged, as they would on the live scheduler's
snapshot. ``tight`` holds the same Apps with their CPU curve also counted against beta of
each machine (see ``initial``).
"""

from __future__ import annotations

from types import MappingProxyType

import numpy as np

from sigma.cli.place.problem import SCALARS, Problem
from sigma.placement.cost import ALPHA, BETA, excess
from sigma.placement.search import Assignments
from sigma.resources.interference import Rule, RuleIndex
from sigma.scheduler.framework import PodInfo, Snapshot
from sigma.scheduler.framework.snapshot import CurveColumn, ScalarColumn
from sigma.scheduler.framework.types import Usage

HEADROOM = "cpu_under_beta"


class PlanState(Assignments):
    """Where every instance is, and what every machine holds."""

    def __init__(self, p: Problem, alpha: float = ALPHA, beta: float = BETA) -> None:
        n, t = p.machines, p.points
        self.p, self.alpha, self.beta = p, alpha, beta
        self.cpu = CurveColumn(p.machine_cpu, np.zeros((n, t)), np.zeros(n))
        self.mem = CurveColumn(p.machine_mem, np.zeros((n, t)), np.zeros(n))
        self.scalars = {
            name: ScalarColumn(p.machine_scalars[:, j], np.zeros(n))
            for j, name in enumerate(SCALARS)
        }
        self.assign = np.full(len(p.instance_ids), -1, dtype=np.int64)
        self.count = np.zeros(n, dtype=np.int64)
        self.on: list[set[int]] = [set() for _ in range(n)]  # instances on each machine
        self._rows: list[list[int]] = [[] for _ in p.app_ids]  # machine of each placed instance
        self._apps: dict[str, np.ndarray] = {}
        self.pods = [self._pod(a, {}) for a in range(len(p.app_ids))]
        # The same Apps with their CPU curve also counted against beta of each machine's
        # CPU (``HEADROOM``, sharing the CPU column's arrays): the first pass places them so
        # that no machine goes over beta, where the cost starts to climb.
        self.tight = [self._pod(a, {HEADROOM: p.app_cpu[a]}) for a in range(len(p.app_ids))]
        headroom = CurveColumn(beta * p.machine_cpu, self.cpu.used, self.cpu.peak)
        rules = (
            Rule(p.app_ids[a], p.app_ids[b], int(k))
            for a, b, k in zip(p.rule_a, p.rule_b, p.rule_k, strict=True)
        )
        self.snap = Snapshot(
            n=n,
            names=p.machine_ids,
            index=MappingProxyType({m: i for i, m in enumerate(p.machine_ids)}),
            cols={},
            pods={},
            pod_keys=(),
            labels={},
            taint_bits={},
            domains=(0, 0, 0),
            apps=MappingProxyType(self._apps),
            scalars=MappingProxyType(self.scalars),
            curves=MappingProxyType({"cpu": self.cpu, "mem": self.mem, HEADROOM: headroom}),
            rules=RuleIndex(rules),
        )

    def _pod(self, a: int, extra: dict[str, np.ndarray]) -> PodInfo:
        p, name = self.p, self.p.app_ids[a]
        return PodInfo(
            key=name,
            app=name,
            scalars=tuple((s, int(p.app_scalars[a, j])) for j, s in enumerate(SCALARS)),
            usage=Usage({"cpu": p.app_cpu[a], "mem": p.app_mem[a], **extra}),
        )

    def _account(self, i: int, m: int, sign: int) -> None:
        p, a = self.p, int(self.p.instance_app[i])
        self.count[m] += sign
        for col, curve in ((self.cpu, p.app_cpu[a]), (self.mem, p.app_mem[a])):
            if self.count[m] == 0:
                col.used[m] = 0.0
            else:
                col.used[m] += sign * curve
            col.peak[m] = col.used[m].max()
        for j, name in enumerate(SCALARS):
            self.scalars[name].used[m] += sign * p.app_scalars[a, j]
        rows = self._rows[a]
        if sign > 0:
            rows.append(m)
        else:
            rows.remove(m)
        name = p.app_ids[a]
        if rows:
            self._apps[name] = np.array(rows, dtype=np.int64)
        else:
            self._apps.pop(name, None)

    def machine_cost(self, machines: np.ndarray) -> np.ndarray:
        """Cost of each of ``machines`` as it stands (0 for an empty one)."""
        cap = self.cpu.capacity[machines]
        cost = 1.0 + excess(self.cpu.used[machines], cap, self.alpha, self.beta)
        return np.where(self.count[machines] > 0, cost, 0.0)

    def cost(self) -> float:
        return float(self.machine_cost(np.flatnonzero(self.count > 0)).sum())
