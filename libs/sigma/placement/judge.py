"""The independent judge of a rescheduler plan: each move replayed in order, from the nodes,
the pods and the rules alone.

Written apart from the board and the search (it shares none of their code or state, as
``sigma place``'s judge stands apart from its planner), so a plan is checked by a second
reading of the rules rather than by the code that made it. A move is sound when the pod is
where the move says it comes from, the target is open, the target's CPU stays within its
allocatable at every slot of the day (each pod by its daily curve, or by its request at every
slot) and its memory requests within its allocatable with the pod added, its App's per-host
cap holds there, and every interference rule that names its App holds there
(``interference.breaks``, the plain statement of a rule). ``cost`` is the convex cost over the
slots, recomputed with ``math.exp``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

from sigma.placement.live import LiveNode, LivePod
from sigma.resources.interference import Rule, breaks

TOLERANCE = 1e-9


def judge(
    nodes: Sequence[LiveNode],
    pods: Sequence[LivePod],
    rules: Iterable[Rule],
    moves: Sequence[tuple[str, str, str]],
    caps: Mapping[str, int] | None = None,
) -> list[str]:
    """One line per unsound move (``(pod, source, target)``, replayed in order); [] if none."""
    by_node = {n.name: n for n in nodes}
    by_pod = {p.key: p for p in pods}
    where = {p.key: p.node for p in pods}
    named = list(rules)
    found = []
    for n, (key, source, target) in enumerate(moves):
        at = f"move {n} ({key} {source} -> {target})"
        if key not in by_pod or where[key] != source:
            found.append(f"{at}: the pod is on {where.get(key, 'no node')}")
            continue
        node = by_node.get(target)
        if node is None or not node.open:
            found.append(f"{at}: {target} takes no pods")
            continue
        pod = by_pod[key]
        there = [by_pod[k] for k, on in where.items() if on == target and k != key]
        cpu = max(_summed([*there, pod]))
        mem = sum(p.mem for p in there) + pod.mem
        if cpu > node.cpu * (1 + TOLERANCE) or mem > node.mem * (1 + TOLERANCE):
            found.append(f"{at}: {target} would hold {cpu:g} CPU, {mem:g} memory")
        count = Counter(p.app for p in there if p.app)
        cap = (caps or {}).get(pod.app, 0)
        if pod.app and cap and count[pod.app] + 1 > cap:
            found.append(f"{at}: {target} would hold {count[pod.app] + 1} of {pod.app}")
        for rule in named:
            if pod.app and pod.app in (rule.a, rule.b) and breaks(rule, pod.app, dict(count)):
                found.append(f"{at}: {target} would break {rule.text()}")
        where[key] = target
    return found


def cost(
    nodes: Sequence[LiveNode],
    pods: Sequence[LivePod],
    where: Mapping[str, str],
    alpha: float = 10.0,
    beta: float = 0.5,
) -> float:
    """The convex cost of the nodes in use, ``where`` giving each pod's node."""
    held: dict[str, list[LivePod]] = {}
    for p in pods:
        held.setdefault(where[p.key], []).append(p)
    capacity = {n.name: n.cpu for n in nodes}
    total = 0.0
    for name, there in held.items():
        day = _summed(there)
        total += sum(
            1.0 + alpha * (math.exp(max(0.0, cpu / capacity[name] - beta)) - 1.0) for cpu in day
        ) / len(day)
    return total


def _summed(pods: Sequence[LivePod]) -> list[float]:
    """The pods' CPU at each slot of the day, summed: a curve where a pod has one, its
    request at every slot where it has none (one slot when none has a curve)."""
    width = max((len(p.curve) for p in pods if p.curve is not None), default=1)
    day = [0.0] * width
    for p in pods:
        for t in range(width):
            day[t] += float(p.curve[t]) if p.curve is not None else p.cpu
    return day
