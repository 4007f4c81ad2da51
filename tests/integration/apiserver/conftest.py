"""Fixtures for the apiserver: its gRPC API on real servers, and a store per backend for its
background work.

``cluster`` is two API replicas over the memory store and over a real etcd; ``memory_cluster``
one replica over the memory store. ``backend`` runs each test on the embedded store with a
``ManualClock`` (leases expire when the test advances time) and on a real etcd with real time.
Every test gets its own namespace, so tests never see each other's objects on the shared etcd.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import AsyncIterator

import pytest

from sigma.clock import SystemClock
from sigma.store import Store, open_store
from sigma.store.memory import MemoryStore
from sigma.testing.clock import ManualClock
from tests.integration.apiserver._api import Cluster, serve
from tests.integration.apiserver._fakes import Backend

EPOCH = 1_700_000_000.0


@pytest.fixture(params=["memory", pytest.param("etcd", marks=pytest.mark.etcd)])
async def backend(request: pytest.FixtureRequest) -> AsyncIterator[Backend]:
    namespace = f"t{uuid.uuid4().hex[:8]}"
    if request.param == "memory":
        clock = ManualClock()
        b = Backend(
            "memory", MemoryStore(clock=clock), namespace, clock, lambda: EPOCH + clock.now()
        )
    else:
        engine = request.getfixturevalue("etcd_engine")
        b = Backend("etcd", open_store(engine.url), namespace, SystemClock(), time.time)
    try:
        yield b
    finally:
        await b.store.close()


@pytest.fixture(params=["memory", pytest.param("etcd", marks=pytest.mark.etcd)])
async def cluster(request: pytest.FixtureRequest) -> AsyncIterator[Cluster]:
    """Two apiserver replicas over one store, behind one round-robin channel."""
    if request.param == "memory":
        store: Store = MemoryStore()
    else:
        store = open_store(request.getfixturevalue("etcd_engine").url)
    async for c in serve(store, replicas=2):
        yield c


@pytest.fixture
async def memory_cluster() -> AsyncIterator[Cluster]:
    async for c in serve(MemoryStore(), replicas=1):
        yield c
