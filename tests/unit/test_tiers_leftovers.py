"""A tier's teardown names the tasks that outlived it (a leak ``asyncio.run`` would hide)."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence

import pytest

from sigma.rpc import Service
from sigma.tiers import LEFTOVER_MESSAGE, Context, Tier, serve

_leaks: list[asyncio.Task[None]] = []


async def leaky(ctx: Context) -> Sequence[Service]:
    """Spawns one tracked loop (ended by the teardown) and one untracked (which is not)."""
    ctx.spawn(asyncio.sleep(3600), "tracked")
    _leaks.append(asyncio.ensure_future(asyncio.sleep(3600)))
    _leaks[-1].set_name("untracked")
    return []


async def tidy(ctx: Context) -> Sequence[Service]:
    ctx.spawn(asyncio.sleep(3600), "tracked")
    return []


async def _serve(tier: Tier) -> None:
    stop = asyncio.Event()
    await serve(
        [tier],
        store_url="memory://",
        bus_url="memory://",
        listen={tier.name: ("127.0.0.1", 0)},
        stop=stop,
        on_ready=lambda _: stop.set(),
    )


@pytest.mark.parametrize(("builder", "leaked"), [("leaky", ["untracked"]), ("tidy", [])])
async def test_teardown_names_only_the_tasks_left_behind(
    builder: str,
    leaked: list[str],
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="sigma.tiers"):
        await _serve(Tier(builder, 0, {"leaky": leaky, "tidy": tidy}[builder]))
    reports = [r for r in caplog.records if r.getMessage() == LEFTOVER_MESSAGE]
    names = [t.split()[0] for r in reports for t in r.tasks]  # type: ignore[attr-defined]
    assert names == leaked
    for task in _leaks:
        task.cancel()
