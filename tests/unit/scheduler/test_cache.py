import random

import numpy as np
import pytest

from sigma.scheduler.framework import PodInfo
from tests.unit.scheduler._cluster import GiB, cache_of, node, pod


def test_assume_counts_at_once_and_forget_undoes() -> None:
    cache = cache_of(node("n1"), node("n2"))
    before = cache.snapshot()
    cache.assume(pod("a/p", cpu=2000, mem=GiB), "n1")
    after = cache.snapshot()
    assert after.online_cpu.tolist() == [2000, 0]
    assert before.online_cpu.tolist() == [0, 0]  # the old snapshot did not move
    cache.forget("a/p")
    assert cache.snapshot().online_cpu.tolist() == [0, 0]
    assert cache.placed("a/p") is None


def test_old_snapshots_keep_their_pod_table_through_appends_releases_and_growth() -> None:
    cache = cache_of(node("n1"), node("n2"))
    cache.assume(pod("a/p0", cpu=100), "n1")
    first = cache.snapshot()
    frozen = {k: v.copy() for k, v in first.pods.items()}
    for i in range(1, 200):  # appended rows, a release, and the table doubling past 64 rows
        cache.assume(pod(f"a/p{i}", cpu=100), "n2")
        if i == 5:
            cache.remove_pod("a/p0")
            assert cache.snapshot().pods["live"][0] == False  # noqa: E712 - numpy bool
        cache.snapshot()
    for k, v in frozen.items():
        assert first.pods[k].tolist() == v.tolist(), k
    assert first.online_cpu.tolist() == [100, 0]
    assert cache.snapshot().online_cpu.tolist() == [0, 199 * 100]
    assert cache.snapshot() is cache.snapshot()


def test_what_anyone_holds_never_moves_and_what_nobody_holds_is_written_in_place() -> None:
    cache = cache_of(node("n1"), node("n2"))
    cache.assume(pod("a/o", cpu=1), "n2")
    held = cache.snapshot()
    piece = cache.snapshot().pods["live"][:1]  # a slice kept past its snapshot
    cache.remove_pod("a/o")
    cache.assume(pod("a/p", cpu=1000), "n1")
    assert held.online_cpu.tolist() == [0, 1] and piece.tolist() == [True]
    column = cache.snapshot().online_cpu[:1]
    cache.assume(pod("a/q", cpu=500), "n1")
    assert column.tolist() == [1000]  # a slice of a column, its snapshot gone
    del held, piece, column
    before = id(cache.snapshot().online_cpu.base)
    cache.assume(pod("a/r", cpu=250), "n2")
    assert id(cache.snapshot().online_cpu.base) == before  # nobody held it: not copied
    assert cache.snapshot().online_cpu.tolist() == [1500, 250]


@pytest.mark.parametrize("seed", range(3))
def test_room_columns_follow_every_change_of_their_row(seed: int) -> None:
    rng = random.Random(seed)
    names = [f"n{i}" for i in range(6)]
    cache = cache_of(*(node(n) for n in names))
    held = []
    for step in range(300):
        name, key = rng.choice(names), f"a/p{rng.randrange(40)}"
        match rng.randrange(6):
            case 0 | 1:
                qos = rng.choice([1, 2, 3, 4])  # LSE, LSR, LS, BE
                cpu = rng.choice([1000, 2000]) if qos < 3 else rng.randrange(1, 3000)
                cache.assume(pod(key, cpu=cpu, mem=rng.randrange(1, 4 * GiB), qos=qos), name)
            case 2:
                cache.remove_pod(key)
            case 3:
                cache.upsert_node(node(name, cpu=rng.choice([4000, 8000]), cordoned=step % 2))
            case 4:
                cache.remove_node(name)
                cache.upsert_node(node(name))
            case 5:
                held.append(cache.snapshot())  # snapshots held make the columns copy
        s = cache.snapshot()
        assert s.room_cpu.tolist() == (s.alloc_cpu - s.online_cpu).tolist()
        assert s.room_mem.tolist() == (s.alloc_mem - s.online_mem - s.batch_mem).tolist()
        assert s.batch_room_cpu.tolist() == (s.batch_cap_cpu - s.batch_cpu).tolist()
        assert s.batch_room_mem.tolist() == (s.batch_cap_mem - s.batch_mem).tolist()
        shared = s.core_millis - 1000.0 * s.excl_cores - s.shared_cpu
        assert s.shared_room.tolist() == shared.tolist()
        assert s.usable.tolist() == (s.present & s.ready & ~s.cordoned).tolist()


def test_snapshot_arrays_are_read_only() -> None:
    snap = cache_of(node("n1")).snapshot()
    with pytest.raises(ValueError):
        snap.online_cpu[0] = 1


def test_allocation_record_confirms_and_releases() -> None:
    cache = cache_of(node("n1"))
    cache.assume(pod("a/p", cpu=1000), "n1")
    cache.assume(pod("a/q", cpu=500), "n1")
    cache.apply_allocation("n1", [pod("a/p", cpu=1000)])
    cache.forget("a/p")  # confirmed: forget does nothing
    assert cache.placed("a/p")[0] == "n1"
    assert cache.snapshot().online_cpu[0] == 1500  # a/q still in flight
    cache.apply_allocation("n1", [pod("a/q", cpu=500)])  # a/p released
    assert cache.snapshot().online_cpu[0] == 500


def test_batch_and_exclusive_cores_are_accounted_apart() -> None:
    cache = cache_of(node("n1"))
    cache.assume(pod("a/b", cpu=3000, qos=4), "n1")
    cache.assume(pod("a/e", cpu=2000, qos=1), "n1")
    snap = cache.snapshot()
    assert (snap.batch_cpu[0], snap.online_cpu[0], snap.excl_cores[0]) == (3000, 2000, 2)


def test_app_replicas_and_topology_domains() -> None:
    cache = cache_of(
        node("n1", topology=("n1", "c1", "s1")),
        node("n2", topology=("n2", "c1", "s1")),
        node("n3", topology=("n3", "c2", "s2")),
    )
    cache.assume(PodInfo("a/r0", app="a/web"), "n1")
    cache.assume(PodInfo("a/r1", app="a/web"), "n3")
    snap = cache.snapshot()
    assert sorted(snap.app_nodes("a/web").tolist()) == [0, 2]
    assert snap.domains == (3, 2, 2)
    assert snap.domain(1).tolist() == [0, 0, 1]
    cache.remove_pod("a/r0")
    assert snap.app_nodes("a/web").tolist() != cache.snapshot().app_nodes("a/web").tolist()


def test_node_removal_releases_its_pods_and_labels_grow_with_nodes() -> None:
    cache = cache_of(node("n1", labels=(("zone", "a"),)))
    cache.assume(pod("a/p"), "n1")
    cache.upsert_node(node("n2", labels=(("zone", "a"),)))
    assert cache.snapshot().label_mask("zone", "a").tolist() == [True, True]
    cache.remove_node("n1")
    snap = cache.snapshot()
    assert cache.placed("a/p") is None
    assert snap.present.tolist() == [False, True]
    assert np.array_equal(snap.label_mask("zone", "a"), [False, True])


def test_many_nodes_grow_the_table() -> None:
    cache = cache_of(*(node(f"n{i}") for i in range(200)))
    snap = cache.snapshot()
    assert snap.n == 200 and snap.alloc_cpu.sum() == 200 * 8000


def test_pod_table_compaction_keeps_rows_and_keys_consistent() -> None:
    cache = cache_of(node("n1", cpu=10**9, mem=10**15), node("n2", cpu=10**9, mem=10**15))
    old = cache.snapshot()
    cache.assume(pod("a/keep", priority=7), "n2")
    for i in range(10_000):
        cache.assume(pod(f"a/p{i}"), "n1")
        cache.remove_pod(f"a/p{i}")
    snap = cache.snapshot()
    live = np.flatnonzero(snap.pods["live"])
    assert [snap.pod_keys[r] for r in live] == ["a/keep"]
    assert snap.pods["priority"][live].tolist() == [7]
    assert len(snap.pods["live"]) < 5000  # dead rows were squeezed out
    assert old.pods["live"].sum() == 0 and snap.online_cpu.tolist() == [0, 1000]
