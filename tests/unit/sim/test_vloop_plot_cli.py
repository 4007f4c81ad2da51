"""The replay's machinery without trace data: virtual time, folding, the CLI."""

from __future__ import annotations

import asyncio
import time

import pytest

from sigma.cli import main
from sigma.cli.sim.vloop import Deadlock, LoopClock, run_virtual
from sigma.cli.sim.workload import fold
from sigma.store.memory import MemoryStore


def test_an_hour_of_sleep_takes_no_wall_time() -> None:
    async def main() -> float:
        await asyncio.sleep(3600)
        await asyncio.wait_for(asyncio.sleep(5), timeout=10)
        return asyncio.get_running_loop().time()

    began = time.perf_counter()
    assert run_virtual(main(), start=100.0) == pytest.approx(3705.0)
    assert time.perf_counter() - began < 1.0


def test_a_lease_expires_in_virtual_time() -> None:
    async def main() -> tuple[bytes | None, bytes | None]:
        clock = LoopClock(asyncio.get_running_loop())
        store = MemoryStore(clock=clock)
        lease = await store.grant_lease(30)
        await store.put("/k", b"v", lease=lease)
        await asyncio.sleep(29)
        before = await store.get("/k")
        await asyncio.sleep(2)
        after = await store.get("/k")
        return (before.value if before else None), (after.value if after else None)

    assert run_virtual(main()) == (b"v", None)


def test_a_wait_until_a_deadline_a_hair_ahead_reaches_it() -> None:
    """Tasks sleeping "the rest of the way" to a deadline less than asyncio's timer resolution
    (1 ns) ahead, with other work ready: the clock must get there, not fire the timer in place
    and leave the task re-arming it forever at one instant."""

    async def main() -> list[int]:
        loop = asyncio.get_running_loop()
        rounds = []
        for delay in (2.5e-10, 1e-7, 1 / 3, 9.5):
            deadline, n = loop.time() + delay, 0
            while (left := deadline - loop.time()) > 0 and n < 1000:
                busy = asyncio.ensure_future(asyncio.sleep(0))
                await asyncio.wait([busy, asyncio.ensure_future(asyncio.sleep(60))], timeout=left)
                n += 1
            rounds.append(n)
        return rounds

    assert max(run_virtual(main(), start=86_400.5)) < 1000


def test_a_wait_with_no_timer_is_a_deadlock() -> None:
    async def main() -> None:
        await asyncio.Event().wait()

    with pytest.raises(Deadlock):
        run_virtual(main())


def test_fold_keeps_time_of_day() -> None:
    day = 86400
    assert fold(3 * day + 3600, day, 7200) == [day + 3600]  # same time, another day
    assert fold(3 * day + 3 * 3600, day, 7200) == []  # outside the window's hours
    assert fold(5 * day + 10, day, 2 * day) == [day + 10]  # a window of days: modulo its length
    # with a warm-up: 23:00 is replayed the evening before a window opening at midnight
    assert fold(3 * day + 23 * 3600, day, 7200, warmup=2 * 3600) == [day - 3600]
    assert fold(3 * day + 21 * 3600, day, 7200, warmup=2 * 3600) == []
    assert fold(day + 3600, day, day, warmup=day) == [day + 3600, 3600]  # and the day before


@pytest.mark.parametrize("flags", [["--machines", "0"], ["--hours", "-1"], ["--mode", "nope"]])
def test_bad_flags_exit_2(flags: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["sim", *flags]) == 2
    assert "sigma sim" in capsys.readouterr().err
