"""A cluster in the contest's CSV format, read into arrays.

Four files, no header line, comma separated (see docs/placement.md):

- machines: ``machine_id,cpu,mem,disk,P,M,PM``
- apps: ``app_id,cpu_curve,mem_curve,disk,P,M,PM``; a curve is ``v1|v2|...|vT``, the same T
  (98 in the contest) for every app and both curves
- instances: ``instance_id,app_id,machine_id``; ``machine_id`` empty when not placed
- rules: ``app_a,app_b,k``: a machine holding app_a holds at most k instances of app_b
  (k + 1 when app_a = app_b)

Every error names the file, the line and the column, and is raised while reading, so a bad
file never gets as far as the planner.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sigma.cli.sim._csv import TraceError, rows

MACHINE_COLUMNS = ("machine_id", "cpu", "mem", "disk", "P", "M", "PM")
APP_COLUMNS = ("app_id", "cpu_curve", "mem_curve", "disk", "P", "M", "PM")
INSTANCE_COLUMNS = ("instance_id", "app_id", "machine_id")
RULE_COLUMNS = ("app_a", "app_b", "k")
PLACEMENT_COLUMNS = ("instance_id", "machine_id")
SCALARS = ("disk", "P", "M", "PM")  # per-instance amounts and per-machine capacities


@dataclass(frozen=True, eq=False)
class Problem:
    """Machines, apps, instances and rules as arrays; ids kept for output."""

    machine_ids: tuple[str, ...]
    machine_cpu: np.ndarray  # (machines,)
    machine_mem: np.ndarray
    machine_scalars: np.ndarray  # (machines, 4): disk, P, M, PM
    app_ids: tuple[str, ...]
    app_cpu: np.ndarray  # (apps, T)
    app_mem: np.ndarray  # (apps, T)
    app_scalars: np.ndarray  # (apps, 4)
    instance_ids: tuple[str, ...]
    instance_app: np.ndarray  # (instances,) app index
    instance_machine: np.ndarray  # (instances,) current machine index, -1 when none
    rule_a: np.ndarray  # (rules,) app index
    rule_b: np.ndarray
    rule_k: np.ndarray

    @property
    def points(self) -> int:
        return self.app_cpu.shape[1]

    @property
    def machines(self) -> int:
        return len(self.machine_ids)


def _index(ids: list[str], file: str, lines: list[int]) -> dict[str, int]:
    index: dict[str, int] = {}
    for i, (name, line) in enumerate(zip(ids, lines, strict=True)):
        if not name:
            raise TraceError(file, line, "id", "empty id")
        if name in index:
            raise TraceError(file, line, "id", f"{name!r} appears twice")
        index[name] = i
    return index


def _curve(row, column: str) -> np.ndarray:
    raw = row.text(column)
    try:
        values = np.array([float(v) for v in raw.split("|")])
    except ValueError:
        raise row.error(column, "not a |-separated list of numbers") from None
    if not np.isfinite(values).all() or (values < 0).any():
        raise row.error(column, "values must be finite and not negative")
    return values


def read_machines(path: Path) -> tuple[list[str], np.ndarray, list[int]]:
    ids, values, lines = [], [], []
    for row in rows(path, MACHINE_COLUMNS, header=False):
        ids.append(row.text("machine_id").strip())
        cap = [row.number(c) for c in MACHINE_COLUMNS[1:]]
        for c, v in zip(MACHINE_COLUMNS[1:], cap, strict=True):
            if v < 0:
                raise row.error(c, f"{v} is negative")
        values.append(cap)
        lines.append(row.line)
    if not ids:
        raise TraceError(path.name, 0, "file", "no machines")
    return ids, np.array(values, dtype=np.float64).reshape(-1, 6), lines


def read_apps(path: Path) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray, list[int]]:
    ids, cpu, mem, scalars, lines = [], [], [], [], []
    for row in rows(path, APP_COLUMNS, header=False):
        ids.append(row.text("app_id").strip())
        c, m = _curve(row, "cpu_curve"), _curve(row, "mem_curve")
        points = len(cpu[0]) if cpu else len(c)
        for name, curve in (("cpu_curve", c), ("mem_curve", m)):
            if len(curve) != points:
                raise row.error(name, f"{len(curve)} points, expected {points}")
        cpu.append(c)
        mem.append(m)
        scalars.append([row.integer(s) for s in SCALARS])
        lines.append(row.line)
    if not ids:
        raise TraceError(path.name, 0, "file", "no apps")
    return ids, np.array(cpu), np.array(mem), np.array(scalars, dtype=np.float64), lines


def load(machines: Path, apps: Path, instances: Path, rules: Path) -> Problem:
    """Read the four files; raises TraceError (an Invalid) naming the bad cell."""
    m_ids, caps, m_lines = read_machines(machines)
    machine_of = _index(m_ids, machines.name, m_lines)
    a_ids, cpu, mem, app_scalars, a_lines = read_apps(apps)
    app_of = _index(a_ids, apps.name, a_lines)
    i_ids, i_app, i_machine, i_lines = [], [], [], []
    for row in rows(instances, INSTANCE_COLUMNS, header=False):
        i_ids.append(row.text("instance_id").strip())
        i_app.append(_lookup(row, "app_id", app_of))
        on = row.text("machine_id").strip()
        i_machine.append(_lookup(row, "machine_id", machine_of) if on else -1)
        i_lines.append(row.line)
    _index(i_ids, instances.name, i_lines)
    ra, rb, rk = [], [], []
    for row in rows(rules, RULE_COLUMNS, header=False):
        ra.append(_lookup(row, "app_a", app_of))
        rb.append(_lookup(row, "app_b", app_of))
        rk.append(row.integer("k"))
    return Problem(
        tuple(m_ids),
        caps[:, 0],
        caps[:, 1],
        caps[:, 2:],
        tuple(a_ids),
        cpu,
        mem,
        app_scalars,
        tuple(i_ids),
        np.array(i_app, dtype=np.int64),
        np.array(i_machine, dtype=np.int64),
        np.array(ra, dtype=np.int64),
        np.array(rb, dtype=np.int64),
        np.array(rk, dtype=np.int64),
    )


def _lookup(row, column: str, index: dict[str, int]) -> int:
    name = row.text(column).strip()
    if name not in index:
        raise row.error(column, f"unknown id {name!r}")
    return index[name]


def read_placement(path: Path, p: Problem) -> np.ndarray:
    """A placement file (``instance_id,machine_id`` rows) as each instance's machine index;
    an instance the file does not name is on no machine (-1), for the judge to report."""
    instance_of = {name: i for i, name in enumerate(p.instance_ids)}
    machine_of = {name: m for m, name in enumerate(p.machine_ids)}
    assign = np.full(len(p.instance_ids), -1, dtype=np.int64)
    for row in rows(path, PLACEMENT_COLUMNS, header=False):
        i = _lookup(row, "instance_id", instance_of)
        if assign[i] >= 0:
            raise row.error("instance_id", f"{p.instance_ids[i]!r} placed twice")
        assign[i] = _lookup(row, "machine_id", machine_of)
    return assign
