import logging
from unittest.mock import patch

import pytest

from sigma.errors import Conflict, Unavailable
from sigma.retry import DEFAULT, RetryPolicy, keep_running

FAST = RetryPolicy(initial=0.001, maximum=0.002, attempts=4, deadline=5)


async def test_retries_retriable_errors_until_success() -> None:
    calls = 0

    async def flaky() -> str:
        nonlocal calls
        calls += 1
        if calls < 3:
            raise Unavailable("etcd restarting")
        return "ok"

    assert await FAST.call(flaky) == "ok"
    assert calls == 3


async def test_does_not_retry_a_conflict() -> None:
    calls = 0

    async def conflict() -> None:
        nonlocal calls
        calls += 1
        raise Conflict("stale")

    with pytest.raises(Conflict):
        await FAST.call(conflict)
    assert calls == 1


async def test_gives_up_after_its_attempts_with_the_last_error() -> None:
    calls = 0

    async def down() -> None:
        nonlocal calls
        calls += 1
        raise Unavailable(f"down {calls}")

    with pytest.raises(Unavailable, match="down 4"):
        await FAST.call(down)
    assert calls == 4


async def test_a_long_lived_loop_outlasts_an_outage_and_ends_on_a_bug(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """``keep_running``: a bus that stays away past any bounded policy pauses the loop, never
    ends it; an error waiting cannot fix ends it at once."""
    calls = 0

    async def consume() -> None:
        nonlocal calls
        calls += 1
        if calls <= DEFAULT.attempts:  # more failures than a bounded policy takes
            raise Unavailable("kafka join group: unable to bootstrap")

    fast = RetryPolicy(initial=0.001, maximum=0.002, attempts=0)
    with patch("sigma.retry.LOOPS", fast), caplog.at_level(logging.WARNING, "sigma.retry"):
        await keep_running(consume, "consume")
        assert calls == DEFAULT.attempts + 1
        paused = [r for r in caplog.records if r.getMessage() == "loop paused"]
        assert len(paused) == DEFAULT.attempts and paused[0].loop == "consume"  # type: ignore[attr-defined]

        async def bug() -> None:
            raise KeyError("created")

        with pytest.raises(KeyError):
            await keep_running(bug, "bug")
