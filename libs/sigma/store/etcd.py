"""The store port over a real etcd v3 cluster (the source of truth when Sigma runs for real).

The adapter is three parts: this module maps each port call to etcd's request and back,
``_etcd_channel`` holds the connection (deadlines, the translation of failures to the Sigma
error tree), and ``_etcd_watch`` turns etcd's watch stream into the port's.

Every endpoint given is a member the store may use: calls stick to one and fail over to the next
when it is dead or hung (``_etcd_channel``), so one member of three may crash or hang while
writes go on.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence

import grpc
from aetcd import rpc

from sigma.errors import NotFound, Unavailable
from sigma.store import _etcd_wire as wire
from sigma.store._etcd_channel import EtcdChannel
from sigma.store._etcd_watch import watch
from sigma.store._types import Compare, KeyValue, ListResult, Op, TxnResult, WatchEvent

_PROBE = rpc.RangeRequest(key=b"\0", keys_only=True)


class EtcdStore:
    """The ``Store`` port over etcd. ``timeout`` is the deadline of every unary call, in seconds."""

    def __init__(
        self, endpoints: list[str], *, timeout: float = 5.0, attempt_timeout: float = 1.0
    ) -> None:
        """``attempt_timeout``: the deadline of one attempt on one member when several are
        given (a hung member is left after that long; see ``_etcd_channel``)."""
        if not endpoints:
            raise ValueError("EtcdStore needs at least one endpoint")
        self._channel = EtcdChannel(endpoints, timeout, attempt_timeout=attempt_timeout)
        self._target = self._channel.target

    @property
    def failovers(self) -> int:
        """How often a member lost the preference to the next one since the store opened."""
        return self._channel.failovers

    # ---- reads

    async def get(self, key: str) -> KeyValue | None:
        ch = self._channel
        resp = await ch.call(
            rpc.KVStub, "Range", rpc.RangeRequest(key=wire.encode(key)), repeatable=True
        )
        return wire.to_kv(resp.kvs[0]) if resp.kvs else None

    async def list(
        self, prefix: str, *, revision: int = 0, limit: int = 0, start_after: str = ""
    ) -> ListResult:
        key, end = wire.prefix_range(prefix)
        if start_after and start_after >= prefix:
            key = wire.encode(start_after) + b"\0"
        req = rpc.RangeRequest(key=key, range_end=end, revision=revision, limit=limit)
        ch = self._channel
        resp = await ch.call(rpc.KVStub, "Range", req, compacted_at=revision, repeatable=True)
        items = [wire.to_kv(kv) for kv in resp.kvs]
        return ListResult(items, revision or resp.header.revision, resp.more)

    async def revision(self) -> int:
        ch = self._channel
        resp = await ch.call(rpc.KVStub, "Range", _PROBE, repeatable=True)
        return resp.header.revision

    # ---- writes

    async def put(self, key: str, value: bytes, *, lease: int = 0) -> int:
        ch = self._channel
        req = rpc.PutRequest(key=wire.encode(key), value=value, lease=lease)
        resp = await ch.call(rpc.KVStub, "Put", req)
        return resp.header.revision

    async def delete(self, key: str) -> int | None:
        ch = self._channel
        resp = await ch.call(
            rpc.KVStub, "DeleteRange", rpc.DeleteRangeRequest(key=wire.encode(key))
        )
        return resp.header.revision if resp.deleted else None

    async def txn(
        self, compares: Sequence[Compare], success: Sequence[Op], failure: Sequence[Op] = ()
    ) -> TxnResult:
        ch = self._channel
        resp = await ch.call(rpc.KVStub, "Txn", wire.txn_msg(compares, success, failure))
        return TxnResult(resp.succeeded, resp.header.revision)

    async def compact(self, revision: int) -> None:
        ch, req = self._channel, rpc.CompactionRequest(revision=revision)
        await ch.call(rpc.KVStub, "Compact", req, compacted_at=revision, repeatable=True)

    # ---- watch

    def watch(self, prefix: str, *, start_revision: int) -> AsyncIterator[WatchEvent]:
        """One etcd watch stream per call; ends quietly when the store is closed."""
        return watch(self._channel, prefix, start_revision)

    # ---- leases

    async def grant_lease(self, ttl: int) -> int:
        ch = self._channel
        resp = await ch.call(rpc.LeaseStub, "LeaseGrant", rpc.LeaseGrantRequest(TTL=ttl))
        if resp.error:
            raise Unavailable(f"etcd refused a lease: {resp.error}")
        return resp.ID

    async def keep_alive(self, lease: int) -> int:
        async def once(channel: grpc.aio.Channel, timeout: float) -> rpc.LeaseKeepAliveResponse:
            call = rpc.LeaseStub(channel).LeaseKeepAlive(timeout=timeout)
            try:
                await call.write(rpc.LeaseKeepAliveRequest(ID=lease))
                return await call.read()
            finally:
                call.cancel()

        resp = await self._channel.attempts(once, repeatable=True)
        if resp is grpc.aio.EOF:
            raise Unavailable("etcd ended the keep-alive stream")
        if resp.TTL <= 0:
            raise NotFound(f"lease {lease:x} not found (expired or revoked)")
        return resp.TTL

    async def revoke_lease(self, lease: int) -> None:
        ch = self._channel
        await ch.call(
            rpc.LeaseStub, "LeaseRevoke", rpc.LeaseRevokeRequest(ID=lease), repeatable=True
        )

    async def close(self) -> None:
        await self._channel.close()
