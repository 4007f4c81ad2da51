"""Event records: what happened to an object, written for people, kept for an hour.

A ``Recorder`` writes for one source ("slave/vm", "apiserver/replicas"). Each occurrence is
folded into the record of its (object, source, reason, message), named
``<object>.<digest>``, whose count and last time it raises with a compare-and-swap, as
Kubernetes aggregates its events. Records carry a store lease, renewed every half ``ttl``, so
they vanish on their own and the store never fills with them; and they are not part of the
change stream (``RECORD`` is not among ``kinds.KINDS``).

Recording is best effort: a record that cannot be written is logged and dropped, never raised,
and ``emit`` does not even make its caller wait. A node's agent or a controller must not stall
because the story of what it did could not be told.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Callable

from sigma.errors import NotFound, SigmaError
from sigma.log import get_logger
from sigma.resources.kinds import Kind
from sigma.store import Compare, Put, Store
from sigma.store.codec import decode, encode
from sigma.v1 import meta_pb2, record_pb2

log = get_logger("sigma.records")

RECORD = Kind("EventRecord", "eventrecords", record_pb2.EventRecord)
NORMAL, WARNING = record_pb2.EVENT_SEVERITY_NORMAL, record_pb2.EVENT_SEVERITY_WARNING
_ATTEMPTS = 3


def regarding(kind: str, meta: meta_pb2.ObjectMeta) -> record_pb2.ObjectReference:
    return record_pb2.ObjectReference(
        kind=kind, namespace=meta.namespace, name=meta.name, uid=meta.uid
    )


def record_name(ref: record_pb2.ObjectReference, source: str, reason: str, message: str) -> str:
    """One record per (object incarnation, source, reason, message)."""
    text = "\0".join((ref.kind, ref.uid, ref.name, source, reason, message))
    return f"{ref.name}.{hashlib.sha256(text.encode()).hexdigest()[:10]}"


def folded(
    current: record_pb2.EventRecord | None,
    ref: record_pb2.ObjectReference,
    source: str,
    reason: str,
    message: str,
    severity: int,
    now_ns: int,
) -> record_pb2.EventRecord:
    """The record after one more occurrence (a new one when ``current`` is None)."""
    out = record_pb2.EventRecord()
    if current is not None:
        out.CopyFrom(current)
    else:
        out.meta.namespace, out.meta.name = ref.namespace, record_name(ref, source, reason, message)
        out.meta.creation_timestamp.FromNanoseconds(now_ns)
        out.regarding.CopyFrom(ref)
        out.reason, out.message, out.source = reason, message, source
        out.severity = severity  # type: ignore[assignment]
        out.first_at.FromNanoseconds(now_ns)
    out.count += 1
    out.last_at.FromNanoseconds(now_ns)
    return out


class Recorder:
    def __init__(
        self,
        store: Store,
        source: str,
        *,
        wall: Callable[[], float] = time.time,
        ttl: int = 3600,
    ) -> None:
        self.store = store
        self.source = source
        self.wall = wall
        self.ttl = ttl
        self._lease = 0
        self._granted_at = 0.0
        self._pending: set[asyncio.Task[None]] = set()

    def emit(
        self, ref: record_pb2.ObjectReference, reason: str, message: str, *, warning: bool = False
    ) -> None:
        """Record in the background; the caller goes on at once."""
        task = asyncio.ensure_future(self.record(ref, reason, message, warning=warning))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def record(
        self, ref: record_pb2.ObjectReference, reason: str, message: str, *, warning: bool = False
    ) -> None:
        severity = WARNING if warning else NORMAL
        try:
            await self._write(ref, reason, message, severity)
        except SigmaError as exc:
            log.info("event not recorded", extra={"reason": reason, "error": str(exc)})

    async def _write(
        self, ref: record_pb2.ObjectReference, reason: str, message: str, severity: int
    ) -> None:
        key = RECORD.key(ref.namespace, record_name(ref, self.source, reason, message))
        for _ in range(_ATTEMPTS):
            kv = await self.store.get(key)
            current = decode(record_pb2.EventRecord, kv) if kv else None
            now = self.wall()
            out = folded(current, ref, self.source, reason, message, severity, int(now * 1e9))
            try:
                lease = await self._lease_at(now)
                put = Put(key, encode(out), lease)
                if (
                    await self.store.txn([Compare(key, kv.mod_revision if kv else 0)], [put])
                ).succeeded:
                    return
            except NotFound:  # the lease expired or the store lost it: take a new one
                self._lease = 0

    async def _lease_at(self, now: float) -> int:
        if not self._lease or now - self._granted_at >= self.ttl / 2:
            self._lease = await self.store.grant_lease(self.ttl)
            self._granted_at = now
        return self._lease

    async def close(self) -> None:
        """Let the records in flight be written (briefly), then drop the rest."""
        if self._pending:
            await asyncio.wait(list(self._pending), timeout=1.0)
        for task in list(self._pending):
            task.cancel()
