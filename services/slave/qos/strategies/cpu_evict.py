"""CPU evict: batch sat at its floor (or online starved) for ``cpu_evict_after`` seconds: evict.

Suppression and freezing are the cheap answers; when they have not given online its room
back for the whole window, the lowest-priority, largest batch pod goes. One pod per decision:
the next one goes only after another full window of pressure (the window restarts at the last
eviction), so the node sheds just as much batch as the pressure demands.
"""

from __future__ import annotations

from sigma.slave.qos.model import Action, ActionKind, NodeView, QosPolicy, squeezed, victims

NAME = "cpu_evict"


def decide(view: NodeView, policy: QosPolicy) -> list[Action]:
    batch = view.batch_pods()
    if not batch:
        return []
    since = view.now - policy.cpu_evict_after
    if view.history[0].at > since:
        return []  # not enough history to say the pressure lasted
    if view.last_evict_at is not None and view.last_evict_at > since:
        return []
    window = [s for s in view.history if s.at >= since]
    if not all(squeezed(view, s, policy) for s in window):
        return []
    victim = victims(batch, by="cpu_millis")[0]
    return [
        Action(
            ActionKind.EVICT,
            victim.key,
            "OnlineStarved",
            f"online pressure lasted {policy.cpu_evict_after:g}s with batch at its floor",
        )
    ]
