import pytest

from sigma.resources.allocation import release
from sigma.resources.cpusets import format_cpuset, parse_cpuset
from sigma.scheduler.allocation import admit
from sigma.v1 import node_pb2
from tests.unit.scheduler._cluster import GiB, node, pod


@pytest.mark.parametrize(("text", "cpus"), [("", set()), ("0-3,8", {0, 1, 2, 3, 8}), ("5", {5})])
def test_cpuset_round_trip(text: str, cpus: set[int]) -> None:
    assert parse_cpuset(text) == cpus
    assert format_cpuset(cpus) == text


def test_admit_sums_and_cuts_exclusive_cpus() -> None:
    n = node("n1", cpu=8000)
    rec = node_pb2.NodeAllocation(node_name="n1")
    result = admit(rec, n, [pod("a/e", cpu=2000, qos=1), pod("a/b", cpu=1000, mem=GiB, qos=4)])
    assert not isinstance(result, str)
    rec, cpusets = result
    assert cpusets == {"a/e": "0-1"}
    assert rec.online_requested.cpu_millis == 2000 and rec.batch_requested.cpu_millis == 1000
    rec2, cpusets = admit(rec, n, [pod("a/f", cpu=3000, qos=1)])  # type: ignore[misc]
    assert cpusets == {"a/f": "2-4"} and rec2.exclusive_cpu_count == 5
    assert release(rec2, {"a/e"}).exclusive_cpus == "2-4"


def test_admit_refuses_over_capacity_and_double_placement() -> None:
    n = node("n1", cpu=4000, mem=8 * GiB)
    rec, _ = admit(node_pb2.NodeAllocation(), n, [pod("a/p", cpu=3000)])  # type: ignore[misc]
    assert "online cpu" in admit(rec, n, [pod("a/q", cpu=2000)])  # type: ignore[operator]
    assert "already placed" in admit(rec, n, [pod("a/p", cpu=1)])  # type: ignore[operator]
    full_mem, _ = admit(rec, n, [pod("b/x", cpu=1, mem=4 * GiB, qos=4)])  # type: ignore[misc]
    assert "memory" in admit(full_mem, n, [pod("a/m", cpu=1, mem=4 * GiB)])  # type: ignore[operator]
    evicted = admit(full_mem, n, [pod("a/m", cpu=1, mem=4 * GiB)], {"b/x"})
    assert not isinstance(evicted, str)
