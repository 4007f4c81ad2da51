"""A tier whose loop dies stops whole (crash only) instead of serving with nothing behind it."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

import pytest

from sigma.rpc import Service
from sigma.tiers import Context, Crashed, Tier, serve

_others: list[asyncio.Task[None]] = []


async def _fails_later() -> None:
    await asyncio.sleep(0.05)
    raise KeyError("Attempt to overwrite 'created' in LogRecord")


async def dies(ctx: Context) -> Sequence[Service]:
    ctx.spawn(_fails_later(), "controllers")
    ctx.spawn(asyncio.sleep(3600), "worker")
    _others.extend(ctx.tasks)
    return []


async def finishes(ctx: Context) -> Sequence[Service]:
    ctx.spawn(asyncio.sleep(0), "ensure-topics")  # a loop whose work is done: no crash
    return []


async def _serve(build, stop: asyncio.Event, ready: list[dict[str, str]]) -> None:
    await serve(
        [Tier("apiserver", 0, build)],
        store_url="memory://",
        bus_url="memory://",
        listen={"apiserver": ("127.0.0.1", 0)},
        stop=stop,
        on_ready=ready.append,
    )


async def test_a_failed_loop_stops_every_tier_and_names_itself(
    caplog: pytest.LogCaptureFixture,
) -> None:
    ready: list[dict[str, str]] = []
    crashed = pytest.raises(Crashed, match="controllers failed: KeyError")
    with caplog.at_level(logging.ERROR, logger="sigma.tiers"), crashed:
        await asyncio.wait_for(_serve(dies, asyncio.Event(), ready), timeout=10)
    assert ready, "the tier served before its loop failed"
    assert all(task.done() for task in _others), "the other loops were left running"
    (record,) = [r for r in caplog.records if r.getMessage() == "background loop failed"]
    assert record.loop == "controllers" and record.exc_info  # type: ignore[attr-defined]
    host, _, port = ready[0]["apiserver"].rpartition(":")
    with pytest.raises(OSError):  # the gRPC port was closed on the way out
        _, writer = await asyncio.open_connection(host, int(port))
        writer.close()


async def test_a_loop_that_ends_its_work_is_no_crash() -> None:
    stop, ready = asyncio.Event(), []
    serving = asyncio.ensure_future(_serve(finishes, stop, ready))
    await asyncio.sleep(0.2)
    assert not serving.done() and ready
    stop.set()
    await asyncio.wait_for(serving, timeout=10)  # returns: no Crashed
