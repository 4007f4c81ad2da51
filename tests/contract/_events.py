"""Reading watch streams in the store contract: the next events, none more, and a summary."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest

from sigma.store import WatchEvent


async def take(events: AsyncIterator[WatchEvent], n: int, timeout: float = 5.0) -> list[WatchEvent]:
    out: list[WatchEvent] = []
    async with asyncio.timeout(timeout):
        while len(out) < n:
            out.append(await anext(events))
    return out


async def nothing_more(events: AsyncIterator[WatchEvent], wait: float = 0.2) -> None:
    with pytest.raises(TimeoutError):
        async with asyncio.timeout(wait):
            ev = await anext(events)
            pytest.fail(f"unexpected event {ev}")


def summary(events: list[WatchEvent]) -> list[tuple[str, str, bytes, int]]:
    return [(e.type.value, e.kv.key, e.kv.value, e.revision) for e in events]
