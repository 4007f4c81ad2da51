"""The store port over a real etcd v3 cluster (the source of truth when Sigma runs for real).

This is the edge where grpc errors become the Sigma error tree (see ``_etcd_wire.translate``):
transient trouble surfaces as ``Unavailable`` (retriable; the retry policy lives with the
caller), at once for a refused connection and after ``timeout`` for a hung or partitioned etcd;
history that is gone as ``Compacted``. Every unary call carries a deadline; a watch has none and
lives until its consumer stops, the stream breaks (``Unavailable``) or etcd drops the history it
needs (``Compacted``).

One channel per store, opened lazily on the running event loop (grpc.aio binds to it). Several
IPv4 endpoints become one channel that fails over between them; with host names only the first
endpoint is used.
"""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from typing import TypeVar

import grpc
from aetcd import rpc

from sigma.errors import Compacted, NotFound, Unavailable
from sigma.store import _etcd_wire as wire
from sigma.store._types import Compare, KeyValue, ListResult, Op, TxnResult, WatchEvent

_R = TypeVar("_R")

_OPTIONS = [
    ("grpc.max_receive_message_length", 64 * 1024 * 1024),
    # Notice a dead connection under an idle watch; etcd refuses pings more often than 5 s.
    ("grpc.keepalive_time_ms", 10_000),
    ("grpc.keepalive_timeout_ms", 5_000),
    # After an etcd restart, reconnect within seconds, not grpc's default of up to two minutes.
    ("grpc.initial_reconnect_backoff_ms", 500),
    ("grpc.max_reconnect_backoff_ms", 5_000),
]


class EtcdStore:
    """The ``Store`` port over etcd. ``timeout`` is the deadline of every unary call, in seconds."""

    def __init__(self, endpoints: list[str], *, timeout: float = 5.0) -> None:
        if not endpoints:
            raise ValueError("EtcdStore needs at least one endpoint")
        self._target = _target(endpoints)
        self._timeout = timeout
        self._channel: grpc.aio.Channel | None = None
        self._watch_calls: set[grpc.aio.StreamStreamCall] = set()
        self._closed = False

    # ---- reads

    async def get(self, key: str) -> KeyValue | None:
        resp = await self._call(self._kv().Range, rpc.RangeRequest(key=wire.encode(key)))
        return wire.to_kv(resp.kvs[0]) if resp.kvs else None

    async def list(
        self, prefix: str, *, revision: int = 0, limit: int = 0, start_after: str = ""
    ) -> ListResult:
        key, end = wire.prefix_range(prefix)
        if start_after and start_after >= prefix:
            key = wire.encode(start_after) + b"\0"
        req = rpc.RangeRequest(key=key, range_end=end, revision=revision, limit=limit)
        resp = await self._call(self._kv().Range, req, compacted_at=revision)
        items = [wire.to_kv(kv) for kv in resp.kvs]
        return ListResult(items, revision or resp.header.revision, resp.more)

    async def revision(self) -> int:
        resp = await self._call(self._kv().Range, rpc.RangeRequest(key=b"\0", keys_only=True))
        return resp.header.revision

    # ---- writes

    async def put(self, key: str, value: bytes, *, lease: int = 0) -> int:
        req = rpc.PutRequest(key=wire.encode(key), value=value, lease=lease)
        resp = await self._call(self._kv().Put, req)
        return resp.header.revision

    async def delete(self, key: str) -> int | None:
        req = rpc.DeleteRangeRequest(key=wire.encode(key))
        resp = await self._call(self._kv().DeleteRange, req)
        return resp.header.revision if resp.deleted else None

    async def txn(
        self, compares: Sequence[Compare], success: Sequence[Op], failure: Sequence[Op] = ()
    ) -> TxnResult:
        resp = await self._call(self._kv().Txn, wire.txn_msg(compares, success, failure))
        return TxnResult(resp.succeeded, resp.header.revision)

    async def compact(self, revision: int) -> None:
        req = rpc.CompactionRequest(revision=revision)
        await self._call(self._kv().Compact, req, compacted_at=revision)

    # ---- watch

    async def watch(self, prefix: str, *, start_revision: int) -> AsyncIterator[WatchEvent]:
        """One etcd watch stream per call; ends quietly when the store is closed."""
        key, end = wire.prefix_range(prefix)
        create = rpc.WatchCreateRequest(
            key=key, range_end=end, start_revision=start_revision, prev_kv=True
        )
        call = rpc.WatchStub(self._open()).Watch()
        self._watch_calls.add(call)
        next_rev = start_revision
        try:
            await call.write(rpc.WatchRequest(create_request=create))
            while True:
                resp = await self._read(call)
                if resp is None:
                    return
                if resp.compact_revision:
                    raise Compacted(next_rev, resp.compact_revision)
                if resp.canceled:
                    raise Unavailable(f"etcd cancelled the watch: {resp.cancel_reason}")
                for pb in resp.events:
                    ev = wire.to_event(pb)
                    next_rev = ev.revision + 1
                    yield ev
        except grpc.aio.AioRpcError as exc:
            if self._closed:
                return
            raise wire.translate(exc, self._target) from exc
        finally:
            self._watch_calls.discard(call)
            call.cancel()

    async def _read(self, call: grpc.aio.StreamStreamCall) -> rpc.WatchResponse | None:
        """The next watch response; None once the store is closed under it."""
        try:
            resp = await call.read()
        except asyncio.CancelledError:
            # Closing the store cancels its calls locally, which grpc reports as a cancellation
            # of whoever reads; only a real cancellation of our task may propagate.
            task = asyncio.current_task()
            if self._closed and task is not None and not task.cancelling():
                return None
            raise
        if resp is grpc.aio.EOF:
            if self._closed:
                return None
            raise Unavailable("etcd ended the watch stream")
        return resp

    # ---- leases

    async def grant_lease(self, ttl: int) -> int:
        resp = await self._call(self._lease().LeaseGrant, rpc.LeaseGrantRequest(TTL=ttl))
        if resp.error:
            raise Unavailable(f"etcd refused a lease: {resp.error}")
        return resp.ID

    async def keep_alive(self, lease: int) -> int:
        call = self._lease().LeaseKeepAlive(timeout=self._timeout)
        try:
            await call.write(rpc.LeaseKeepAliveRequest(ID=lease))
            resp = await call.read()
        except grpc.aio.AioRpcError as exc:
            raise wire.translate(exc, self._target) from exc
        finally:
            call.cancel()
        if resp is grpc.aio.EOF:
            raise Unavailable("etcd ended the keep-alive stream")
        if resp.TTL <= 0:
            raise NotFound(f"lease {lease:x} not found (expired or revoked)")
        return resp.TTL

    async def revoke_lease(self, lease: int) -> None:
        await self._call(self._lease().LeaseRevoke, rpc.LeaseRevokeRequest(ID=lease))

    async def close(self) -> None:
        self._closed = True
        for call in list(self._watch_calls):
            call.cancel()
        if self._channel is not None:
            await self._channel.close()
            self._channel = None

    # ---- internals

    def _open(self) -> grpc.aio.Channel:
        if self._closed:
            raise Unavailable("store is closed")
        if self._channel is None:
            self._channel = grpc.aio.insecure_channel(self._target, options=_OPTIONS)
        return self._channel

    def _kv(self) -> rpc.KVStub:
        return rpc.KVStub(self._open())

    def _lease(self) -> rpc.LeaseStub:
        return rpc.LeaseStub(self._open())

    async def _call(
        self, method: Callable[..., Awaitable[_R]], request: object, *, compacted_at: int = 0
    ) -> _R:
        """One unary call with a deadline, its failure translated to the Sigma error tree."""
        try:
            return await method(request, timeout=self._timeout)
        except grpc.aio.AioRpcError as exc:
            if compacted_at and wire.is_compacted(exc):
                raise Compacted(compacted_at, await self._compact_revision()) from exc
            raise wire.translate(exc, self._target) from exc

    async def _compact_revision(self) -> int:
        """etcd's compaction point, which only a watch from an old revision reveals."""
        call = rpc.WatchStub(self._open()).Watch(timeout=self._timeout)
        try:
            create = rpc.WatchCreateRequest(key=b"\0", start_revision=1)
            await call.write(rpc.WatchRequest(create_request=create))
            while True:
                resp = await call.read()
                if resp is grpc.aio.EOF:
                    return 0
                if resp.compact_revision:
                    return resp.compact_revision
        except grpc.aio.AioRpcError:
            return 0  # the caller's Compacted still says "relist"; the exact point is a courtesy
        finally:
            call.cancel()


def _target(endpoints: list[str]) -> str:
    if len(endpoints) == 1:
        return endpoints[0]
    try:
        for e in endpoints:
            ipaddress.IPv4Address(e.rsplit(":", 1)[0])
    except ValueError:
        return endpoints[0]
    return "ipv4:" + ",".join(endpoints)
