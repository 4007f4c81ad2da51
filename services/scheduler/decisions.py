"""Preemptions on the decisions stream: one ``ColocationDecision`` (EVICT) per victim.

The victims' pod status is the durable record (written in the binding transaction itself);
the decision is the audit trail operators and the colocator read beside the colocator's and
the slaves' own evictions, keyed by node like them. It is published only after the
transaction committed, so the stream never tells of an eviction that did not happen. Its id
names the victim and the committing revision, so a consumer recognises a republished one.
"""

from __future__ import annotations

from collections.abc import Sequence

from google.protobuf.timestamp_pb2 import Timestamp

from sigma.bus import Bus
from sigma.errors import SigmaError
from sigma.events import DECISIONS_TOPIC, encode_message
from sigma.log import get_logger
from sigma.scheduler.binding import Eviction
from sigma.scheduler.framework import PodInfo
from sigma.v1 import event_pb2

SOURCE = "scheduler"
REASON = "Preempted"  # CamelCase cause, as the colocator's "OnlineStarved"
log = get_logger("sigma.scheduler.decisions")


def preempted_by(pod: PodInfo, plan: str) -> str:
    """The victims' message: who preempted them, at which priority, and the plan's reason."""
    return f"Preempted by {pod.key} (priority {pod.priority}): {plan}"


def eviction_decisions(
    node: str, evictions: Sequence[Eviction], revision: int, at: float
) -> list[event_pb2.ColocationDecision]:
    """The decisions for ``evictions`` committed on ``node`` at store ``revision``, made at
    wall-clock seconds ``at``."""
    seconds = int(at)
    when = Timestamp(seconds=seconds, nanos=min(round((at - seconds) * 1e9), 999_999_999))
    return [
        event_pb2.ColocationDecision(
            id=f"{SOURCE}/{e.pod_key}@{revision}",
            kind=event_pb2.COLOCATION_DECISION_KIND_EVICT,
            node_name=node,
            target=e.pod_key,
            reason=REASON,
            at=when,
            source=SOURCE,
            message=e.message,
        )
        for e in evictions
    ]


class DecisionPublisher:
    """Publishes decisions to ``topic``, keyed by node; a bus failure is logged, not raised:
    the eviction has happened and is recorded in the store whatever the bus does."""

    def __init__(self, bus: Bus, topic: str = DECISIONS_TOPIC) -> None:
        self.bus = bus
        self.topic = topic
        self.published = 0
        self.failed = 0

    async def publish(self, decisions: Sequence[event_pb2.ColocationDecision]) -> None:
        for decision in decisions:
            value, headers = encode_message(decision)
            try:
                await self.bus.publish(self.topic, decision.node_name, value, headers)
                self.published += 1
            except SigmaError as exc:
                self.failed += 1
                log.warning(
                    "preemption decision not published",
                    extra={"decision": decision.id, "error": str(exc)},
                )
