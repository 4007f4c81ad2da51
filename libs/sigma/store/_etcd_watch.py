"""etcd's watch stream translated to the store port's: one stream per watch, events in order.

A watch has no deadline: it lives until its consumer stops, the stream breaks (``Unavailable``;
also when its member stopped answering other calls, see ``_etcd_channel``) or etcd drops the
history it needs (``Compacted``). Closing the store ends it quietly.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import grpc
from aetcd import rpc

from sigma.errors import Compacted, Unavailable
from sigma.store import _etcd_wire as wire
from sigma.store._etcd_channel import EtcdChannel
from sigma.store._types import WatchEvent

_DROPPED = "etcd member stopped answering; watch again on another member"


async def watch(
    channel: EtcdChannel, prefix: str, start_revision: int
) -> AsyncIterator[WatchEvent]:
    """Every change under ``prefix`` from ``start_revision``, as etcd streams it."""
    key, end = wire.prefix_range(prefix)
    create = rpc.WatchCreateRequest(
        key=key, range_end=end, start_revision=start_revision, prev_kv=True
    )
    with channel.watch_stream() as call:
        next_rev = start_revision
        try:
            await call.write(rpc.WatchRequest(create_request=create))
            while True:
                resp = await _read(channel, call)
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
            if channel.closed:
                return
            if channel.dropped(call):
                raise Unavailable(_DROPPED) from exc
            raise wire.translate(exc, channel.target) from exc


async def _read(channel: EtcdChannel, call: grpc.aio.StreamStreamCall) -> rpc.WatchResponse | None:
    """The next watch response; None once the channel is closed under it."""
    try:
        resp = await call.read()
    except asyncio.CancelledError:
        # Closing the channel cancels its streams locally, which grpc reports as a cancellation
        # of whoever reads; only a real cancellation of our task may propagate.
        task = asyncio.current_task()
        if task is not None and not task.cancelling():
            if channel.closed:
                return None
            if channel.dropped(call):
                raise Unavailable(_DROPPED) from None
        raise
    if resp is grpc.aio.EOF:
        if channel.closed:
            return None
        raise Unavailable(_DROPPED if channel.dropped(call) else "etcd ended the watch stream")
    return resp
