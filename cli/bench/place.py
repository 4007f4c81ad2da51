"""``sigma bench place``: the planner against its baselines on one synthetic set, one run.

A set of the 2018 contest's shape (``sigma.cli.place.synth``, scaled by ``--scale``) is
generated, then placed four ways and every result judged by the independent checker:

- ``default``: the live scheduler's default profile without the placement rules' plugins,
  requests = each App's peaks (how the scheduler fares today: rules and disk not expressed);
- ``first-fit``: file order, first feasible machine under the planner's filters;
- ``planner-first``: the planner's first placement (the scheduler's plugins, two passes);
- ``planner``: the same followed by ``--seconds`` of local search.

One line per placement: cost, machines used, violations by kind and seconds, beside the set's
size and ``bound``, a cost no placement can beat (``check.lower_bound``: CPU alone); with
``--json`` one JSON object per line.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from sigma.cli.bench import emit
from sigma.cli.place import baseline, synth
from sigma.cli.place.check import check, lower_bound
from sigma.cli.place.command import figures, plan
from sigma.cli.place.initial import framework
from sigma.cli.place.problem import load
from sigma.cli.place.state import PlanState


def run(scale: float, seconds: float, seed: int, keep: Path | None) -> list[dict]:
    shape = synth.Shape(seed=seed).scaled(scale)
    with tempfile.TemporaryDirectory() as tmp:
        folder = keep or Path(tmp)
        p = load(*synth.write(synth.generate(shape), folder).values())
    size = {"machines": p.machines, "instances": len(p.instance_ids), "rules": len(p.rule_a)}
    size["bound"] = round(lower_bound(p), 2)
    out = []

    def judged(name: str, assign, started: float, **extra: object) -> None:  # type: ignore[no-untyped-def]
        took = round(time.monotonic() - started, 2)
        out.append({"placement": name, **figures(check(p, assign)), "seconds": took, **extra})

    start = time.monotonic()
    judged("default", baseline.default_scheduler(p, seed), start)
    start = time.monotonic()
    state = PlanState(p)
    baseline.first_fit(state, framework(10.0, 0.5, seed))
    judged("first-fit", state.assign, start)
    start = time.monotonic()
    first = plan(p, 10.0, 0.5, 0.0, seed)
    judged("planner-first", first["assign"], start)
    start = time.monotonic()
    full = plan(p, 10.0, 0.5, seconds, seed)
    moves = {k: v for k, v in full.items() if k.startswith("search_")}
    judged("planner", full["assign"], start, **moves)
    return [{**size, **row} for row in out]


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(prog="sigma bench place", description=__doc__)
    parser.add_argument("--scale", type=float, default=0.1, help="of the contest's counts")
    parser.add_argument("--seconds", type=float, default=60.0, help="local search budget")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--keep", type=Path, help="write the generated set into this folder")
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args(argv)
    if not 0 < args.scale <= 4 or args.seconds < 0:
        parser.error("--scale must be in (0, 4] and --seconds not negative")
    for row in run(args.scale, args.seconds, args.seed, args.keep):
        emit(row, as_json=args.json)
    return 0
