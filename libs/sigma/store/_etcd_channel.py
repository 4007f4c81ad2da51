"""The etcd adapter's connection: one grpc channel, a deadline on every unary call, and the
translation of a failed call to the Sigma error tree (see ``_etcd_wire.translate``).

Transient trouble surfaces as ``Unavailable`` (retriable; the retry policy lives with the
caller), at once for a refused connection and after ``timeout`` for a hung or partitioned etcd;
history that is gone as ``Compacted``. Streams (watches) carry no deadline; the channel keeps
them so that closing it ends every one of them.

The channel is opened lazily, on the event loop that first uses it (grpc.aio binds to it).
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable, Iterator
from typing import TypeVar

import grpc
from aetcd import rpc

from sigma.errors import Compacted, Unavailable
from sigma.store import _etcd_wire as wire

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


class EtcdChannel:
    """The channel to ``target``; ``timeout`` is the deadline of every unary call, in seconds."""

    def __init__(self, target: str, timeout: float) -> None:
        self.target = target
        self.timeout = timeout
        self.closed = False
        self._channel: grpc.aio.Channel | None = None
        self._streams: set[grpc.aio.StreamStreamCall] = set()

    def kv(self) -> rpc.KVStub:
        return rpc.KVStub(self._open())

    def lease(self) -> rpc.LeaseStub:
        return rpc.LeaseStub(self._open())

    @contextlib.contextmanager
    def watch_stream(self) -> Iterator[grpc.aio.StreamStreamCall]:
        """A watch stream without a deadline, cancelled when the block ends or the channel
        closes (which a reader of it sees as ``closed``)."""
        call = rpc.WatchStub(self._open()).Watch()
        self._streams.add(call)
        try:
            yield call
        finally:
            self._streams.discard(call)
            call.cancel()

    async def call(
        self, method: Callable[..., Awaitable[_R]], request: object, *, compacted_at: int = 0
    ) -> _R:
        """One unary call with a deadline, its failure translated to the Sigma error tree."""
        try:
            return await method(request, timeout=self.timeout)
        except grpc.aio.AioRpcError as exc:
            if compacted_at and wire.is_compacted(exc):
                raise Compacted(compacted_at, await self._compact_revision()) from exc
            raise wire.translate(exc, self.target) from exc

    async def close(self) -> None:
        self.closed = True
        for call in list(self._streams):
            call.cancel()
        if self._channel is not None:
            await self._channel.close()
            self._channel = None

    def _open(self) -> grpc.aio.Channel:
        if self.closed:
            raise Unavailable("store is closed")
        if self._channel is None:
            self._channel = grpc.aio.insecure_channel(self.target, options=_OPTIONS)
        return self._channel

    async def _compact_revision(self) -> int:
        """etcd's compaction point, which only a watch from an old revision reveals."""
        call = rpc.WatchStub(self._open()).Watch(timeout=self.timeout)
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
