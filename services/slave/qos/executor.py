"""The one door through which QoS actions reach the host: apply, record, publish.

Every action a strategy (or an operator's drain) asks for is applied through ``Executor.apply``:
the host change first (that is the part that must be fast), then a record in a bounded local
journal and a ``ColocationDecision`` on the bus with its reason, so the colocator and operators
see what the node did on its own. A failed publish is logged and never undoes or delays the
host change.
"""

from __future__ import annotations

import collections
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Protocol

from sigma.errors import SigmaError
from sigma.log import get_logger
from sigma.slave.cpuset import CpuSet, format_cpuset
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
    ) -> None:
        self.node = node
        self.host = host
        self.publish = publish
        self.journal: collections.deque[Record] = collections.deque(maxlen=journal_size)
        self._wall = wall

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
            await self._publish(record)
        return done

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

    async def _publish(self, record: Record) -> None:
        if self.publish is None:
            return
        action = record.action
        detail = action.message
        if action.kind is ActionKind.SUPPRESS:
            detail = f"cpus {format_cpuset(action.cpus)}; {detail}"
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
