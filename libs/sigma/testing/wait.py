"""Waiting in tests for state that converges on its own, with a bound and a clear failure."""

from __future__ import annotations

import asyncio
from collections.abc import Callable


async def eventually(
    predicate: Callable[[], bool], *, timeout: float = 10.0, what: str = "condition"
) -> None:
    """Return once ``predicate()`` holds; fail with ``what`` after ``timeout`` seconds.

    Polling is deliberate: the state under test (a cache, a remote engine) has no event that
    a test could wait on without reaching into the code it is checking.
    """
    try:
        async with asyncio.timeout(timeout):
            while not predicate():  # noqa: ASYNC110 - see docstring
                await asyncio.sleep(0.01)
    except TimeoutError:
        raise AssertionError(f"{what} did not hold within {timeout} s") from None
