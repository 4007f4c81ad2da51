"""A cancelled agent (its tier stopping) leaves no task of its own behind."""

from __future__ import annotations

import asyncio

from sigma.testing.wait import eventually

from ._agent import Rig


async def test_cancelled_agent_leaves_no_task_behind(r: Rig) -> None:
    before = asyncio.all_tasks()
    runner = asyncio.ensure_future(r.agent.run())
    # Every loop is started and the converge loop waits between passes.
    await eventually(lambda: len(asyncio.all_tasks() - before) > 5, what="the agent's loops")
    await asyncio.sleep(0.05)
    runner.cancel()
    await asyncio.gather(runner, return_exceptions=True)
    await asyncio.sleep(0)  # let cancelled tasks take their last step
    left = [t for t in asyncio.all_tasks() - before if not t.done()]
    assert left == []
