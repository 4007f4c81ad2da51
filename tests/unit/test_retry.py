import pytest

from sigma.errors import Conflict, Unavailable
from sigma.retry import RetryPolicy

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
