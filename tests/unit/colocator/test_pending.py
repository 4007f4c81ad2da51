"""The pending trigger as tables: where evicting batch makes room for a pending online pod."""

from __future__ import annotations

import numpy as np
import pytest

from sigma.colocator.arbitration.pending import admits, unschedulable
from sigma.colocator.arbitration.victims import BatchPod, NodeRoom, Rooms, plan_pending
from sigma.colocator.capacity.formula import Res
from sigma.colocator.wire import requests_of
from sigma.v1 import meta_pb2, node_pb2, pod_pb2

NOW = 10_000.0
ALLOC = Res(10_000, 100)


def be(key: str, prio: int, cpu: int, mem: int = 0, age: float = 60) -> BatchPod:
    return BatchPod(key, prio, NOW - age, Res(cpu, mem))


def room(name: str, online: int, *batch: BatchPod) -> NodeRoom:
    return NodeRoom(name, ALLOC, Res(online, 0), batch)


# each node: 10000m allocatable; the pending pod asks 3000m
FULL_TWO = room("a", 4000, be("a/low", 0, 2000), be("a/mid", 1, 2000), be("a/high", 5, 1500))
FULL_ONE = room("b", 4000, be("b/big", 3, 5500))
ONLINE_ONLY = room("c", 9000)
FREE = room("d", 2000, be("d/x", 0, 1000))
LOW_PRIO_ONE = room("e", 4000, be("e/one", 0, 5500))


@pytest.mark.parametrize(
    ("nodes", "want"),
    [
        ([], None),
        # batch uses 5500 of the 6000 online leaves: 2500 short; lowest priority first
        ([FULL_TWO], ("a", Res(2500, 0), ["a/low", "a/mid"])),
        # one victim beats two, even of higher priority
        ([FULL_TWO, FULL_ONE], ("b", Res(2500, 0), ["b/big"])),
        # equal count: the lower top priority wins
        ([FULL_ONE, LOW_PRIO_ONE], ("e", Res(2500, 0), ["e/one"])),
        # online alone fills the node: no batch to take, no plan
        ([ONLINE_ONLY], None),
        # the pod fits somewhere by measured usage: the scheduler's work, nobody is evicted
        ([FULL_TWO, FREE], None),
    ],
)
def test_plan_pending(nodes: list[NodeRoom], want: tuple[str, Res, list[str]] | None) -> None:
    plan = plan_pending(Res(3000, 0), nodes, NOW)
    got = (plan.node, plan.need, [v.key for v in plan.victims]) if plan else None
    assert got == want


def test_batch_that_cannot_cover_the_need_is_left_alone() -> None:
    short = room("s", 8000, be("s/a", 0, 1000), be("s/b", 0, 1000))  # 2000 free at best
    assert plan_pending(Res(3000, 0), [short], NOW) is None


def test_online_pods_are_never_victims() -> None:
    online = BatchPod("o/web", -10, NOW - 5, Res(5000, 0), batch=False)
    node = NodeRoom("o", ALLOC, Res(4000, 0), (online, be("o/batch", 9, 1500)))
    # the online pod's usage counts, but only batch can be taken: 1500 is not 2500 short
    assert plan_pending(Res(3000, 0), [node], NOW) is None


def _pod(qos: int, node: str = "", cond: str = "Unschedulable", cpu: int = 3000) -> pod_pb2.Pod:
    pod = pod_pb2.Pod(meta=meta_pb2.ObjectMeta(namespace="ns", name="p"))
    pod.spec.qos_class = qos  # type: ignore[assignment]
    pod.spec.node_name = node
    for name, c in (("main", cpu), ("side", 500)):
        container = pod.spec.template.containers.add(name=name)
        container.resources.requests.cpu_millis = c
        container.resources.requests.memory_bytes = 1
    if cond:
        pod.status.conditions.add(
            type="PodScheduled", status=meta_pb2.CONDITION_STATUS_FALSE, reason=cond
        )
    return pod


@pytest.mark.parametrize(
    ("pod", "want"),
    [
        (_pod(meta_pb2.QOS_CLASS_LS), True),
        (_pod(meta_pb2.QOS_CLASS_LSE), True),
        (_pod(meta_pb2.QOS_CLASS_BE), False),  # batch never evicts batch through here
        (_pod(meta_pb2.QOS_CLASS_LS, node="n1"), False),  # placed meanwhile
        (_pod(meta_pb2.QOS_CLASS_LS, cond=""), False),  # not yet tried by the scheduler
        (_pod(meta_pb2.QOS_CLASS_LS, cond="SchedulerError"), False),
    ],
)
def test_unschedulable(pod: pod_pb2.Pod, want: bool) -> None:
    assert unschedulable(pod) is want


def test_requests_sum_containers() -> None:
    assert requests_of(_pod(meta_pb2.QOS_CLASS_LS)) == Res(3500, 2)


def _node(**labels: str) -> node_pb2.Node:
    node = node_pb2.Node(meta=meta_pb2.ObjectMeta(name="n", labels=labels))
    node.status.phase = node_pb2.NODE_PHASE_READY
    return node


def test_admits_only_nodes_the_pod_could_go_to() -> None:
    pod = _pod(meta_pb2.QOS_CLASS_LS)
    pod.spec.template.node_selector["zone"] = "z1"
    assert admits(_node(zone="z1"), pod)
    assert not admits(_node(zone="z2"), pod)
    cordoned = _node(zone="z1")
    cordoned.spec.unschedulable = True
    assert not admits(cordoned, pod)
    tainted = _node(zone="z1")
    tainted.spec.taints.add(key="dedicated", value="gpu", effect=meta_pb2.TAINT_EFFECT_NO_SCHEDULE)
    assert not admits(tainted, pod)
    pod.spec.template.tolerations.add(key="dedicated", value="cpu")  # the scheduler's rule:
    assert not admits(tainted, pod)  # EQUAL needs the value too
    pod.spec.template.tolerations.add(key="dedicated", operator=meta_pb2.TOLERATION_OPERATOR_EXISTS)
    assert admits(tainted, pod)
    preferred = _node(zone="z1")  # a soft taint never rules a node out
    preferred.spec.taints.add(key="x", effect=meta_pb2.TAINT_EFFECT_PREFER_NO_SCHEDULE)
    plain = _pod(meta_pb2.QOS_CLASS_LS)
    assert admits(preferred, plain)
    not_ready = _node(zone="z1")
    not_ready.status.phase = node_pb2.NODE_PHASE_NOT_READY
    assert not admits(not_ready, pod)


def test_victims_chosen_for_one_pod_are_not_counted_for_the_next() -> None:
    rooms = Rooms([room("n1", 4000, be("n1/a", 0, 3000), be("n1/b", 1, 3000))])
    first = rooms.plan(Res(3000, 0), NOW)
    assert first is not None and [v.key for v in first.victims] == ["n1/a"]
    rooms.take(first)
    assert [b.key for b in rooms.rooms[0].batch] == ["n1/b"]
    # n1/a counts as gone: 4000 online + 3000 of n1/b leave 3000, so the next pod fits
    assert rooms.plan(Res(3000, 0), NOW) is None
    second = rooms.plan(Res(4000, 0), NOW)  # 1000 short: n1/b is the one left to take
    assert second is not None and [v.key for v in second.victims] == ["n1/b"]


def test_rooms_plan_only_over_the_nodes_allowed() -> None:
    rooms = Rooms([FULL_ONE, LOW_PRIO_ONE, FREE])
    everywhere = rooms.plan(Res(3000, 0), NOW)
    assert everywhere is None  # FREE fits it by measured usage
    only_full = rooms.plan(Res(3000, 0), NOW, np.array([True, True, False]))
    assert only_full is not None and only_full.node == "e"  # the lower top priority
    assert rooms.plan(Res(3000, 0), NOW, np.array([False, False, False])) is None
