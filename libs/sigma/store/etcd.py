"""The store port over a real etcd v3 cluster (the source of truth when Sigma runs for real).

The adapter is three parts: this module maps each port call to etcd's request and back,
``_etcd_channel`` holds the connection (deadlines, the translation of failures to the Sigma
error tree), and ``_etcd_watch`` turns etcd's watch stream into the port's.

One channel per store. Several IPv4 endpoints become one channel that fails over between them;
with host names only the first endpoint is used.
"""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator, Sequence

import grpc
from aetcd import rpc

from sigma.errors import NotFound, Unavailable
from sigma.store import _etcd_wire as wire
from sigma.store._etcd_channel import EtcdChannel
from sigma.store._etcd_watch import watch
from sigma.store._types import Compare, KeyValue, ListResult, Op, TxnResult, WatchEvent


class EtcdStore:
    """The ``Store`` port over etcd. ``timeout`` is the deadline of every unary call, in seconds."""

    def __init__(self, endpoints: list[str], *, timeout: float = 5.0) -> None:
        if not endpoints:
            raise ValueError("EtcdStore needs at least one endpoint")
        self._target = _target(endpoints)
        self._channel = EtcdChannel(self._target, timeout)

    # ---- reads

    async def get(self, key: str) -> KeyValue | None:
        ch = self._channel
        resp = await ch.call(ch.kv().Range, rpc.RangeRequest(key=wire.encode(key)))
        return wire.to_kv(resp.kvs[0]) if resp.kvs else None

    async def list(
        self, prefix: str, *, revision: int = 0, limit: int = 0, start_after: str = ""
    ) -> ListResult:
        key, end = wire.prefix_range(prefix)
        if start_after and start_after >= prefix:
            key = wire.encode(start_after) + b"\0"
        req = rpc.RangeRequest(key=key, range_end=end, revision=revision, limit=limit)
        ch = self._channel
        resp = await ch.call(ch.kv().Range, req, compacted_at=revision)
        items = [wire.to_kv(kv) for kv in resp.kvs]
        return ListResult(items, revision or resp.header.revision, resp.more)

    async def revision(self) -> int:
        ch = self._channel
        resp = await ch.call(ch.kv().Range, rpc.RangeRequest(key=b"\0", keys_only=True))
        return resp.header.revision

    # ---- writes

    async def put(self, key: str, value: bytes, *, lease: int = 0) -> int:
        ch = self._channel
        req = rpc.PutRequest(key=wire.encode(key), value=value, lease=lease)
        resp = await ch.call(ch.kv().Put, req)
        return resp.header.revision

    async def delete(self, key: str) -> int | None:
        ch = self._channel
        resp = await ch.call(ch.kv().DeleteRange, rpc.DeleteRangeRequest(key=wire.encode(key)))
        return resp.header.revision if resp.deleted else None

    async def txn(
        self, compares: Sequence[Compare], success: Sequence[Op], failure: Sequence[Op] = ()
    ) -> TxnResult:
        ch = self._channel
        resp = await ch.call(ch.kv().Txn, wire.txn_msg(compares, success, failure))
        return TxnResult(resp.succeeded, resp.header.revision)

    async def compact(self, revision: int) -> None:
        ch, req = self._channel, rpc.CompactionRequest(revision=revision)
        await ch.call(ch.kv().Compact, req, compacted_at=revision)

    # ---- watch

    def watch(self, prefix: str, *, start_revision: int) -> AsyncIterator[WatchEvent]:
        """One etcd watch stream per call; ends quietly when the store is closed."""
        return watch(self._channel, prefix, start_revision)

    # ---- leases

    async def grant_lease(self, ttl: int) -> int:
        ch = self._channel
        resp = await ch.call(ch.lease().LeaseGrant, rpc.LeaseGrantRequest(TTL=ttl))
        if resp.error:
            raise Unavailable(f"etcd refused a lease: {resp.error}")
        return resp.ID

    async def keep_alive(self, lease: int) -> int:
        ch = self._channel
        call = ch.lease().LeaseKeepAlive(timeout=ch.timeout)
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
        ch = self._channel
        await ch.call(ch.lease().LeaseRevoke, rpc.LeaseRevokeRequest(ID=lease))

    async def close(self) -> None:
        await self._channel.close()


def _target(endpoints: list[str]) -> str:
    if len(endpoints) == 1:
        return endpoints[0]
    try:
        for e in endpoints:
            ipaddress.IPv4Address(e.rsplit(":", 1)[0])
    except ValueError:
        return endpoints[0]
    return "ipv4:" + ",".join(endpoints)
