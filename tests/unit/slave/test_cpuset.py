import pytest

from sigma.errors import Invalid, ResourceExhausted
from sigma.resources.cpusets import format_cpuset, parse_cpuset
from sigma.slave.cpuset import CpuAllocator, whole_cpus


@pytest.mark.parametrize(
    ("text", "cpus"),
    [
        ("", set()),
        ("0", {0}),
        ("0-3,8", {0, 1, 2, 3, 8}),
        ("8,0-1", {0, 1, 8}),
        (" 2 , 4-5 ", {2, 4, 5}),
    ],
)
def test_parse(text: str, cpus: set[int]) -> None:
    assert parse_cpuset(text) == cpus


@pytest.mark.parametrize("text", ["a", "3-1", "-1", "1-", "0-2-4"])
def test_parse_rejects_bad_lists(text: str) -> None:
    with pytest.raises(Invalid, match="cpuset"):
        parse_cpuset(text)


@pytest.mark.parametrize(
    ("cpus", "text"),
    [(set(), ""), ({5}, "5"), ({0, 1, 2, 3, 8}, "0-3,8"), ({1, 3, 4, 5, 7}, "1,3-5,7")],
)
def test_format_round_trips(cpus: set[int], text: str) -> None:
    assert format_cpuset(cpus) == text
    assert parse_cpuset(text) == cpus


@pytest.mark.parametrize(("millis", "need"), [(0, 1), (1, 1), (1000, 1), (1001, 2), (3500, 4)])
def test_whole_cpus(millis: int, need: int) -> None:
    assert whole_cpus(millis) == need


def test_lse_is_exclusive_and_batch_never_gets_it() -> None:
    alloc = CpuAllocator(8)
    lse = alloc.allocate("ns/lse", exclusive=True, cpu_millis=2000)
    assert lse == {6, 7}
    lsr = alloc.allocate("ns/lsr", exclusive=False, cpu_millis=1500)
    assert lsr == {4, 5}
    assert alloc.shared_pool() == {0, 1, 2, 3}
    assert alloc.batch_pool() == {0, 1, 2, 3, 4, 5}  # reserved lent to batch, LSE never
    assert not alloc.batch_pool() & lse


def test_allocate_is_idempotent_and_release_returns_cpus() -> None:
    alloc = CpuAllocator(4)
    first = alloc.allocate("ns/a", exclusive=True, cpu_millis=1000)
    assert alloc.allocate("ns/a", exclusive=True, cpu_millis=1000) == first
    alloc.release("ns/a")
    assert alloc.shared_pool() == {0, 1, 2, 3}
    assert alloc.owned("ns/a") is None


def test_shared_pool_keeps_its_minimum() -> None:
    alloc = CpuAllocator(4, min_shared=1)
    alloc.allocate("ns/a", exclusive=True, cpu_millis=3000)
    with pytest.raises(ResourceExhausted, match="ns/b"):
        alloc.allocate("ns/b", exclusive=True, cpu_millis=1000)
    assert alloc.shared_pool() == {0}


def test_adopt_restores_a_previous_allocation() -> None:
    alloc = CpuAllocator(4)
    alloc.adopt("ns/a", exclusive=True, cpus=frozenset({1}))
    assert alloc.shared_pool() == {0, 2, 3}
    assert alloc.allocate("ns/b", exclusive=True, cpu_millis=1000) == {3}
