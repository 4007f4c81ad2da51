"""Each strategy as a table: a node view in, the exact actions out."""

from __future__ import annotations

import pytest

from sigma.slave.qos.model import Action, ActionKind, QosPolicy
from sigma.slave.qos.strategies import STRATEGIES, cpu_evict, cpu_suppress, emergency, memory_evict

from ._views import GIB, LS, pod, sample, view

POLICY = QosPolicy(suppress_threshold=0.65, cpu_evict_after=5.0, thaw_after=1.0)
ALL8 = frozenset(range(8))


def test_registry_holds_every_strategy_once() -> None:
    assert list(STRATEGIES) == ["emergency", "cpu_suppress", "cpu_evict", "memory_evict"]


@pytest.mark.parametrize(
    ("case", "node", "want"),
    [
        # capacity 8000m x 0.65 = 5200m; room = 5200 - non-batch usage.
        (
            "idle node: batch gets the threshold's share, 5 of 8",
            view(sample(online=200, batch=1000)),
            [(frozenset({3, 4, 5, 6, 7}), 5000, "UsageRose")],
        ),
        (
            "online rises to 3000m: room 2200 → 3 CPUs",
            view(sample(online=3000, batch=1000)),
            [(frozenset({5, 6, 7}), 2200, "UsageRose")],
        ),
        (
            "online takes everything: floor of 1 CPU and 100m",
            view(sample(online=7000, batch=500)),
            [(frozenset({7}), 100, "UsageRose")],
        ),
        (
            "system usage counts against batch too",
            view(sample(online=1000, system=2000, batch=0)),
            [(frozenset({5, 6, 7}), 2200, "UsageRose")],
        ),
        (
            "online falls again: batch grows back, keeping the margin",
            view(sample(online=1000), batch_cpus=frozenset({7}), quota=100),
            [(frozenset({4, 5, 6, 7}), 4000, "UsageFell")],
        ),
        (
            "room just past a CPU boundary: no growth within the margin",
            view(sample(online=4100), batch_cpus=frozenset({7}), quota=1000),
            [],
        ),
        (
            "reserved CPUs are lent last",
            view(sample(online=3000), reserved=frozenset({6, 7})),
            [(frozenset({3, 4, 5}), 2200, "UsageRose")],
        ),
        (
            "steady: same set, quota within a step → nothing",
            view(sample(online=3000), batch_cpus=frozenset({5, 6, 7}), quota=2150),
            [],
        ),
        ("no batch pods: nothing to squeeze", view(sample(online=7000), pods=(pod("a", LS),)), []),
    ],
)
def test_cpu_suppress(case: str, node: object, want: list[tuple[frozenset[int], int, str]]) -> None:
    got = cpu_suppress.decide(node, POLICY)  # type: ignore[arg-type]
    assert [(a.cpus, a.quota_millis, a.reason) for a in got] == want, case
    assert all(a.kind is ActionKind.SUPPRESS and a.target == "" for a in got)


def test_cpu_suppress_never_hands_batch_an_lse_cpu() -> None:
    pool = frozenset(range(6))  # CPUs 6 and 7 are exclusive to an LSE pod
    roomy = QosPolicy(suppress_threshold=0.9)  # room 7200m: more than the whole pool
    got = cpu_suppress.decide(view(sample(online=0), pool=pool, batch_cpus=frozenset({5})), roomy)
    assert got and got[0].cpus == pool


STARVED = dict(pressure=80.0)
CALM = dict(pressure=1.0)


@pytest.mark.parametrize(
    ("case", "samples", "pods", "want"),
    [
        (
            "node PSI above threshold freezes batch",
            [sample(**STARVED)],
            None,
            [("Freeze", "ns/be")],
        ),
        ("calm node: nothing", [sample(**CALM)], None, []),
        (
            "online pod's own PSI wins over the node's",
            [sample(pressure=90.0, online_pressure=5.0)],
            None,
            [],
        ),
        ("no PSI: run queue fallback", [sample(runnable=4.0)], None, [("Freeze", "ns/be")]),
        (
            "already frozen: no repeat",
            [sample(**STARVED)],
            (pod("ns/ls", LS), pod("ns/be", frozen=True)),
            [],
        ),
        ("no online pod: nobody to protect", [sample(**STARVED)], (pod("ns/be"),), []),
        (
            "calm for thaw_after: thaw",
            [sample(8.5, **STARVED), sample(9.0, **CALM), sample(10.0, **CALM)],
            (pod("ns/ls", LS), pod("ns/be", frozen=True)),
            [("Thaw", "ns/be")],
        ),
        (
            "calm for less than thaw_after: stay frozen",
            [sample(8.0, **CALM), sample(9.5, **STARVED), sample(10.0, **CALM)],
            (pod("ns/ls", LS), pod("ns/be", frozen=True)),
            [],
        ),
    ],
)
def test_emergency(case: str, samples: list, pods: tuple | None, want: list) -> None:
    node = view(*samples) if pods is None else view(*samples, pods=pods)
    got = emergency.decide(node, POLICY)
    assert [(str(a.kind), a.target) for a in got] == want, case
    assert all(a.reason in ("OnlineStarved", "PressureGone") for a in got)


def _squeezed(at: float) -> object:
    return sample(at, online=7000, batch=300)


BATCH3 = (
    pod("ns/ls", LS, cpu_millis=7000),
    pod("ns/be-hi", priority=10, cpu_millis=900),
    pod("ns/be-small", priority=1, cpu_millis=100),
    pod("ns/be-big", priority=1, cpu_millis=800),
)


@pytest.mark.parametrize(
    ("case", "samples", "last_evict", "want"),
    [
        (
            "squeezed for the whole window: evict",
            [_squeezed(t) for t in (4, 7, 10)],
            None,
            ["ns/be-big"],
        ),
        ("window not yet covered", [_squeezed(t) for t in (6, 8, 10)], None, []),
        (
            "one calm sample breaks it",
            [_squeezed(4), sample(7, online=100), _squeezed(10)],
            None,
            [],
        ),
        ("evicted within the window: wait", [_squeezed(t) for t in (4, 7, 10)], 6.0, []),
        (
            "evicted before the window: next one",
            [_squeezed(t) for t in (4, 7, 10)],
            4.5,
            ["ns/be-big"],
        ),
    ],
)
def test_cpu_evict(case: str, samples: list, last_evict: float | None, want: list[str]) -> None:
    got = cpu_evict.decide(view(*samples, pods=BATCH3, last_evict_at=last_evict), POLICY)
    assert [a.target for a in got] == want, case
    assert all(a.kind is ActionKind.EVICT and a.reason == "OnlineStarved" for a in got)


def test_cpu_evict_counts_starvation_as_pressure() -> None:
    samples = [sample(t, online=500, pressure=90.0) for t in (4, 7, 10)]
    assert [a.target for a in cpu_evict.decide(view(*samples, pods=BATCH3), POLICY)] == [
        "ns/be-big"
    ]


MEM = (
    pod("ns/ls", LS, memory_bytes=6 * GIB),
    pod("ns/be-hi", priority=10, memory_bytes=4 * GIB),
    pod("ns/be-a", priority=1, memory_bytes=1 * GIB),
    pod("ns/be-b", priority=1, memory_bytes=3 * GIB),
)


@pytest.mark.parametrize(
    ("case", "used", "pods", "want"),
    [
        ("below 90% of 16 GiB: nothing", 14 * GIB, MEM, []),
        (
            "over by 1 GiB: largest low-priority goes",
            15 * GIB + GIB // 2,
            MEM,
            [("ns/be-b", "MemoryPressure")],
        ),
        (
            "over by 4.6 GiB: low priority first, then higher",
            19 * GIB,
            MEM,
            [
                ("ns/be-b", "MemoryPressure"),
                ("ns/be-a", "MemoryPressure"),
                ("ns/be-hi", "MemoryPressure"),
            ],
        ),
        (
            "a pod over its own limit goes whatever its class",
            8 * GIB,
            (pod("ns/ls", LS, memory_bytes=3 * GIB, memory_limit_bytes=2 * GIB),),
            [("ns/ls", "MemoryLimitExceeded")],
        ),
        (
            "online is never evicted for node pressure",
            18 * GIB,
            (pod("ns/ls", LS, memory_bytes=GIB),),
            [],
        ),
    ],
)
def test_memory_evict(case: str, used: int, pods: tuple, want: list) -> None:
    got = memory_evict.decide(view(sample(memory=used), pods=pods), POLICY)
    assert [(a.target, a.reason) for a in got] == want, case


def test_actions_are_values() -> None:
    a = Action(ActionKind.EVICT, "ns/x", "OnlineStarved")
    assert a == Action(ActionKind.EVICT, "ns/x", "OnlineStarved")
