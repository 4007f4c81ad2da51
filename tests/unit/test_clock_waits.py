"""``first_of`` and ``sleep_or``: return at the first wait done, leave none of the others behind."""

from __future__ import annotations

import asyncio

from sigma.clock import SystemClock, first_of, sleep_or


async def test_the_first_done_returns_and_the_rest_are_cancelled() -> None:
    started: list[asyncio.Task[object]] = []

    async def forever() -> None:
        started.append(asyncio.current_task())  # type: ignore[arg-type]
        await asyncio.sleep(3600)

    await asyncio.wait_for(first_of(forever(), asyncio.sleep(0.01)), timeout=5)
    assert [t.cancelled() for t in started] == [True]


async def test_a_cancelled_caller_leaves_no_wait_running() -> None:
    before = asyncio.all_tasks()
    waiting = asyncio.ensure_future(sleep_or(SystemClock(), 3600, asyncio.Event()))
    await asyncio.sleep(0.01)
    waiting.cancel()
    await asyncio.gather(waiting, return_exceptions=True)
    assert asyncio.all_tasks() - before - {asyncio.current_task()} == set()


async def test_an_event_set_ends_the_sleep() -> None:
    event = asyncio.Event()
    asyncio.get_running_loop().call_later(0.01, event.set)
    await asyncio.wait_for(sleep_or(SystemClock(), 3600, event), timeout=5)
