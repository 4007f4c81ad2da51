"""The etcd adapter's connection: one grpc channel per member, a deadline on every unary call,
failover between members, and the translation of a failed call to the Sigma error tree (see
``_etcd_wire.translate``).

Why a channel per member rather than one channel over every address: grpc's own balancing
(pick_first, round_robin) notices a dead member at once but a hung one (SIGSTOPped, or a host
whose TCP stack still answers) only when keep-alive gives up, after 15 s here; until then every
call routed there waits out its whole deadline. etcd's Go client has the same weakness (its
round-robin balancer sends a share of the calls to the hung member). Here calls stick to one
member, and when several members are known an attempt gets a short deadline (``attempt_timeout``)
within the call's own; a member that fails an attempt (refused, reset, silent past the attempt
deadline) loses the preference to the next one, so a hung member costs the calls in flight on it
one attempt deadline, and later calls nothing.

A call tries each member once at most (all refusing: ``Unavailable`` at once, not a spin until
the deadline). Failover retries only what is safe to send twice: reads and lease keep-alives
always, a write only when the failure proves it never reached a member (the connection was
refused). A write whose outcome is unknown (a reset, a silent member) fails with
``Unavailable``, as before; the caller's retry policy decides, knowing its own request (a
compare-and-swap that may have applied).

Transient trouble surfaces as ``Unavailable`` (retriable), at once for refused connections on every
member and within ``timeout`` for a hung or partitioned etcd; history that is gone as
``Compacted``. Streams (watches) carry no deadline; they ask for a member that has a leader (etcd
then ends a stream whose member lost its leader), and the channel keeps them so that closing it
ends every one. A hung member ends no stream and grpc's keep-alive notices it only after 15 s, so a
member that loses the preference also loses its streams: they end with ``Unavailable``
(``dropped``), and their readers watch again, from where they were, on the member now preferred.
A store that only watches makes no call that would find the member hung, so while streams are
open and there are several members, the preferred one is asked for its status every
``probe_interval`` seconds, with the attempt deadline: a hang moves the watches within about
``probe_interval + attempt_timeout``.

Channels are opened lazily, on the event loop that first uses them (grpc.aio binds to it).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Iterator, Sequence
from typing import Any, TypeVar

import grpc
from aetcd import rpc

from sigma.errors import Compacted, Unavailable
from sigma.store import _etcd_wire as wire

_R = TypeVar("_R")
Attempt = Callable[[grpc.aio.Channel, float], Awaitable[_R]]

_OPTIONS = [
    ("grpc.max_receive_message_length", 64 * 1024 * 1024),
    # Notice a dead connection under an idle watch; etcd refuses pings more often than 5 s.
    ("grpc.keepalive_time_ms", 10_000),
    ("grpc.keepalive_timeout_ms", 5_000),
    # After an etcd restart, reconnect within seconds, not grpc's default of up to two minutes.
    ("grpc.initial_reconnect_backoff_ms", 500),
    ("grpc.max_reconnect_backoff_ms", 5_000),
]
# What a member says in failing when it or its cluster is away for now: try the next member.
_FAILOVER = frozenset(
    {grpc.StatusCode.UNAVAILABLE, grpc.StatusCode.DEADLINE_EXCEEDED, grpc.StatusCode.UNKNOWN}
)
_REQUIRE_LEADER = (("hasleader", "true"),)


def never_sent(exc: grpc.aio.AioRpcError) -> bool:
    """Whether the call failed before reaching a member (so a write may go to another)."""
    return exc.code() == grpc.StatusCode.UNAVAILABLE and "failed to connect" in (
        (exc.details() or "").lower()
    )


class EtcdChannel:
    """Channels to ``endpoints``; ``timeout`` is the deadline of every unary call, in seconds,
    and ``attempt_timeout`` that of one attempt on one member when there are several."""

    def __init__(
        self,
        endpoints: Sequence[str],
        timeout: float,
        *,
        attempt_timeout: float = 1.0,
        probe_interval: float = 2.0,
    ) -> None:
        if not endpoints:
            raise ValueError("EtcdChannel needs at least one endpoint")
        self.endpoints = tuple(endpoints)
        self.target = ",".join(self.endpoints)
        self.timeout = timeout
        self.attempt_timeout = attempt_timeout if len(self.endpoints) > 1 else timeout
        self.closed = False
        self.failovers = 0  # how often a member lost the preference (for figures and logs)
        self._preferred = 0
        self._channels: dict[int, grpc.aio.Channel] = {}
        self._streams: dict[grpc.aio.StreamStreamCall, int] = {}  # stream -> its member
        self._dropped: set[grpc.aio.StreamStreamCall] = set()
        self.probe_interval = probe_interval
        self._prober: asyncio.Task[None] | None = None

    @property
    def preferred(self) -> str:
        """The member calls go to now."""
        return self.endpoints[self._preferred]

    @contextlib.contextmanager
    def watch_stream(self) -> Iterator[grpc.aio.StreamStreamCall]:
        """A watch stream without a deadline on the preferred member, cancelled when the block
        ends or the channel closes (which a reader of it sees as ``closed``)."""
        index = self._preferred
        call = rpc.WatchStub(self._open(index)).Watch(metadata=_REQUIRE_LEADER)
        self._streams[call] = index
        if len(self.endpoints) > 1 and (self._prober is None or self._prober.done()):
            self._prober = asyncio.ensure_future(self._probe())
        try:
            yield call
        finally:
            self._streams.pop(call, None)
            self._dropped.discard(call)
            call.cancel()

    def dropped(self, call: grpc.aio.StreamStreamCall) -> bool:
        """Whether the channel ended ``call`` because its member lost the preference."""
        return call in self._dropped

    async def call(
        self,
        stub: Callable[[grpc.aio.Channel], Any],
        method: str,
        request: object,
        *,
        compacted_at: int = 0,
        repeatable: bool = False,
    ) -> Any:
        """One unary call (``stub(channel).method(request)``) with a deadline, failed over
        between members as the module docstring says; ``repeatable``: safe to send twice."""

        def attempt(channel: grpc.aio.Channel, timeout: float) -> Awaitable[Any]:
            return getattr(stub(channel), method)(request, timeout=timeout)

        return await self.attempts(attempt, repeatable=repeatable, compacted_at=compacted_at)

    async def attempts(
        self, attempt: Attempt[_R], *, repeatable: bool, compacted_at: int = 0
    ) -> _R:
        """``attempt(channel, timeout)`` on the preferred member, then on the next ones while
        that is safe and the call's deadline allows; failures translated to the Sigma tree."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout
        for tried in range(1, len(self.endpoints) + 1):
            index = self._preferred
            budget = deadline - loop.time()
            try:
                return await attempt(self._open(index), min(self.attempt_timeout, budget))
            except grpc.aio.AioRpcError as exc:
                if compacted_at and wire.is_compacted(exc):
                    raise Compacted(compacted_at, await self._compact_revision()) from exc
                if exc.code() not in _FAILOVER or len(self.endpoints) == 1:
                    raise wire.translate(exc, self.target) from exc
                self._fail_over(index)
                left = deadline - loop.time()
                last = tried == len(self.endpoints) or left < 0.05
                if last or not (repeatable or never_sent(exc)):
                    raise wire.translate(exc, self.target) from exc
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _probe(self) -> None:
        """While streams are open: the preferred member's status, so a hang moves them."""
        while self._streams and not self.closed:
            await asyncio.sleep(self.probe_interval)
            index = self._preferred
            if not any(member == index for member in self._streams.values()):
                continue
            try:
                status = rpc.MaintenanceStub(self._open(index)).Status
                await status(rpc.StatusRequest(), timeout=self.attempt_timeout)
            except grpc.aio.AioRpcError as exc:
                if exc.code() in _FAILOVER:
                    self._fail_over(index)
            except Unavailable:  # closed meanwhile
                return

    async def close(self) -> None:
        self.closed = True
        if self._prober is not None:
            self._prober.cancel()
            await asyncio.gather(self._prober, return_exceptions=True)
        for call in list(self._streams):
            call.cancel()
        channels, self._channels = list(self._channels.values()), {}
        for channel in channels:
            await channel.close()

    def _fail_over(self, index: int) -> None:
        """Move the preference past ``index`` (once, however many calls saw it fail)."""
        if self._preferred == index:
            self._preferred = (index + 1) % len(self.endpoints)
            self.failovers += 1
            for call, member in list(self._streams.items()):
                if member == index:
                    self._dropped.add(call)
                    call.cancel()

    def _open(self, index: int) -> grpc.aio.Channel:
        if self.closed:
            raise Unavailable("store is closed")
        channel = self._channels.get(index)
        if channel is None:
            channel = grpc.aio.insecure_channel(self.endpoints[index], options=_OPTIONS)
            self._channels[index] = channel
        return channel

    async def _compact_revision(self) -> int:
        """etcd's compaction point, which only a watch from an old revision reveals."""
        call = rpc.WatchStub(self._open(self._preferred)).Watch(timeout=self.timeout)
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
