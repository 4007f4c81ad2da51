"""Store compaction: how far to cut (pure), and a pass over the embedded store."""

from __future__ import annotations

import json

import pytest

from sigma.apiserver.controllers.compactor import Compactor, target
from sigma.errors import Compacted
from sigma.events import CHECKPOINT_KEY
from sigma.store.memory import MemoryStore


@pytest.mark.parametrize(
    ("current", "compacted", "safe", "retain", "want"),
    [
        (1000, 0, None, 100, 900),  # no change stream: only the retention bounds it
        (1000, 0, 500, 100, 500),  # never past the change stream's checkpoint
        (1000, 895, None, 100, None),  # moves the point by less than a tenth: not worth it
        (1000, 890, None, 100, 900),
        (50, 0, None, 100, None),  # history shorter than the retention
        (1000, 0, None, 0, None),  # retention 0: compaction off
        (1000, 600, 400, 100, None),  # the checkpoint lags an earlier compaction: wait
    ],
)
def test_target(current: int, compacted: int, safe: int | None, retain: int, want: int | None):
    assert target(current, compacted, safe, retain) == want


async def test_a_pass_compacts_behind_the_checkpoint_and_keeps_recent_history() -> None:
    store = MemoryStore()
    for i in range(300):
        await store.put(f"/k/{i % 7}", b"x")
    await store.put(CHECKPOINT_KEY, json.dumps({"revision": 120}).encode())
    compactor = Compactor(retain=100)
    assert await compactor.reconcile(store, 0.0, None) == 1  # type: ignore[arg-type]
    assert compactor.compacted == 121  # the stream's checkpoint + 1, not 301 - 100
    with pytest.raises(Compacted):
        await store.list("/k/", revision=100)
    assert len((await store.list("/k/", revision=121)).items) == 7
    await store.put(CHECKPOINT_KEY, json.dumps({"revision": 300}).encode())
    assert await compactor.reconcile(store, 0.0, None) == 1  # type: ignore[arg-type]
    assert compactor.compacted == await store.revision() - 100  # now the retention bounds it
    assert await compactor.reconcile(store, 0.0, None) == 0  # nothing new to cut


async def test_a_new_leader_learns_how_far_the_store_was_compacted() -> None:
    store = MemoryStore()
    for _ in range(500):
        await store.put("/k", b"x")
    await store.compact(450)
    fresh = Compactor(retain=100)
    assert await fresh.reconcile(store, 0.0, None) == 0  # type: ignore[arg-type]
    assert fresh.compacted == 450
