"""The planner: its moves on hand-made cases, and whole plans judged by the checker."""

import time
from pathlib import Path

import numpy as np
import pytest

from sigma.cli.place import baseline, synth
from sigma.cli.place.check import check
from sigma.cli.place.command import plan
from sigma.cli.place.initial import first_placement, framework
from sigma.cli.place.migrate import plan_moves
from sigma.cli.place.problem import load
from sigma.cli.place.search import Search
from sigma.cli.place.state import PlanState
from tests.unit.place import _cases as cases

TWO = {"m1": (10, 10, 100, 1, 1, 1), "m2": (10, 10, 100, 1, 1, 1)}


def planned(tmp_path: Path, apps: dict, instances: list[str], rules: list, on: list[int]):  # type: ignore[no-untyped-def]
    p = cases.problem(tmp_path, TWO, apps, instances, rules)
    state = PlanState(p)
    for i, m in enumerate(on):
        state.place(i, m)
    return p, state, Search(state, framework(10.0, 0.5))


def test_emptying_a_machine_saves_its_cost(tmp_path: Path) -> None:
    apps = {"x": ([2.0] * 98, 1, 10, 0, 0, 0)}
    p, state, search = planned(tmp_path, apps, ["x", "x"], [], [0, 1])
    assert state.cost() == pytest.approx(2.0)
    assert search.empty(1)
    assert state.assign.tolist() == [0, 0] and state.cost() == pytest.approx(1.0)
    assert check(p, state.assign).cost == pytest.approx(state.cost())


def test_emptying_that_would_break_a_rule_puts_everything_back(tmp_path: Path) -> None:
    apps = {"x": ([2.0] * 98, 1, 10, 0, 0, 0)}
    # <x, x, 1>: at most two x on a machine. m1 holds one, m2 two.
    _, state, search = planned(tmp_path, apps, ["x", "x", "x"], [("x", "x", 1)], [0, 1, 1])
    before = state.cpu.used.copy()
    assert not search.empty(0)  # a third x on m2
    assert not search.empty(1)  # the first x moves to m1, the second cannot: both go back
    assert state.assign.tolist() == [0, 1, 1]
    assert np.array_equal(state.cpu.used, before)


def test_cooling_moves_an_instance_off_a_machine_above_beta(tmp_path: Path) -> None:
    apps = {"x": ([4.0] * 98, 1, 10, 0, 0, 0), "y": ([4.0] * 98, 1, 10, 0, 0, 0)}
    p, state, search = planned(tmp_path, apps, ["x", "y"], [], [0, 0])
    # m1 at 8 of 10: 1 + 10 (e^0.3 - 1) = 4.4986; split, two machines at 0.4 cost 2.
    assert state.cost() == pytest.approx(1 + 10 * (np.exp(0.3) - 1))
    assert search.cool(0) == 1
    assert state.cost() == pytest.approx(2.0)
    assert check(p, state.assign).valid


def test_a_plan_of_a_synthetic_set_is_valid_and_the_search_only_lowers_the_cost(
    tmp_path: Path,
) -> None:
    p = load(*synth.write(synth.generate(synth.Shape(seed=3).scaled(0.01)), tmp_path).values())
    state = PlanState(p)
    fw = framework(10.0, 0.5)
    assert first_placement(state, fw) == []
    first = check(p, state.assign)
    assert first.valid and first.cost == pytest.approx(state.cost())
    Search(state, fw).run(time.monotonic() + 30)
    final = check(p, state.assign)
    assert final.valid
    assert final.cost == pytest.approx(state.cost())
    assert final.cost < first.cost
    # The planner beats first-fit on the same set, and the default profile breaks rules.
    ff = PlanState(p)
    assert baseline.first_fit(ff, fw) == []
    assert check(p, ff.assign).valid and final.cost < check(p, ff.assign).cost
    assert plan(p, 10.0, 0.5, 0.0)["first_cost"] == pytest.approx(first.cost, abs=1e-3)


def _lines_about(p, assign: np.ndarray, m: int) -> set[str]:  # type: ignore[no-untyped-def]
    said = check(p, assign, limit=10**9).violations
    return {line for line in said if line.startswith(f"machine {p.machine_ids[m]}:")}


def test_the_migration_reaches_the_plan_and_no_move_breaks_its_target(tmp_path: Path) -> None:
    p = load(*synth.write(synth.generate(synth.Shape(seed=2).scaled(0.005)), tmp_path).values())
    assert not check(p, p.instance_machine).valid  # the current machines break rules
    target = plan(p, 10.0, 0.5, 2.0)["assign"]
    migration = plan_moves(p, target, framework(10.0, 0.5))
    assert migration.stuck == []
    at = p.instance_machine.copy()
    for i, source, to in migration.moves:
        assert at[i] == source and to != source
        before = _lines_about(p, at, to)
        at[i] = to
        # Judged independently: the move adds no overflow and no broken rule where it lands.
        assert _lines_about(p, at, to) <= before, (i, to)
    assert np.array_equal(at, target)
