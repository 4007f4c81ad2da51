"""Leader election over the store port, and the lease keeper it shares with task claims.

A candidate grants a store lease and creates ``/sigma/v1/leaders/<name>`` with it, only if
the key is absent. Whoever created it leads while it keeps the lease alive; everyone else
watches the key and campaigns again when it vanishes (its holder stepped down, or died and its
lease expired). Leadership is a claim on a key, so work done under it can be *fenced*:
``Elector.fence`` is a compare that holds only while the key is still the one this elector
created, and a transaction carrying it can never be applied by a deposed leader.

A leader that cannot renew steps down on its own once two thirds of the TTL have passed since
its last renewal, before the store can hand the key to someone else.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import socket
import uuid
from collections.abc import Awaitable, Callable

from sigma.clock import Clock, SystemClock
from sigma.errors import AlreadyExists, Compacted, NotFound, SigmaError
from sigma.log import get_logger
from sigma.store import Compare, EventType, Store, create, delete_if

log = get_logger("sigma.election")
PREFIX = "/sigma/v1/leaders/"


def default_identity() -> str:
    """hostname-pid-random: unique per process, readable in leader keys, task owners and logs."""
    return f"{socket.gethostname()}-{os.getpid()}-{uuid.uuid4().hex[:6]}"


async def keep_lease(
    store: Store,
    lease: int,
    ttl: float,
    clock: Clock,
    still_ours: Callable[[], Awaitable[bool]] | None = None,
) -> None:
    """Renew ``lease`` every third of ``ttl``; return as soon as it can no longer be trusted.

    That is: the store says it expired, ``still_ours`` says the claim was taken, or renewals
    failed for two thirds of the TTL (the store may expire it any moment now).
    """
    last_ok = clock.now()
    pause = ttl / 3
    while True:
        await clock.sleep(pause)
        sent = clock.now()  # the store renews no earlier than this: count from here
        try:
            await store.keep_alive(lease)
            if still_ours is not None and not await still_ours():
                return
            last_ok, pause = sent, ttl / 3
            continue
        except NotFound:
            return
        except SigmaError as exc:
            if not exc.retriable:
                return
            log.warning("lease renewal failed", extra={"lease": lease, "error": str(exc)})
        left = last_ok + ttl * 2 / 3 - clock.now()
        if left <= 1e-9:
            return
        pause = min(ttl / 3, left)  # retry, but wake up in time to give up


async def while_held(
    work: Awaitable[None], keeper: Awaitable[None], release: Callable[[], Awaitable[None]]
) -> asyncio.Future[None]:
    """Run ``work`` while ``keeper`` (a ``keep_lease``) runs; then ``release`` the claim.

    Whichever ends first ends the other: work that finishes stops the renewals, a lost lease
    cancels the work. Returns the work's future, done or cancelled, for its outcome.
    """
    job, keep = asyncio.ensure_future(work), asyncio.ensure_future(keeper)
    try:
        await asyncio.wait({job, keep}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (job, keep):
            task.cancel()
        await asyncio.gather(job, keep, return_exceptions=True)
        await asyncio.shield(release())
    return job


class Elector:
    """One candidate for the leadership called ``name``. Use ``run(fn)``."""

    def __init__(
        self,
        store: Store,
        name: str,
        identity: str,
        *,
        ttl: int = 10,
        clock: Clock | None = None,
        retry_delay: float = 1.0,
    ) -> None:
        self.store = store
        self.name = name
        self.identity = identity
        self.ttl = ttl
        self.clock = clock or SystemClock()
        self.retry_delay = retry_delay
        self.key = PREFIX + name
        self._lease = 0
        self._revision = 0  # mod_revision of the leader key this elector created; 0: not leader

    @property
    def is_leader(self) -> bool:
        return self._revision > 0

    @property
    def fence(self) -> list[Compare]:
        """Compares that hold only while this elector still leads (empty when it does not)."""
        return [Compare(self.key, self._revision)] if self._revision else []

    async def leader(self) -> str | None:
        """The identity of the current leader, if any."""
        kv = await self.store.get(self.key)
        return kv.value.decode() if kv else None

    async def campaign(self) -> None:
        """Return once this elector leads; wait for the key to fall vacant meanwhile."""
        while True:
            try:
                lease = await self.store.grant_lease(self.ttl)
                try:
                    self._revision = await create(
                        self.store, self.key, self.identity.encode(), lease=lease
                    )
                    self._lease = lease
                    log.info("elected", extra={"election": self.name, "identity": self.identity})
                    return
                except AlreadyExists:
                    await self._revoke(lease)
                await self._wait_vacant()
            except SigmaError as exc:
                if not exc.retriable:
                    raise
                await self.clock.sleep(self.retry_delay)

    async def _wait_vacant(self) -> None:
        kv = await self.store.get(self.key)
        if kv is None:
            return
        try:
            async for event in self.store.watch(self.key, start_revision=kv.mod_revision + 1):
                if event.kv.key == self.key and event.type is EventType.DELETE:
                    return
        except Compacted:
            return  # look again

    async def _still_ours(self) -> bool:
        kv = await self.store.get(self.key)
        return kv is not None and kv.mod_revision == self._revision

    async def resign(self) -> None:
        """Step down at once so another candidate need not wait for the lease to expire."""
        revision, lease = self._revision, self._lease
        self._revision = self._lease = 0
        if not revision:
            return
        with contextlib.suppress(SigmaError):  # already gone or taken: nothing of ours left
            await delete_if(self.store, self.key, expected_mod_revision=revision)
        await self._revoke(lease)

    async def _revoke(self, lease: int) -> None:
        with contextlib.suppress(SigmaError):  # expired already, or the store will expire it
            await self.store.revoke_lease(lease)

    async def run(self, fn: Callable[[], Awaitable[None]]) -> None:
        """Run ``fn`` only while leading: cancel it when leadership is lost and campaign again.

        Returns when ``fn`` returns (stepping down); cancelling ``run`` cancels ``fn`` and steps
        down, so a standby takes over without waiting for the TTL.
        """
        while True:
            await self.campaign()
            keeper = keep_lease(self.store, self._lease, self.ttl, self.clock, self._still_ours)
            work = await while_held(fn(), keeper, self.resign)
            if not work.cancelled():
                work.result()  # re-raise what fn raised
                return
            log.warning("leadership lost", extra={"election": self.name, "id": self.identity})
