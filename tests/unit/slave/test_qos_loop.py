"""The executor (apply, record, publish every action) and the manager's tick over fakes."""

from __future__ import annotations

from sigma.errors import NotFound, Unavailable
from sigma.slave.qos.executor import Executor
from sigma.slave.qos.manager import Observation, QosManager, decide
from sigma.slave.qos.model import Action, ActionKind, QosPolicy
from sigma.slave.qos.strategies import STRATEGIES
from sigma.testing.clock import ManualClock
from sigma.v1 import event_pb2

from ._views import BE, LS, pod, sample, view


class FakeHost:
    def __init__(self, fail_on: str = "") -> None:
        self.calls: list[tuple] = []
        self.fail_on = fail_on

    async def set_batch_cpus(self, cpus: frozenset[int], quota_millis: int) -> None:
        self.calls.append(("cpus", cpus, quota_millis))

    async def freeze(self, pod_key: str) -> None:
        self.calls.append(("freeze", pod_key))

    async def thaw(self, pod_key: str) -> None:
        self.calls.append(("thaw", pod_key))

    async def evict(self, pod_key: str, reason: str, message: str) -> None:
        if pod_key == self.fail_on:
            raise NotFound(f"{pod_key} gone")
        self.calls.append(("evict", pod_key, reason))


async def test_executor_applies_records_and_publishes_with_reason() -> None:
    host, published = FakeHost(fail_on="ns/gone"), []

    async def publish(d: event_pb2.ColocationDecision) -> None:
        published.append(d)

    ex = Executor("n1", host, publish, wall=lambda: 1700000000.5)
    records = await ex.apply(
        [
            Action(
                ActionKind.SUPPRESS,
                "",
                "UsageRose",
                "room",
                cpus=frozenset({6, 7}),
                quota_millis=900,
            ),
            Action(ActionKind.EVICT, "ns/be", "OnlineStarved", "lasted"),
            Action(ActionKind.EVICT, "ns/gone", "OnlineStarved"),
        ]
    )
    assert host.calls == [("cpus", frozenset({6, 7}), 900), ("evict", "ns/be", "OnlineStarved")]
    assert [r.error for r in records] == ["", "", "ns/gone gone"]
    assert len(ex.journal) == 3
    kinds = [(d.kind, d.target, d.reason, d.source) for d in published]
    assert kinds == [
        (event_pb2.COLOCATION_DECISION_KIND_SUPPRESS, "n1", "UsageRose", "slave/n1"),
        (event_pb2.COLOCATION_DECISION_KIND_EVICT, "ns/be", "OnlineStarved", "slave/n1"),
        (event_pb2.COLOCATION_DECISION_KIND_EVICT, "ns/gone", "OnlineStarved", "slave/n1"),
    ]
    assert published[0].message.startswith("cpus 6-7")
    assert "failed: ns/gone gone" in published[2].message
    assert published[0].at.seconds == 1700000000 and len({d.id for d in published}) == 3


async def test_a_failing_bus_does_not_undo_the_action() -> None:
    host = FakeHost()

    async def publish(d: event_pb2.ColocationDecision) -> None:
        raise Unavailable("bus down")

    await Executor("n1", host, publish).apply([Action(ActionKind.FREEZE, "ns/be", "OnlineStarved")])
    assert host.calls == [("freeze", "ns/be")]


def test_decide_drops_other_actions_on_a_pod_being_evicted() -> None:
    node = view(
        *[sample(t, online=7000, pressure=90.0) for t in (4, 7, 10)],
        pods=(pod("ns/ls", LS), pod("ns/be", BE)),
    )
    got = decide(node, QosPolicy(cpu_evict_after=5.0), STRATEGIES)
    assert [(a.kind, a.target) for a in got] == [
        (ActionKind.SUPPRESS, ""),
        (ActionKind.EVICT, "ns/be"),
    ]


async def test_manager_squeezes_then_evicts_after_the_window() -> None:
    clock, host = ManualClock(100.0), FakeHost()
    state: dict = {"online": 200, "cpus": frozenset(range(4)), "quota": 4000}

    async def observe() -> Observation:
        s = sample(clock.now(), online=state["online"], batch=300)
        pods = (pod("ns/ls", LS), pod("ns/be", BE, cpu_millis=300))
        return Observation(s, pods, frozenset(range(4)), frozenset(), state["cpus"], state["quota"])

    mgr = QosManager(
        "n1",
        4,
        8 << 30,
        observe,
        Executor("n1", host),
        clock,
        policy=QosPolicy(suppress_threshold=0.9, cpu_evict_after=2.0),
        interval=0.5,
    )
    await mgr.tick()  # idle: room 3600 - 200 = 3400m, all four CPUs
    assert host.calls == [("cpus", frozenset(range(4)), 3400)]
    host.calls.clear()
    state["quota"] = 3400
    state["online"] = 3900  # online turns busy
    for _ in range(4):
        clock.advance(0.5)
        await mgr.tick()
        state["cpus"], state["quota"] = frozenset({3}), 100
    assert host.calls == [("cpus", frozenset({3}), 100)]  # once: later ticks see it applied
    assert ("evict", "ns/be", "OnlineStarved") not in host.calls  # only 1.5 s of pressure
    clock.advance(0.5)
    await mgr.tick()
    assert host.calls[-1] == ("evict", "ns/be", "OnlineStarved")
    assert mgr.last_evict_at == clock.now() and mgr.under_pressure


async def test_suppress_decisions_are_coalesced_per_report_interval() -> None:
    clock, host, published = ManualClock(0.0), FakeHost(), []

    async def publish(d: event_pb2.ColocationDecision) -> None:
        published.append(d)

    ex = Executor("n1", host, publish, clock=clock, suppress_report_interval=5.0)

    def squeeze(quota: int) -> Action:
        return Action(
            ActionKind.SUPPRESS, "", "UsageRose", "", cpus=frozenset({3}), quota_millis=quota
        )

    await ex.apply([squeeze(900)])  # the first is reported at once
    for quota in (800, 700, 600):
        clock.advance(1.0)
        await ex.apply([squeeze(quota)])
    await ex.apply([Action(ActionKind.FREEZE, "ns/be", "OnlineStarved")])  # never held back
    assert [d.kind for d in published] == [
        event_pb2.COLOCATION_DECISION_KIND_SUPPRESS,
        event_pb2.COLOCATION_DECISION_KIND_SUPPRESS,  # the freeze (FREEZE maps to SUPPRESS)
    ]
    assert published[1].target == "ns/be" and published[1].message == "Freeze"
    assert [c[2] for c in host.calls if c[0] == "cpus"] == [900, 800, 700, 600]  # all applied
    clock.advance(1.9)
    await ex.flush()
    assert len(published) == 2  # 4.9 s since the last report
    clock.advance(0.1)
    await ex.flush()
    assert len(published) == 3
    assert published[2].message.endswith("(latest of 3 adjustments)")
    assert "cpus 3" in published[2].message
    await ex.flush()
    assert len(published) == 3  # nothing held any more
