"""Waiting in tests for state that converges on its own, with a bound and a clear failure.

One home for every poll a test makes: ``eventually`` (async, for an event loop),
``eventually_sync`` (blocking, for a test driving subprocesses) and ``took`` (how long a
convergence took, for tests that report a latency). Polling is deliberate: the state under
test (a cache, a remote engine, another process) has no event that a test could wait on
without reaching into the code it is checking.
"""

from __future__ import annotations

import asyncio
import inspect
import time
from collections.abc import Awaitable, Callable
from typing import TypeVar

T = TypeVar("T")


def _failed(what: str, timeout: float) -> AssertionError:
    return AssertionError(f"{what} did not hold within {timeout} s")


async def eventually(
    predicate: Callable[[], T | Awaitable[T]],
    *,
    timeout: float = 10.0,
    what: str = "condition",
    interval: float = 0.01,
    accept: Callable[[T], object] = bool,
) -> T:
    """Return ``predicate()``'s first result that ``accept`` holds for (by default: the
    first truthy one); fail with ``what`` after ``timeout`` s.

    ``predicate`` may be sync or async (a read of a remote store); ``accept`` lets a test
    wait on a fetched value (a status, a log) and keep the value it accepted.
    """
    try:
        async with asyncio.timeout(timeout):
            while True:
                got = predicate()
                if inspect.isawaitable(got):
                    got = await got
                if accept(got):  # type: ignore[arg-type]
                    return got  # type: ignore[return-value]
                await asyncio.sleep(interval)
    except TimeoutError:
        raise _failed(what, timeout) from None


async def took(
    predicate: Callable[[], object | Awaitable[object]],
    *,
    timeout: float = 10.0,
    what: str = "condition",
    interval: float = 0.01,
) -> float:
    """Seconds until ``predicate()`` first holds (monotonic clock); fails like ``eventually``."""
    began = time.monotonic()
    await eventually(predicate, timeout=timeout, what=what, interval=interval)
    return time.monotonic() - began


def eventually_sync(
    predicate: Callable[[], T],
    *,
    timeout: float = 10.0,
    what: str = "condition",
    interval: float = 0.1,
) -> T:
    """``eventually`` for a test without an event loop (one that drives a CLI in subprocesses)."""
    deadline = time.monotonic() + timeout
    while True:
        got = predicate()
        if got:
            return got
        if time.monotonic() > deadline:
            raise _failed(what, timeout)
        time.sleep(interval)
