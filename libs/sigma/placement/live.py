"""The live cluster as a search board: online pods on ready nodes, their requests, their
Apps' per-host caps and the interference rules, and which pods are over which rule.

A pod fits a node when the node's allocatable CPU and memory hold its requests beside the
online pods already there, every interference rule that names its App holds with it added
(``sigma.resources.interference``: both ways, k + 1 for an App with itself) and its App's
``spec.spread.maxPerHost`` holds. These are the rules the scheduler's NodeResourcesFit and
Interference filters apply; the board models them, not the whole filter chain (taints,
selectors, spread skew), since the rescheduler only asks where a pod *could* go and the
scheduler, placing its replacement, has the last word.

CPU is taken over the day: a pod of an App with a traffic profile carries its daily CPU curve
(``sigma.resources.curves``, as the scheduler's ``TimeAwareFit`` reads it), every other pod
its request at every slot. A pod fits where the node's summed curves stay within its
allocatable CPU at every slot, and the cost is ``sigma.placement.cost`` over the slots, u_t the
node's CPU at slot t over its allocatable CPU. With no curve on the board, that is one slot:
the requests.

Only pods of an App may move (a bare pod evicted is gone: nothing re-creates it), each at most
once per decision and within its App's ``allowance`` (the disruption budget's ``allowed``).
Batch pods are not on the board: they run on the room online leaves.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from sigma.placement.cost import ALPHA, BETA, excess
from sigma.placement.search import Assignments
from sigma.resources.curves import fits_every_slot
from sigma.resources.interference import Rule, RuleIndex

CAP = "maxPerHost"  # the origin of the rule a per-host cap stands for in a ``Breach``


@dataclass(frozen=True, slots=True)
class LiveNode:
    name: str
    cpu: float  # allocatable, millicores
    mem: float  # allocatable, bytes
    open: bool = True  # ready and schedulable: may receive pods


@dataclass(frozen=True, slots=True)
class LivePod:
    key: str  # namespace/name
    app: str  # namespace/app, "" for a bare pod
    node: str
    cpu: float
    mem: float
    curve: np.ndarray | None = field(default=None, compare=False)  # daily CPU; None: ``cpu``

    def day(self, width: int) -> np.ndarray:
        """The pod's CPU at each of ``width`` slots."""
        return self.curve if self.curve is not None else np.full(width, float(self.cpu))


@dataclass(frozen=True, slots=True)
class Breach:
    """``over`` pods of ``rule.b`` (or of ``rule.a`` for a per-host cap) too many on ``node``."""

    rule: Rule
    node: int
    over: int


class LiveBoard(Assignments):
    """Where each online pod is and what each node holds, changed in place by the search."""

    def __init__(
        self,
        nodes: Sequence[LiveNode],
        pods: Sequence[LivePod],
        rules: RuleIndex,
        *,
        caps: Mapping[str, int] | None = None,
        allowance: Mapping[str, int] | None = None,
        alpha: float = ALPHA,
        beta: float = BETA,
    ) -> None:
        self.nodes, self.pods, self.rules = tuple(nodes), tuple(pods), rules
        self.caps = dict(caps or {})  # App -> max pods a node (0 or absent: none)
        self.allowance = dict(allowance or {})  # App -> pods it may lose now
        self.alpha, self.beta = alpha, beta
        index = {n.name: i for i, n in enumerate(self.nodes)}
        n = len(self.nodes)
        self.cap_cpu = np.array([x.cpu for x in self.nodes], dtype=np.float64)
        self.cap_mem = np.array([x.mem for x in self.nodes], dtype=np.float64)
        self.open = np.array([x.open for x in self.nodes], dtype=np.bool_)
        self.app_ids = sorted({p.app for p in self.pods if p.app})
        self.app_of = {a: j for j, a in enumerate(self.app_ids)}
        self.pod_app = np.array([self.app_of.get(p.app, -1) for p in self.pods], dtype=np.int64)
        # The starting placement, summed at once (a pass reads every online pod).
        self.assign = np.array([index[p.node] for p in self.pods], dtype=np.int64)
        width = max((len(p.curve) for p in self.pods if p.curve is not None), default=1)
        # Each pod's CPU over the day, and each node's summed (n, width) with its peak.
        self.days = np.zeros((len(self.pods), width))
        for i, p in enumerate(self.pods):
            self.days[i] = p.day(width)
        self.cpu = np.zeros((n, width))
        np.add.at(self.cpu, self.assign, self.days)
        self.peak = self.cpu.max(axis=1)
        mem = np.array([p.mem for p in self.pods], dtype=np.float64)
        self.mem = np.bincount(self.assign, mem, minlength=n).astype(np.float64)
        self.count = np.bincount(self.assign, minlength=n).astype(np.int64)
        self.per_app = np.zeros((len(self.app_ids), n), dtype=np.int64)
        owned = self.pod_app >= 0
        np.add.at(self.per_app, (self.pod_app[owned], self.assign[owned]), 1)
        self.on: list[set[int]] = [set() for _ in range(n)]
        for i, m in enumerate(self.assign.tolist()):
            self.on[m].add(i)
        self.origin = self.assign.copy()

    # -- the Board protocol ----------------------------------------------------------------------
    @property
    def load(self) -> np.ndarray:
        return self.peak / 1000.0

    def size(self, i: int) -> float:
        return float(self.days[i].max())

    def _account(self, i: int, m: int, sign: int) -> None:
        p = self.pods[i]
        self.cpu[m] += sign * self.days[i]  # whole millicores: exact both ways
        self.peak[m] = self.cpu[m].max()
        self.mem[m] += sign * p.mem
        self.count[m] += sign
        if self.pod_app[i] >= 0:
            self.per_app[self.pod_app[i], m] += sign

    def machine_cost(self, machines: np.ndarray) -> np.ndarray:
        cap = np.maximum(self.cap_cpu[machines], 1e-12)
        cost = 1.0 + excess(self.cpu[machines], cap, self.alpha, self.beta)
        return np.where(self.count[machines] > 0, cost, 0.0)

    def cost(self) -> float:
        return float(self.machine_cost(np.flatnonzero(self.count > 0)).sum())

    def where(self, i: int) -> np.ndarray:
        p = self.pods[i]
        ok = self.open & self.cpu_fits(i) & (self.mem + p.mem <= self.cap_mem)
        x = int(self.pod_app[i])
        if x < 0:
            return ok
        mine = self.per_app[x]
        cap = self.caps.get(p.app, 0)
        if cap:
            ok &= mine + 1 <= cap
        own = self.rules.own.get(p.app)
        if own is not None:
            ok &= mine + 1 <= own.limit
        for rule in self.rules.crowded.get(p.app, ()):  # another App crowds this one
            if rule.a in self.app_of:
                ok &= ~((self.per_app[self.app_of[rule.a]] > 0) & (mine + 1 > rule.limit))
        for rule in self.rules.crowds.get(p.app, ()):  # this one crowds another App
            if rule.b in self.app_of:
                ok &= self.per_app[self.app_of[rule.b]] <= rule.limit
        return ok

    def cpu_fits(self, i: int) -> np.ndarray:
        """Nodes whose CPU holds pod ``i``'s at every slot: by the peaks alone where they
        decide it (both peaks within, or even the pod's lowest slot over), slot by slot for
        the rest, as ``TimeAwareFit`` does."""
        day = self.days[i]
        return fits_every_slot(self.peak, self.cpu, self.cap_cpu, day, float(day.max()))

    def added(self, i: int, rows: np.ndarray) -> np.ndarray:
        before = self.machine_cost(rows)
        cap = np.maximum(self.cap_cpu[rows], 1e-12)
        after = 1.0 + excess(self.cpu[rows] + self.days[i], cap, self.alpha, self.beta)
        return after - before

    def movable(self, instances: Iterable[int]) -> bool:
        """Each pod at most once, only pods of an App, within each App's allowance."""
        wanted: dict[str, int] = {}
        for i in instances:
            app = self.pods[i].app
            if not app or self.assign[i] != self.origin[i]:
                return False
            wanted[app] = wanted.get(app, 0) + 1
        return all(self.moved(app) + k <= self.allowance.get(app, 0) for app, k in wanted.items())

    def moved(self, app: str) -> int:
        """Pods of ``app`` away from where they started."""
        x = self.app_of.get(app, -1)
        return int(((self.pod_app == x) & (self.assign != self.origin)).sum()) if x >= 0 else 0

    # -- rules ----------------------------------------------------------------------------------
    def breaches(self) -> list[Breach]:
        """Every rule and per-host cap broken, node by node, as the board stands."""
        out: list[Breach] = []
        for rule in self.rules.rules:
            if rule.a not in self.app_of or rule.b not in self.app_of:
                continue
            a, b = self.per_app[self.app_of[rule.a]], self.per_app[self.app_of[rule.b]]
            over = np.where(a > 0, np.maximum(b - rule.limit, 0), 0)
            out += [Breach(rule, int(m), int(over[m])) for m in np.flatnonzero(over)]
        for app, cap in sorted(self.caps.items()):
            if cap and app in self.app_of:
                over = np.maximum(self.per_app[self.app_of[app]] - cap, 0)
                rule = Rule(app, app, cap - 1, origin=CAP)
                out += [Breach(rule, int(m), int(over[m])) for m in np.flatnonzero(over)]
        return out


def over_by_rule(board: LiveBoard) -> dict[Rule, int]:
    """Pods over each broken rule, summed over nodes (rules kept whole: origin included)."""
    out: dict[Rule, int] = {}
    for breach in board.breaches():
        key = breach.rule
        out[key] = out.get(key, 0) + breach.over
    return out
