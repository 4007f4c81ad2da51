"""Cancelling the apiserver's background work (how a tier stops on SIGTERM) steps it down.

Each controller leads under its own election; on the way out every leadership is released at
once, so another replica takes over without waiting for the lease to run out.
"""

from __future__ import annotations

import asyncio
from typing import Any

from sigma.apiserver.background import run_background
from sigma.apiserver.controllers.runner import ControllerSettings, passes
from sigma.election import PREFIX
from sigma.store.memory import MemoryStore
from sigma.testing.wait import eventually


class SlowStore(MemoryStore):
    """Writes take a while, as they do over the network: the way out spans several steps."""

    async def txn(self, *args: Any, **kwargs: Any) -> Any:
        await asyncio.sleep(0.02)
        return await super().txn(*args, **kwargs)

    async def revoke_lease(self, lease: int) -> None:
        await asyncio.sleep(0.02)
        await super().revoke_lease(lease)


async def test_cancelled_background_releases_every_leadership() -> None:
    store = SlowStore()
    runner = asyncio.ensure_future(run_background(store, "replica-1"))
    held: list[int] = [0]

    async def count() -> None:
        while True:
            held[0] = len((await store.list(PREFIX)).items)
            await asyncio.sleep(0.01)

    counter = asyncio.ensure_future(count())
    want = len(passes(ControllerSettings()))
    await eventually(lambda: held[0] == want, what="every controller leads")
    counter.cancel()
    runner.cancel()
    await asyncio.gather(runner, counter, return_exceptions=True)
    assert (await store.list(PREFIX)).items == []  # stepped down, not left to expire
    await store.close()
    assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []
