"""Settings of ``sigma colocator``: flags, SIGMA_* environment variables or the [colocator] table.

Why these thresholds (Koordinator ships 60% CPU / 65% memory):

- CPU 0.65: the slave squeezes batch once the node passes 65% CPU (``SlaveSettings.
  suppress_threshold``). Granting batch room up to that same line means what the colocator
  hands out is exactly what the slave lets run; a lower line would leave a band of CPU that
  neither online nor batch is allowed to fill, a higher one would place batch that the slave
  squeezes at once. CPU is compressible, so overshoot costs batch latency, not online safety:
  the slave reclaims it within a QoS tick.
- Memory 0.70: memory is not compressible, a mistake ends in an eviction or an OOM kill. The
  slave evicts batch above 90%; 0.70 leaves twenty points for online memory to grow within one
  estimate window before that happens, and five more than Koordinator because our estimate is
  already a high percentile of the window (theirs is closer to the current usage).

The estimate is the 95th percentile of five minutes: one burst in twenty samples does not set it,
two do. Usage older than a minute (six missed reports at the slave's 10 s interval) counts for
nothing and batch capacity falls to zero.

A pending online pod waits five seconds before the colocator evicts for it: the scheduler's own
preemption (by requests) acts within a cycle or two, and gets the first chance; the colocator
steps in only where measured usage, not requests, is what keeps the pod out.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sigma.colocator.capacity.formula import Policy, Res, Thresholds
from sigma.config import default, pick
from sigma.events import DECISIONS_TOPIC, NODE_USAGE_TOPIC


def _f(default: Any, text: str) -> Any:
    return field(default=default, metadata={"help": text})


@dataclass(slots=True)
class ColocatorSettings:
    cpu_threshold: float = _f(0.65, "share of a node's CPU online + batch + system may fill")
    memory_threshold: float = _f(0.70, "share of a node's memory online + batch + system may fill")
    reserve_cpu_millis: int = _f(200, "CPU kept free on every node on top of the threshold")
    reserve_memory_bytes: int = _f(512 << 20, "memory kept free on every node")
    percentile: float = _f(
        default(Policy, "percentile"), "percentile of recent online usage taken as its estimate"
    )
    window: float = _f(
        default(Policy, "window"), "seconds of usage history the online estimate looks at"
    )
    stale_after: float = _f(
        default(Policy, "stale_after"), "seconds after which a node's usage counts for nothing"
    )
    rise_margin: float = _f(
        default(Policy, "rise_margin"), "share of capacity a rise of batch capacity must exceed"
    )
    rise_hold: float = _f(
        default(Policy, "rise_hold"), "seconds a batch capacity holds before it may rise"
    )
    refresh_after: float = _f(60.0, "rewrite an unchanged batch capacity after this many seconds")
    tick_interval: float = _f(10.0, "seconds between sweeps (staleness, time-sharing)")
    evict: bool = _f(True, "evict batch pods when online needs the room back")
    evict_cooldown: float = _f(30.0, "seconds between evictions on one node")
    pending_grace: float = _f(
        5.0, "seconds an online pod stays Unschedulable before batch is evicted for it"
    )
    pending_cooldown: float = _f(60.0, "seconds between evictions for one pending online pod")
    ledger_limit: int = _f(256, "ledger entries kept per node")
    decisions_limit: int = _f(4096, "decisions kept for ListDecisions")
    profile_slot_seconds: int = _f(900, "slot length of learned traffic profiles, seconds")
    profile_min_history: float = _f(86400.0, "seconds of observations before a profile is used")
    profile_interval: float = _f(3600.0, "seconds between writes of learned profiles")
    group: str = _f("sigma-colocator", "consumer group of the usage topic")
    usage_topic: str = _f(NODE_USAGE_TOPIC, "bus topic of node usage reports (key = node)")
    decision_topic: str = _f(DECISIONS_TOPIC, "bus topic the decisions go to (key = node)")
    identity: str = _f("", "this replica's name in elections (default hostname-pid-random)")

    def policy(self) -> Policy:
        return pick(
            Policy,
            self,
            thresholds=Thresholds(self.cpu_threshold, self.memory_threshold),
            reserve=Res(self.reserve_cpu_millis, self.reserve_memory_bytes),
        )
