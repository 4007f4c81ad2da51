"""The placement judge on hand-computed cases: two machines, three apps, one rule.

Machines (cpu, mem, disk, P, M, PM): m1 = 10, 20, 100, 1, 1, 1 and m2 = 20, 20, 100, 1, 1, 1.
Apps over 98 points: a = CPU 4 all day, P 1; b = CPU 3 all day; c = CPU 2 for the first 49
points and 12 for the last 49. Rule <a, b, 1>: a machine holding a holds at most one b.
"""

from pathlib import Path

import numpy as np
import pytest

from sigma.cli.place.check import check, lower_bound
from sigma.cli.place.problem import Problem
from tests.unit.place import _cases as cases

T = 98
HALF = T // 2
APPS = {
    # name: (cpu curve, mem, disk, P, M, PM)
    "a": ([4.0] * T, 4, 30, 1, 0, 0),
    "b": ([3.0] * T, 2, 30, 0, 0, 0),
    "c": ([2.0] * HALF + [12.0] * HALF, 1, 10, 0, 0, 0),
}


MACHINES = {"m1": (10, 20, 100, 1, 1, 1), "m2": (20, 20, 100, 1, 1, 1)}


def problem(tmp_path: Path, apps: list[str], rules: list[tuple[str, str, int]]) -> Problem:
    """The two machines and three apps above, one instance per entry of ``apps``."""
    return cases.problem(tmp_path, MACHINES, APPS, apps, rules)


RULE = [("a", "b", 1)]


def test_a_valid_placement_costs_the_mean_of_the_convex_curve_per_used_machine(
    tmp_path: Path,
) -> None:
    p = problem(tmp_path, ["a", "b", "c", "b", "a"], RULE)
    report = check(p, np.array([0, 0, 1, 1, 1]))
    # m1: a + b = 7 of 10 all day, u = 0.7: 1 + 10 (e^0.2 - 1) = 3.2140275816016985.
    # m2: a + b + c = 9 then 19 of 20: u = 0.45 (cost 1) for 49 points, 0.95 for 49:
    #     (1 + 1 + 10 (e^0.45 - 1)) / 2 = 3.8415609274508444.
    assert report.valid and report.total == 0
    assert report.machines_used == 2
    assert report.cost == pytest.approx(3.2140275816016985 + 3.8415609274508444, abs=1e-12)


def test_an_empty_machine_costs_nothing_and_u_at_beta_costs_one(tmp_path: Path) -> None:
    p = problem(tmp_path, ["a", "b", "b"], [])  # 10 of 20 on m2: u = 0.5 exactly
    report = check(p, np.array([1, 1, 1]))
    assert report.valid and report.machines_used == 1
    assert report.cost == pytest.approx(1.0, abs=1e-12)


def test_alpha_and_beta_are_parameters(tmp_path: Path) -> None:
    p = problem(tmp_path, ["a", "b"], [])  # 7 of 10, u = 0.7
    report = check(p, np.array([0, 0]), alpha=2.0, beta=0.6)
    assert report.cost == pytest.approx(1 + 2 * (np.exp(0.1) - 1), abs=1e-12)


def test_a_rule_caps_b_on_a_machine_holding_a(tmp_path: Path) -> None:
    p = problem(tmp_path, ["a", "b", "b", "c"], RULE)
    report = check(p, np.array([0, 0, 0, 1]))  # m1: a, b, b (CPU 10 of 10, fits)
    assert report.counts == {"unplaced": 0, "capacity": 0, "interference": 1}
    assert report.violations == ["machine m1: rule <a, b, 1> holds 2 of b"]
    assert not report.valid


def test_a_rule_binds_only_where_a_is(tmp_path: Path) -> None:
    p = problem(tmp_path, ["a", "b", "b", "b"], RULE)
    assert check(p, np.array([0, 1, 1, 1])).valid  # three b on m2, a alone on m1


@pytest.mark.parametrize(("copies", "valid"), [(1, True), (2, True), (3, False)])
def test_a_rule_of_an_app_with_itself_allows_k_plus_one(
    tmp_path: Path, copies: int, valid: bool
) -> None:
    p = problem(tmp_path, ["b"] * copies, [("b", "b", 1)])
    report = check(p, np.zeros(copies, dtype=np.int64))
    assert report.valid is valid
    assert report.counts["interference"] == (0 if valid else 1)


def test_a_curve_overflowing_at_one_point_only_is_an_overflow(tmp_path: Path) -> None:
    p = problem(tmp_path, ["b", "c"], [])  # on m1: 5 of 10, then 15 of 10 from point 49
    report = check(p, np.array([0, 0]))
    assert report.counts["capacity"] == 1
    assert report.violations == ["machine m1: cpu 15 > 10 at point 49"]
    assert check(p, np.array([1, 1])).valid  # m2 has 20


def test_counted_slots_overflow(tmp_path: Path) -> None:
    p = problem(tmp_path, ["a", "a"], [])  # P 1 each, machines offer P 1
    report = check(p, np.array([1, 1]))
    assert report.violations == ["machine m2: P 2 > 1"]
    assert check(p, np.array([0, 1])).valid


def test_an_instance_on_no_machine_is_a_violation(tmp_path: Path) -> None:
    p = problem(tmp_path, ["a", "b"], RULE)
    report = check(p, np.array([0, -1]))
    assert report.counts["unplaced"] == 1 and not report.valid
    assert report.violations == ["instance i1 is on no machine"]


def test_the_lower_bound_by_hand_and_below_a_valid_placement(tmp_path: Path) -> None:
    p = problem(tmp_path, ["a", "b", "c", "b", "a"], RULE)
    # Load 16 then 26. k = 1 (m2, beta * 20 = 10): 1 + 10/20 * mean(6, 16) = 6.5;
    # k = 2 (15): 2 + 10/20 * mean(1, 11) = 5. So 5, below the valid placement's 7.06.
    assert lower_bound(p) == pytest.approx(5.0)
    assert lower_bound(p) <= check(p, np.array([0, 0, 1, 1, 1])).cost
