"""Waiting in tests for state that converges on its own, with a bound and a clear failure."""

from __future__ import annotations

import asyncio
import inspect
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


async def eventually(
    predicate: Callable[[], T | Awaitable[T]],
    *,
    timeout: float = 10.0,
    what: str = "condition",
    interval: float = 0.01,
) -> T:
    """Return ``predicate()``'s first truthy result; fail with ``what`` after ``timeout`` s.

    ``predicate`` may be sync or async (a read of a remote store). Polling is deliberate: the
    state under test (a cache, a remote engine) has no event that a test could wait on
    without reaching into the code it is checking.
    """
    try:
        async with asyncio.timeout(timeout):
            while True:
                got = predicate()
                if inspect.isawaitable(got):
                    got = await got
                if got:
                    return got  # type: ignore[return-value]
                await asyncio.sleep(interval)
    except TimeoutError:
        raise AssertionError(f"{what} did not hold within {timeout} s") from None
