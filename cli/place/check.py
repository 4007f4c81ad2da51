"""The independent judge of a placement: its cost and every rule it breaks.

Written apart from the planner, sharing none of its code or state, so that the planner's
figures are checked by a second reading of the rules rather than by themselves. It recomputes
everything from the problem and the assignment alone:

- every instance is on a machine;
- on every machine, at each of the T points, the CPU and the memory curves of its instances
  sum to at most the machine's capacity, and disk, P, M and PM sum to at most its own;
- every rule ``<A, B, k>``: a machine that holds A holds at most k instances of B
  (k + 1 when A = B);
- cost: over the machines that hold at least one instance, the mean over the T points of
  ``1 + alpha * (exp(max(0, u_t - beta)) - 1)``, with u_t the CPU used over the capacity.

Sums are compared with a relative tolerance of 1e-9, so that the order in which floats were
added cannot make a placement invalid.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sigma.cli.place.problem import SCALARS, Problem

ALPHA, BETA = 10.0, 0.5
TOLERANCE = 1e-9


@dataclass(frozen=True)
class Report:
    """The judge's verdict. ``violations`` lists at most ``limit`` of them in words;
    ``counts`` has them all, by kind."""

    cost: float
    machines_used: int
    counts: dict[str, int]
    violations: list[str] = field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not any(self.counts.values())

    @property
    def total(self) -> int:
        return sum(self.counts.values())


def machine_cost(
    cpu_used: np.ndarray, cpu_cap: np.ndarray, alpha: float, beta: float
) -> np.ndarray:
    """Cost of each machine (rows of ``cpu_used``, shape (machines, T)) as if it were used."""
    u = cpu_used / cpu_cap[:, None]
    return (1.0 + alpha * (np.exp(np.maximum(0.0, u - beta)) - 1.0)).mean(axis=1)


def check(
    p: Problem,
    assignment: np.ndarray,
    *,
    alpha: float = ALPHA,
    beta: float = BETA,
    limit: int = 20,
) -> Report:
    """Judge ``assignment`` (machine index per instance, -1 for none) against ``p``."""
    said: list[str] = []
    counts: dict[str, int] = {}

    def note(kind: str, found: list[str]) -> None:
        counts[kind] = len(found)
        said.extend(found[: max(0, limit - len(said))])

    on = np.asarray(assignment, dtype=np.int64)
    placed = on >= 0
    note(
        "unplaced",
        [f"instance {p.instance_ids[i]} is on no machine" for i in np.flatnonzero(~placed)],
    )
    apps, machines = p.instance_app[placed], on[placed]
    n = p.machines
    cpu = np.zeros((n, p.points))
    mem = np.zeros((n, p.points))
    np.add.at(cpu, machines, p.app_cpu[apps])
    np.add.at(mem, machines, p.app_mem[apps])
    scal = np.zeros((n, len(SCALARS)))
    np.add.at(scal, machines, p.app_scalars[apps])
    over: list[str] = []
    for name, used, cap in (("cpu", cpu, p.machine_cpu), ("mem", mem, p.machine_mem)):
        bad = (used > cap[:, None] * (1 + TOLERANCE)).any(axis=1)
        for m in np.flatnonzero(bad):
            t = int(np.argmax(used[m] - cap[m]))
            over.append(
                f"machine {p.machine_ids[m]}: {name} {used[m, t]:g} > {cap[m]:g} at point {t}"
            )
    for j, name in enumerate(SCALARS):
        cap = p.machine_scalars[:, j]
        for m in np.flatnonzero(scal[:, j] > cap * (1 + TOLERANCE)):
            over.append(f"machine {p.machine_ids[m]}: {name} {scal[m, j]:g} > {cap[m]:g}")
    note("capacity", over)
    note("interference", _rule_breaches(p, machines, apps))
    used = np.bincount(machines, minlength=n) > 0
    cost = float(machine_cost(cpu[used], p.machine_cpu[used], alpha, beta).sum())
    return Report(cost, int(used.sum()), counts, said)


def _rule_breaches(p: Problem, machines: np.ndarray, apps: np.ndarray) -> list[str]:
    """One line per (rule, machine) broken: counts of (machine, app) pairs looked up by key."""
    a_count = len(p.app_ids)
    keys, per = np.unique(machines * a_count + apps, return_counts=True)
    pair_machine, pair_app = keys // a_count, keys % a_count
    by_app = np.argsort(pair_app, kind="stable")
    starts = np.searchsorted(pair_app[by_app], np.arange(a_count + 1))
    # Every (rule, machine holding the rule's A): expand rules over A's machines.
    spans = starts[p.rule_a + 1] - starts[p.rule_a]
    rule_of = np.repeat(np.arange(len(p.rule_a)), spans)
    offsets = np.arange(len(rule_of)) - np.repeat(np.cumsum(spans) - spans, spans)
    machine = pair_machine[by_app[np.repeat(starts[p.rule_a], spans) + offsets]]
    want = machine * a_count + p.rule_b[rule_of]
    at = np.minimum(np.searchsorted(keys, want), len(keys) - 1)
    b_here = np.where(keys[at] == want, per[at], 0)
    limit = p.rule_k[rule_of] + (p.rule_a[rule_of] == p.rule_b[rule_of])
    out = []
    for j in np.flatnonzero(b_here > limit):
        r, m = rule_of[j], machine[j]
        a, b, k = p.app_ids[p.rule_a[r]], p.app_ids[p.rule_b[r]], p.rule_k[r]
        out.append(f"machine {p.machine_ids[m]}: rule <{a}, {b}, {k}> holds {b_here[j]} of {b}")
    return out


def lower_bound(p: Problem, *, alpha: float = ALPHA, beta: float = BETA) -> float:
    """A cost no placement of ``p`` can beat, from CPU alone (memory, disk, slots and rules
    ignored, instances divisible), to say how far a plan may still be from the best.

    A used machine costs at least ``1 + alpha * mean_t max(0, u_t - beta)`` (as e^x - 1 >= x).
    Over a set S of machines, sum_m max(0, u_mt - beta) >= max(0, L_t - beta * C_S) / c_max,
    with L_t the whole cluster's CPU at point t, C_S the set's capacity and c_max the largest
    machine's. For |S| = k, C_S is at most the k largest capacities summed; the bound is the
    least over k of ``k + alpha / c_max * mean_t max(0, L_t - beta * C_k)``.
    """
    load = p.app_cpu[p.instance_app].sum(axis=0)
    caps = np.sort(p.machine_cpu)[::-1]
    room = beta * np.cumsum(caps)
    over = np.maximum(load[None, :] - room[:, None], 0.0).mean(axis=1)
    return float((np.arange(1, len(caps) + 1) + alpha / caps[0] * over).min())
