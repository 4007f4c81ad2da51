"""Process-runtime fixtures: a fresh state dir and cgroup subtree per test, and a leak check.

Every test that starts real processes ends with none of them left: the fixture stops whatever
the test left running, then asserts that this process has no new children and no pid the
test started is alive.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from slave_helpers import Runtimes, assert_no_leaks


@pytest.fixture
async def runtimes(tmp_path: Path) -> AsyncIterator[Runtimes]:
    made = Runtimes(tmp_path / "state")
    try:
        yield made
    finally:
        pids = made.pids()
        for rt in reversed(made.made):
            for key, pod in rt.pods().items():
                if pod.running:
                    await rt.stop(key, grace=0.2)
                rt.forget(key)
            await rt.close()
        assert_no_leaks(pids, made.before)
        for rt in made.made:
            if rt.cgroups is not None:
                with contextlib.suppress(OSError):
                    rt.cgroups.base.rmdir()
