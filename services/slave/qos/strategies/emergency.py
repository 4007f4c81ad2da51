"""Emergency: online pods starve for CPU, so freeze every batch pod now; thaw once it passed.

The signal is CPU pressure (PSI "some": the share of a short recent window in which a task
waited for a CPU) of the online pods where the kernel measures it per cgroup, else of the whole
node, else the run queue per CPU. The node-wide figure also counts batch waiting for batch, so
it is the cruder fallback: a node full of batch reads as pressure even when no online pod
waits. Freezing keeps batch's memory and progress, so a short spike costs batch nothing but
time; sustained starvation is left to cpu_evict. Thawing waits until no starvation was seen
for ``thaw_after`` seconds, so batch does not flap in and out on a noisy signal.
"""

from __future__ import annotations

from sigma.slave.qos.model import Action, ActionKind, NodeView, QosPolicy, starved

NAME = "emergency"


def decide(view: NodeView, policy: QosPolicy) -> list[Action]:
    batch = view.batch_pods()
    if not batch:
        return []
    if starved(view.latest, policy) and view.online_pods():
        return [
            Action(ActionKind.FREEZE, p.key, "OnlineStarved", _why(view))
            for p in batch
            if not p.frozen
        ]
    calm_since = view.now - policy.thaw_after
    recent = [s for s in view.history if s.at >= calm_since]
    calm = view.history[0].at <= calm_since and not any(starved(s, policy) for s in recent)
    if not calm:
        return []
    return [Action(ActionKind.THAW, p.key, "PressureGone") for p in batch if p.frozen]


def _why(view: NodeView) -> str:
    s = view.latest
    signal = (
        f"online PSI {s.online_pressure:.1f}%"
        if s.online_pressure is not None
        else f"node PSI {s.pressure:.1f}%"
        if s.pressure is not None
        else f"run queue {s.runnable_per_cpu:.1f}/CPU"
    )
    return f"online starved: {signal}"
