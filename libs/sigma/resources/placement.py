"""Where a pod may go at all: the node rules the scheduler and the colocator both apply.

The scheduler's filter plugins apply these rules to every node at once (NumPy masks over its
snapshot, with taints as bit sets); the colocator applies them to the one node it considers
evicting batch on for a pending online pod, since evicting where the pod cannot go frees
nothing. Both read the rules here, so they agree on which node takes which pod.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from sigma.v1 import meta_pb2, node_pb2

HARD_EFFECTS = frozenset({meta_pb2.TAINT_EFFECT_NO_SCHEDULE, meta_pb2.TAINT_EFFECT_NO_EXECUTE})


@dataclass(frozen=True, slots=True)
class Toleration:
    key: str
    value: str = ""
    exists: bool = False
    effect: int = 0  # 0 matches every effect

    @classmethod
    def of(cls, t: meta_pb2.Toleration) -> Toleration:
        exists = t.operator == meta_pb2.TOLERATION_OPERATOR_EXISTS
        return cls(t.key, t.value, exists, t.effect)


def tolerates(tol: Toleration, key: str, value: str, effect: int) -> bool:
    """Whether ``tol`` tolerates the taint (``key``, ``value``, ``effect``)."""
    if tol.effect and tol.effect != effect:
        return False
    if tol.exists:
        return not tol.key or tol.key == key
    return tol.key == key and tol.value == value


def untolerated(taints: Iterable[meta_pb2.Taint], tolerations: Iterable[Toleration]) -> list[str]:
    """The hard taints (NoSchedule, NoExecute) no toleration covers, as ``key=value``."""
    tols = list(tolerations)

    def covered(t: meta_pb2.Taint) -> bool:
        return any(tolerates(x, t.key, t.value, t.effect) for x in tols)

    return [f"{t.key}={t.value}" for t in taints if t.effect in HARD_EFFECTS and not covered(t)]


def selects(labels: Mapping[str, str], selector: Iterable[tuple[str, str]]) -> bool:
    """The node's labels hold every pair of the pod's node selector."""
    return all(labels.get(k) == v for k, v in selector)


def takes_pods(node: node_pb2.Node) -> bool:
    """Ready and not cordoned: a node new pods may go to."""
    return node.status.phase == node_pb2.NODE_PHASE_READY and not node.spec.unschedulable
