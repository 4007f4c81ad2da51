"""``sigma bench place``: the planner against its baselines on one synthetic set, one run.

A set of the 2018 contest's shape (``sigma.cli.place.synth``, scaled by ``--scale``) is
generated, then placed four ways and every result judged by the independent checker:

- ``default``: the live scheduler's default profile without the placement rules' plugins,
  requests = each App's peaks (how the scheduler fares today: rules and disk not expressed);
- ``first-fit``: file order, first feasible machine under the planner's filters;
- ``planner-first``: the planner's first placement (the scheduler's plugins, two passes);
- ``planner``: the same followed by ``--seconds`` of local search (its seconds count both).

One line per placement: cost, machines used, violations by kind and seconds, beside the set's
size and ``bound``, a cost no placement can beat (``check.lower_bound``: CPU alone); with
``--json`` one JSON object per line.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import numpy as np

from sigma.cli.bench import emit
from sigma.cli.place import baseline, synth
from sigma.cli.place.check import ALPHA, BETA, check, lower_bound
from sigma.cli.place.command import figures
from sigma.cli.place.initial import first_placement, framework
from sigma.cli.place.problem import load
from sigma.cli.place.search import Search
from sigma.cli.place.state import PlanState


def run(scale: float, seconds: float, seed: int, keep: Path | None) -> Iterator[dict]:
    """Each placement's row, as soon as it is judged."""
    shape = synth.Shape(seed=seed).scaled(scale)
    with tempfile.TemporaryDirectory() as tmp:
        p = load(*synth.write(synth.generate(shape), keep or Path(tmp)).values())
    size = {"machines": p.machines, "instances": len(p.instance_ids), "rules": len(p.rule_a)}
    size["bound"] = round(lower_bound(p), 2)
    clock = time.monotonic

    def judged(name: str, assign: np.ndarray, started: float, **extra: object) -> dict:
        took = round(clock() - started, 2)
        return {**size, "placement": name, **figures(check(p, assign)), "seconds": took, **extra}

    start = clock()
    yield judged("default", baseline.default_scheduler(p, seed), start)
    start = clock()
    state = PlanState(p)
    baseline.first_fit(state, framework(ALPHA, BETA, seed))
    yield judged("first-fit", state.assign, start)
    start = clock()
    state, fw = PlanState(p), framework(ALPHA, BETA, seed)
    first_placement(state, fw)
    yield judged("planner-first", state.assign, start)
    stats = Search(state, fw).run(clock() + seconds)
    moves = {f"search_{k}": v for k, v in vars(stats).items()}
    yield judged("planner", state.assign, start, **moves)


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
