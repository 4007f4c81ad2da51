"""The bounded ledger, the sample history and the utilisation shares."""

from __future__ import annotations

import pytest

from sigma.colocator.capacity.formula import Res, Sample, Thresholds, compute
from sigma.colocator.capacity.ledger import Change, History, Ledger
from sigma.colocator.capacity.utilization import interval, series

TH = Thresholds(0.6, 0.65)


def change(node: str, at: float, cpu: int) -> Change:
    terms = compute(Res(10_000, 100), TH, Res(6000 - cpu, 0), Res(), Res())
    return Change(node, at, terms, Res(), "UsageRose")


def test_ledger_is_bounded_per_node_and_newest_first() -> None:
    ledger = Ledger(limit=3)
    for t in range(5):
        ledger.record(change("n1", t, 100 * t))
    ledger.record(change("n2", 9, 1))
    assert [c.at for c in ledger.explain("n1")] == [4, 3, 2]
    assert [c.at for c in ledger.explain("n1", since=3)] == [4, 3]
    assert [c.at for c in ledger.explain("n1", limit=1)] == [4]
    assert ledger.latest("n1").terms.result.cpu == 400  # type: ignore[union-attr]
    assert ledger.explain("nope") == [] and sorted(ledger.nodes()) == ["n1", "n2"]


def sample(at: float, online: int, batch: int, system: int, cap: int = 1000) -> Sample:
    return Sample(at, Res(cap, cap), Res(online, online), Res(batch, batch), Res(system, system))


def test_history_keeps_a_window_and_drops_redeliveries() -> None:
    h = History(keep=100)
    assert h.add("n", sample(10, 1, 0, 0))
    assert not h.add("n", sample(10, 2, 0, 0))  # same sample again
    assert not h.add("n", sample(5, 2, 0, 0))  # older
    for t in (50, 100, 115):
        h.add("n", sample(t, 1, 0, 0))
    assert [s.at for s in h.samples("n")] == [50, 100, 115]


def test_utilisation_weights_nodes_by_capacity() -> None:
    history = {
        "big": [sample(0, 300, 300, 100, cap=3000), sample(10, 300, 300, 100, cap=3000)],
        "small": [sample(5, 500, 0, 0, cap=1000)],
        "late": [sample(100, 1000, 0, 0)],  # outside the window
    }
    got = interval(history, 0, 20)
    assert got.nodes == 2 and got.capacity == Res(4000, 4000)
    assert got.cpu.online == pytest.approx(0.2)  # (300 + 500) / 4000
    assert got.cpu.batch == pytest.approx(0.075) and got.cpu.system == pytest.approx(0.025)
    assert got.cpu.idle == pytest.approx(0.7)
    assert [(i.start, i.end, i.nodes) for i in series(history, 0, 25, 10)] == [
        (0, 10, 2),
        (10, 20, 1),
        (20, 25, 0),
    ]
