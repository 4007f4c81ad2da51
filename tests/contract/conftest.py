"""Store fixtures for the contract suite: one ``backend`` per adapter, the same tests for each.

Time is part of the contract (leases), so a backend also says how to let it pass: the memory store
runs on a ``ManualClock`` that tests advance, etcd on real time (its minimum TTL is one second
with the test engines' settings). ``etcd-cluster`` is the same suite over a three-member cluster,
the store naming every member. Every test gets its own key prefix, so tests never see each
other's keys on the shared etcd.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass

import pytest
from _runtimes import backend_runtime  # noqa: F401 - the runtime suite's backends

from sigma.store import Store, open_store
from sigma.store.memory import MemoryStore
from sigma.testing.clock import ManualClock


@dataclass
class Backend:
    name: str
    store: Store
    prefix: str
    clock: ManualClock | None = None

    async def elapse(self, seconds: float) -> None:
        """Let ``seconds`` pass for the store: advance the manual clock, or really wait."""
        if self.clock is None:
            await asyncio.sleep(seconds)
            return
        self.clock.advance(seconds)
        for _ in range(3):  # let woken timers and watchers run
            await asyncio.sleep(0)


_ENGINES = {"etcd": "etcd_engine", "etcd-cluster": "etcd_cluster"}  # backend -> session fixture


@pytest.fixture(
    params=[
        "memory",
        pytest.param("etcd", marks=pytest.mark.etcd),
        pytest.param("etcd-cluster", marks=pytest.mark.etcd),
    ]
)
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    prefix = f"/contract/{request.function.__name__}/{uuid.uuid4().hex[:8]}/"
    if request.param == "memory":
        clock = ManualClock()
        b = Backend("memory", MemoryStore(clock=clock), prefix, clock)
    else:
        engine = request.getfixturevalue(_ENGINES[request.param])
        b = Backend(request.param, open_store(engine.url), prefix)
    try:
        yield b
    finally:
        await b.store.close()


@pytest.fixture
def store(backend: Backend) -> Store:
    return backend.store
