"""``sigma place``: read a cluster in the contest's CSV format, plan a placement, judge it.

The plan is the scheduler's own plugins placing every instance (``initial``), then the local
search (``search``) until it stops improving or ``--seconds`` run out; the independent judge
(``check``) then recomputes cost and violations from the files and the assignment alone. The
placement file is written (whole, then renamed into place) only when the judge finds it
valid. ``--check FILE`` judges an existing placement file instead of planning one;
``--from-current MOVES`` also writes the ordered moves from the instances' current machines
(``migrate``).

Exit status: 0 valid, 1 the judge found violations, 2 bad input (one line on stderr).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from sigma.cli.command import OneLineParser
from sigma.cli.place.check import ALPHA, BETA, Report, check, lower_bound
from sigma.cli.place.initial import first_placement, framework
from sigma.cli.place.migrate import plan_moves
from sigma.cli.place.problem import Problem, load, read_placement
from sigma.cli.place.search import Search
from sigma.cli.place.state import PlanState
from sigma.errors import Invalid

# Each input's flag, and the names it may have in a --problem folder (ours, the contest's).
INPUTS = {
    "machines": ("machines.csv", "machine_resources.csv"),
    "apps": ("apps.csv", "app_resources.csv"),
    "instances": ("instances.csv", "instance_deploy.csv"),
    "rules": ("rules.csv", "app_interference.csv"),
}


def parser() -> argparse.ArgumentParser:
    p = OneLineParser(prog="sigma place", description=__doc__.splitlines()[0])
    p.add_argument("--problem", type=Path, help="folder holding the four files (docs/placement.md)")
    for name in INPUTS:
        p.add_argument(f"--{name}", type=Path, help=f"the {name} file (overrides --problem)")
    p.add_argument("--out", type=Path, help="placement file to write: instance_id,machine_id rows")
    p.add_argument("--check", type=Path, help="judge this placement file instead of planning")
    p.add_argument(
        "--from-current",
        type=Path,
        metavar="MOVES",
        help="also write the ordered moves (instance_id,from,to) from the current machines",
    )
    p.add_argument("--seconds", type=float, default=60.0, help="local search budget (default 60)")
    p.add_argument("--alpha", type=float, default=ALPHA, help=f"cost alpha (default {ALPHA:g})")
    p.add_argument("--beta", type=float, default=BETA, help=f"cost beta (default {BETA:g})")
    p.add_argument("--seed", type=int, default=0, help="seed of the framework's tie-breaks")
    p.add_argument("--json", action="store_true", help="print the figures as one JSON object")
    return p


def inputs(args: argparse.Namespace) -> list[Path]:
    """The four files, from their own flags or the --problem folder."""
    paths = []
    for name, candidates in INPUTS.items():
        path = getattr(args, name)
        if path is None and args.problem is not None:
            found = [args.problem / c for c in candidates if (args.problem / c).exists()]
            path = found[0] if found else args.problem / candidates[0]
        if path is None:
            raise Invalid(f"--{name}", "required (or --problem FOLDER)")
        paths.append(path)
    return paths


def plan(p: Problem, alpha: float, beta: float, seconds: float, seed: int = 0) -> dict:
    """Plan a placement of ``p``: the assignment and the figures of each stage."""
    start = time.monotonic()
    state = PlanState(p, alpha, beta)
    fw = framework(alpha, beta, seed)
    unplaced = first_placement(state, fw)
    first = {"first_cost": round(state.cost(), 4), "first_seconds": _since(start)}
    stats = Search(state, fw).run(time.monotonic() + seconds) if not unplaced else None
    return {
        "assign": state.assign.copy(),
        **first,
        **({f"search_{k}": v for k, v in vars(stats).items()} if stats else {}),
        "seconds": _since(start),
    }


def _since(start: float) -> float:
    return round(time.monotonic() - start, 2)


def figures(report: Report) -> dict:
    return {
        "cost": round(report.cost, 4),
        "machines_used": report.machines_used,
        "violations": report.total,
        "by_kind": report.counts,
    }


def write(path: Path, p: Problem, assign: np.ndarray) -> None:
    """Write the whole file beside ``path``, then rename it into place."""
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w") as f:
        for i, m in enumerate(assign):
            f.write(f"{p.instance_ids[i]},{p.machine_ids[m]}\n")
    os.replace(tmp, path)


def write_moves(path: Path, p: Problem, assign: np.ndarray, seed: int) -> dict:
    """The migration plan to ``assign`` as ``instance_id,from,to`` rows (from empty for an
    instance on no machine); its figures."""
    migration = plan_moves(p, assign, framework(ALPHA, BETA, seed))
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w") as f:
        for i, source, to in migration.moves:
            was = p.machine_ids[source] if source >= 0 else ""
            f.write(f"{p.instance_ids[i]},{was},{p.machine_ids[to]}\n")
    os.replace(tmp, path)
    return {"moves": len(migration.moves), "moves_stuck": len(migration.stuck)}


def _validate(args: argparse.Namespace) -> None:
    if args.alpha <= 0:
        raise Invalid("--alpha", f"must be positive, got {args.alpha:g}")
    if not 0 < args.beta <= 1:
        raise Invalid("--beta", f"must be in (0, 1], got {args.beta:g}")
    if args.seconds < 0:
        raise Invalid("--seconds", f"must not be negative, got {args.seconds:g}")
    if args.out is None and args.check is None:
        raise Invalid("--out", "required (or --check FILE)")


def main(argv: Sequence[str]) -> int:
    try:
        args = parser().parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    try:
        _validate(args)
        p = load(*inputs(args))
        if args.check is not None:
            out, assign = {}, read_placement(args.check, p)
        else:
            out = plan(p, args.alpha, args.beta, args.seconds, args.seed)
            assign = out.pop("assign")
        report = check(p, assign, alpha=args.alpha, beta=args.beta)
        if args.out is not None and args.check is None and report.valid:
            write(args.out, p, assign)
            if args.from_current is not None:
                out.update(write_moves(args.from_current, p, assign, args.seed))
    except (Invalid, OSError) as exc:
        print(f"sigma place: {exc}", file=sys.stderr)
        return 2
    result = {
        **figures(report),
        "bound": round(lower_bound(p, alpha=args.alpha, beta=args.beta), 2),
    }
    result.update(instances=len(p.instance_ids), **out)
    if args.json:
        print(json.dumps({**result, "violation_lines": report.violations}))
    else:
        print(" ".join(f"{k}={v}" for k, v in result.items() if not isinstance(v, dict)))
        for line in report.violations:
            print(f"violation: {line}")
    return 0 if report.valid else 1
