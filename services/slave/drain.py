"""Draining a node: cordon it, then move its pods off, batch first, online within its budgets.

Batch pods are evicted here and now through the QoS executor (journalled and published like
any local eviction). Online pods belong to Apps whose disruption budgets must hold, so each is
asked for through the control plane's eviction (``sigma.resources.disruption``): a granted pod
is marked for deletion, stopped by this agent's next pass and replaced elsewhere by its App's
controller; a refused one is asked for again every ``retry`` seconds until the deadline, as
``kubectl drain`` does. What is still here at the deadline is reported as remaining.
"""

from __future__ import annotations

from sigma.clock import sleep_or
from sigma.errors import NotFound, ResourceExhausted
from sigma.log import get_logger
from sigma.slave.agent import SlaveAgent
from sigma.slave.qos.model import BATCH, Action, ActionKind
from sigma.slave.runtime._port import PodState

log = get_logger("sigma.slave")


async def drain(
    agent: SlaveAgent,
    reason: str,
    *,
    batch_only: bool,
    grace: float | None,
    timeout: float,
    retry: float = 1.0,
) -> tuple[list[str], list[str]]:
    """(pods moved off, pods still here) once every chosen pod is gone or ``timeout`` passed."""
    await agent.control.cordon()
    agent.draining = agent.draining or not batch_only
    agent.drain_grace = grace
    pods = sorted(
        (p for p in agent.runtime.pods().values() if p.running),
        key=lambda p: (p.qos != BATCH, p.priority),
    )
    chosen = [p for p in pods if p.qos == BATCH or not batch_only]
    batch = [p.key for p in chosen if p.qos == BATCH]
    await agent.executor.apply(Action(ActionKind.EVICT, key, reason, "node drain") for key in batch)
    online = [p for p in chosen if p.qos != BATCH]
    deadline = agent.clock.now() + timeout
    asked: set[str] = set()
    while True:
        agent.pods.changed.clear()
        for pod in online:
            if pod.key not in asked and await _ask(agent, pod, reason, grace):
                asked.add(pod.key)
        left = [p.key for p in chosen if _still_here(agent, p)]
        if not left or agent.clock.now() >= deadline:
            break
        pause = min(retry, max(0.0, deadline - agent.clock.now()))
        await sleep_or(agent.clock, pause, agent.pods.changed)
    return [p.key for p in chosen if p.key not in left], left


async def _ask(agent: SlaveAgent, pod: PodState, reason: str, grace: float | None) -> bool:
    """Whether the eviction was granted (or the pod is gone already)."""
    namespace, _, name = pod.key.partition("/")
    try:
        await agent.control.evict_pod(namespace, name, reason, grace)
    except NotFound:
        return True
    except ResourceExhausted as exc:
        log.info("eviction refused", extra={"pod": pod.key, "error": str(exc)})
        return False
    return True


def _still_here(agent: SlaveAgent, pod: PodState) -> bool:
    st = agent.runtime.pods().get(pod.key)
    return st is not None and st.uid == pod.uid and (st.running or pod.key in agent.pods.busy)
