"""The one door through which QoS actions reach the host: apply, record, publish.

Every action a strategy (or an operator's drain) asks for is applied through ``Executor.apply``:
the host change first (that is the part that must be fast), then a record in a bounded local
journal and a ``ColocationDecision`` on the bus with its reason, so the colocator and operators
see what the node did on its own. A failed publish is logged and never undoes or delays the
host change.

CPU-set and quota adjustments (SUPPRESS) follow load and can change many times a second on a
busy node; every one is applied and journalled, but the bus gets at most one per
``suppress_report_interval``: the latest, saying how many adjustments it stands for. A flood of
near-identical decisions would drown the evictions and freezes operators look for, and the
colocator only needs the node's current batch allotment. Everything else is published at once.
"""

from __future__ import annotations

import collections
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from sigma.clock import Clock, SystemClock
from sigma.errors import SigmaError
from sigma.log import get_logger
from sigma.resources.cpusets import CpuSet, format_cpuset
from sigma.slave.qos.model import Action, ActionKind
from sigma.v1 import event_pb2

log = get_logger("sigma.slave.qos")

Publish = Callable[[event_pb2.ColocationDecision], Awaitable[None]]

_KINDS = {
    ActionKind.SUPPRESS: event_pb2.COLOCATION_DECISION_KIND_SUPPRESS,
    ActionKind.FREEZE: event_pb2.COLOCATION_DECISION_KIND_SUPPRESS,
    ActionKind.THAW: event_pb2.COLOCATION_DECISION_KIND_SUPPRESS,
    ActionKind.EVICT: event_pb2.COLOCATION_DECISION_KIND_EVICT,
}


class QosHost(Protocol):
    """What the executor may do to the node; the agent implements it over its runtime."""

    async def set_batch_cpus(self, cpus: CpuSet, quota_millis: int) -> None: ...

    async def freeze(self, pod_key: str) -> None: ...

    async def thaw(self, pod_key: str) -> None: ...

    async def evict(self, pod_key: str, reason: str, message: str) -> None: ...


@dataclass(frozen=True, slots=True)
class Record:
    at: float  # wall-clock seconds
    action: Action
    error: str = ""  # why applying failed, if it did


class Executor:
    def __init__(
        self,
        node: str,
        host: QosHost,
        publish: Publish | None = None,
        *,
        journal_size: int = 1000,
        wall: Callable[[], float] = time.time,
        clock: Clock | None = None,
        suppress_report_interval: float = 5.0,
    ) -> None:
        self.node = node
        self.host = host
        self.publish = publish
        self.journal: collections.deque[Record] = collections.deque(maxlen=journal_size)
        self._wall = wall
        self._clock = clock or SystemClock()
        self.suppress_report_interval = suppress_report_interval
        self._suppress_reported_at: float | None = None
        self._held: Record | None = None  # the newest SUPPRESS not yet published
        self._held_count = 0  # how many adjustments it stands for

    async def apply(self, actions: Iterable[Action]) -> list[Record]:
        done: list[Record] = []
        for action in actions:
            error = ""
            try:
                await self._apply(action)
            except SigmaError as exc:
                error = str(exc)
                log.warning("qos action failed", extra={"action": action.kind, "error": error})
            record = Record(self._wall(), action, error)
            self.journal.append(record)
            done.append(record)
            log.info(
                "qos action",
                extra={
                    "node": self.node,
                    "action": str(action.kind),
                    "target": action.target,
                    "reason": action.reason,
                    "detail": action.message,
                },
            )
        for record in done:
            if record.action.kind is ActionKind.SUPPRESS:
                self._held, self._held_count = record, self._held_count + 1
                await self.flush()
            else:
                await self._publish(record)
        return done

    async def flush(self) -> None:
        """Publish the held SUPPRESS if the report interval has passed; the QoS loop calls this
        every tick so the last adjustment of a burst is reported even when none follows it."""
        if self._held is None:
            return
        now = self._clock.now()
        last = self._suppress_reported_at
        if last is not None and now - last < self.suppress_report_interval:
            return
        record, count = self._held, self._held_count
        self._held, self._held_count, self._suppress_reported_at = None, 0, now
        await self._publish(record, coalesced=count)

    async def _apply(self, action: Action) -> None:
        match action.kind:
            case ActionKind.SUPPRESS:
                await self.host.set_batch_cpus(action.cpus, action.quota_millis)
            case ActionKind.FREEZE:
                await self.host.freeze(action.target)
            case ActionKind.THAW:
                await self.host.thaw(action.target)
            case ActionKind.EVICT:
                await self.host.evict(action.target, action.reason, action.message)

    async def _publish(self, record: Record, coalesced: int = 1) -> None:
        if self.publish is None:
            return
        action = record.action
        detail = action.message
        if action.kind is ActionKind.SUPPRESS:
            detail = f"cpus {format_cpuset(action.cpus)}; {detail}"
            if coalesced > 1:
                detail += f" (latest of {coalesced} adjustments)"
        elif action.kind is not ActionKind.EVICT:
            detail = f"{action.kind}: {detail}".rstrip(": ")
        decision = event_pb2.ColocationDecision(
            id=str(uuid.uuid4()),
            kind=_KINDS[action.kind],
            node_name=self.node,
            target=action.target or self.node,
            reason=action.reason,
            source=f"slave/{self.node}",
            message=detail + (f" (failed: {record.error})" if record.error else ""),
        )
        decision.at.FromNanoseconds(int(record.at * 1e9))
        try:
            await self.publish(decision)
        except SigmaError as exc:
            log.warning("cannot publish qos decision", extra={"error": str(exc)})
