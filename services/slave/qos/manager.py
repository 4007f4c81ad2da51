"""The QoS manager: observe the node, run every strategy, hand the actions to the executor.

``build_view`` is the pure step (samples in, view out); ``QosManager.tick`` adds the I/O around
it; ``QosManager.run`` ticks on an injected clock until cancelled. Ticking every 25 ms keeps the
time from online pressure to squeezed batch well under the 100 ms target.
"""

from __future__ import annotations

import collections
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass

from sigma.clock import Clock
from sigma.errors import SigmaError
from sigma.log import get_logger
from sigma.resources.cpusets import CpuSet
from sigma.slave.qos.executor import Executor, Record
from sigma.slave.qos.model import Action, ActionKind, NodeView, PodView, QosPolicy, Sample
from sigma.slave.qos.strategies import STRATEGIES, Strategy

log = get_logger("sigma.slave.qos")


@dataclass(frozen=True, slots=True)
class Observation:
    """One look at the node: the sample, the pods, and how batch is placed now."""

    sample: Sample
    pods: tuple[PodView, ...]
    batch_pool: CpuSet
    reserved_cpus: CpuSet
    batch_cpus: CpuSet
    batch_quota_millis: int


Observe = Callable[[], Awaitable[Observation]]


def build_view(
    node: str,
    cpu_count: int,
    memory_capacity_bytes: int,
    obs: Observation,
    history: tuple[Sample, ...],
    last_evict_at: float | None,
) -> NodeView:
    return NodeView(
        node=node,
        cpu_count=cpu_count,
        memory_capacity_bytes=memory_capacity_bytes,
        batch_pool=obs.batch_pool,
        reserved_cpus=obs.reserved_cpus,
        batch_cpus=obs.batch_cpus,
        batch_quota_millis=obs.batch_quota_millis,
        pods=obs.pods,
        history=history,
        last_evict_at=last_evict_at,
    )


def decide(view: NodeView, policy: QosPolicy, strategies: Mapping[str, Strategy]) -> list[Action]:
    """Every strategy's actions, minus anything on a pod already being evicted this tick."""
    actions: list[Action] = []
    for strategy in strategies.values():
        actions.extend(strategy(view, policy))
    evicted = {a.target for a in actions if a.kind is ActionKind.EVICT}
    seen: set[tuple[ActionKind, str]] = set()
    out: list[Action] = []
    for a in actions:
        if (a.kind, a.target) in seen or (a.kind is not ActionKind.EVICT and a.target in evicted):
            continue
        seen.add((a.kind, a.target))
        out.append(a)
    return out


class QosManager:
    def __init__(
        self,
        node: str,
        cpu_count: int,
        memory_capacity_bytes: int,
        observe: Observe,
        executor: Executor,
        clock: Clock,
        *,
        policy: QosPolicy | None = None,
        strategies: Mapping[str, Strategy] | None = None,
        interval: float = 0.025,
        window: float = 30.0,
    ) -> None:
        self.node = node
        self.cpu_count = cpu_count
        self.memory_capacity_bytes = memory_capacity_bytes
        self.observe = observe
        self.executor = executor
        self.clock = clock
        self.policy = policy or QosPolicy()
        self.strategies = dict(STRATEGIES if strategies is None else strategies)
        self.interval = interval
        self.window = window
        self.history: collections.deque[Sample] = collections.deque()
        self.last_evict_at: float | None = None
        self.under_pressure = False

    async def tick(self) -> list[Record]:
        obs = await self.observe()
        self.history.append(obs.sample)
        while self.history and self.history[0].at < obs.sample.at - self.window:
            self.history.popleft()
        view = build_view(
            self.node,
            self.cpu_count,
            self.memory_capacity_bytes,
            obs,
            tuple(self.history),
            self.last_evict_at,
        )
        actions = decide(view, self.policy, self.strategies)
        self.under_pressure = any(a.reason in ("UsageRose", "OnlineStarved") for a in actions) or (
            bool(view.batch_pods()) and len(obs.batch_cpus) < len(obs.batch_pool)
        )
        if any(a.kind is ActionKind.EVICT for a in actions):
            self.last_evict_at = view.now
        if actions:
            return await self.executor.apply(actions)
        await self.executor.flush()
        return []

    async def run(self) -> None:
        while True:
            try:
                await self.tick()
            except SigmaError as exc:
                log.warning("qos tick failed", extra={"node": self.node, "error": str(exc)})
            await self.clock.sleep(self.interval)
