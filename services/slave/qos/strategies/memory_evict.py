"""Memory evict: the node runs out of memory, or a pod outgrows its limit with no cgroup to stop it.

Node-wide: while used memory is above ``memory_evict_threshold`` of capacity, evict batch pods,
lowest priority first then the largest, until the projected use is below the threshold.
Per pod: where the runtime cannot enforce memory.max, a pod over its own limit is evicted with
reason "MemoryLimitExceeded" whatever its class, as the kernel would have OOM-killed it.
"""

from __future__ import annotations

from sigma.slave.qos.model import Action, ActionKind, NodeView, QosPolicy, victims

NAME = "memory_evict"


def decide(view: NodeView, policy: QosPolicy) -> list[Action]:
    actions = [
        Action(
            ActionKind.EVICT,
            p.key,
            "MemoryLimitExceeded",
            f"uses {p.memory_bytes} bytes, limit {p.memory_limit_bytes}",
        )
        for p in view.pods
        if p.memory_limit_bytes and p.memory_bytes > p.memory_limit_bytes
    ]
    gone = {a.target for a in actions}
    used = view.latest.memory_bytes - sum(p.memory_bytes for p in view.pods if p.key in gone)
    limit = int(view.memory_capacity_bytes * policy.memory_evict_threshold)
    for pod in victims([p for p in view.batch_pods() if p.key not in gone], by="memory_bytes"):
        if used <= limit:
            break
        actions.append(
            Action(
                ActionKind.EVICT,
                pod.key,
                "MemoryPressure",
                f"node memory {used} bytes above {limit}",
            )
        )
        used -= pod.memory_bytes
    return actions
