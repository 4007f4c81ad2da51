"""The one registry of node QoS strategies: name → pure ``decide(view, policy) -> [Action]``.

Order matters only for the record: emergency first (it is the fastest answer), then
suppression, then the evictions. The manager runs every enabled strategy on every tick and
drops actions on pods an earlier strategy already evicts in the same tick.
"""

from __future__ import annotations

from collections.abc import Callable

from sigma.slave.qos.model import Action, NodeView, QosPolicy
from sigma.slave.qos.strategies import cpu_evict, cpu_suppress, emergency, memory_evict

Strategy = Callable[[NodeView, QosPolicy], list[Action]]

STRATEGIES: dict[str, Strategy] = {
    m.NAME: m.decide for m in (emergency, cpu_suppress, cpu_evict, memory_evict)
}

__all__ = ["STRATEGIES", "Strategy"]
