"""``sigma bench scheduler``: workloads after kube-scheduler's scheduler_perf.

basic, spreading, preemption and rules (100 Apps under 220 interference rules, every tenth
capped per host) run in-process; e2e binds through a real store
(``bench_e2e``), with the same attempt latencies taken inside the replica's loop, its
conflict rate, and the store's raw put rate measured in the same run.

Each workload builds a cache of synthetic nodes, places the initial pods (not measured), then
times one attempt per measured pod: snapshot → chain → assume (and, for preemption, the
victims' removal). Printed: placements/s, p50/p99 attempt latency, peak RSS, and for
spreading the number of hard-skew violations, for rules the number of rules or caps broken,
found by recounting every App afterwards.

Node sampling (the profile's ``percentage_of_nodes_to_score``, adaptive by default) is
measured against a baseline in the same run: ``--percentage-of-nodes-to-score 100`` runs each
workload with that share (100: every node filtered and scored) beside the default, the two
taking turns of 500 attempts so that the machine's other work falls on both alike; the
default's row carries its speed as ratios of the baseline's and what sampling cost in
placement quality (``sampling_quality``). ``--without`` rows take turns the same way.

``--time-aware`` runs each workload with its pods carrying daily CPU curves of Apps peaking
at different hours (``time_aware``) beside the same workload without curves, taking turns;
the curves' row carries its speed as ratios of the other's and the nodes whose summed curves
overflow their CPU at some slot (0 when time-aware fit holds).
"""

from __future__ import annotations

import argparse
import itertools
import resource
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace

import numpy as np

from sigma.cli.bench import emit, sampling_quality, time_aware
from sigma.cli.bench import scheduler_e2e as bench_e2e
from sigma.resources.interference import Rule, RuleIndex
from sigma.scheduler.framework import Cache, NodeRow, PodInfo, Spread
from sigma.scheduler.framework.types import CHASSIS, CORE_SWITCH, HOST
from sigma.scheduler.plugins.registry import build, default_profile

GiB = 1 << 30
RULED_APPS = 100  # the rules workload's Apps
TIMED = "default with daily curves"  # the --time-aware row
TURN = 500  # attempts each trial of a run measures before the next one takes its turn


@dataclass(frozen=True, slots=True)
class Workload:
    name: str
    nodes: int
    initial: Callable[[int], Iterator[PodInfo]]
    measured: Callable[[int], Iterator[PodInfo]]
    initial_count: int
    measured_count: int
    node_kw: dict


def _nodes(
    cache: Cache, count: int, *, cores: int = 32, mem: int = 128 * GiB, **kw: object
) -> None:
    # 3 levels: 10 hosts a chassis, 10 chassis a core switch.
    for i in range(count):
        name = f"node-{i:05d}"
        cache.upsert_node(
            NodeRow(
                name,
                alloc_cpu=cores * 1000,
                alloc_mem=mem,
                cores=cores,
                batch_cap_cpu=cores * 500,
                batch_cap_mem=mem // 2,
                usage_cpu=(i * 7919) % (cores * 400),
                usage_mem=(i * 104729) % (mem // 3),
                topology=(name, f"chassis-{i // 10}", f"switch-{i // 100}"),
                **kw,  # type: ignore[arg-type]
            )
        )


def _plain(prefix: str, priority: int = 0) -> Callable[[int], Iterator[PodInfo]]:
    def pods(n: int) -> Iterator[PodInfo]:
        for i in range(n):
            yield PodInfo(
                f"bench/{prefix}-{i}",
                cpu=100 + (i % 8) * 100,
                mem=(256 + (i % 4) * 256) << 20,
                priority=priority,
                qos=4 if i % 5 == 0 else 3,
            )

    return pods


def _apps(prefix: str, replicas: int = 50) -> Callable[[int], Iterator[PodInfo]]:
    """App replicas: every 4th App hard-spread over core switches (max_skew 1)."""

    def pods(n: int) -> Iterator[PodInfo]:
        for i in range(n):
            a = i // replicas
            spread = (
                (Spread(HOST, False), Spread(CHASSIS, False), Spread(CORE_SWITCH, True, 1))
                if a % 4 == 0
                else (Spread(HOST, False), Spread(CHASSIS, False), Spread(CORE_SWITCH, False))
            )
            yield PodInfo(
                f"bench/{prefix}-{i}",
                cpu=200,
                mem=512 << 20,
                app=f"bench/{prefix}-app-{a}",
                spread=spread,
            )

    return pods


def _fill(cache: Cache, nodes: int) -> None:
    """Fill every node: two low-priority online pods and batch memory up to allocatable."""
    for i in range(nodes):
        name = f"node-{i:05d}"
        cache.assume(PodInfo(f"fill/on-{i}-0", cpu=14000, mem=16 * GiB, priority=1), name)
        cache.assume(PodInfo(f"fill/on-{i}-1", cpu=14000, mem=16 * GiB, priority=2), name)
        for j in range(4):
            cache.assume(PodInfo(f"fill/be-{i}-{j}", cpu=2000, mem=24 * GiB, qos=4), name)


def _ruled(prefix: str) -> Callable[[int], Iterator[PodInfo]]:
    """Replicas of the ``RULED_APPS`` Apps in turn, every tenth App capped per host."""

    def pods(n: int) -> Iterator[PodInfo]:
        for i in range(n):
            a = i % RULED_APPS
            yield PodInfo(
                f"bench/{prefix}-{i}",
                cpu=200,
                mem=512 << 20,
                app=_ruled_app(a),
                max_per_host=2 if a % 10 == 0 else 0,
            )

    return pods


def _ruled_app(a: int) -> str:
    return f"bench/ruled-app-{a}"


def _rules() -> RuleIndex:
    """Each App at most one beside one of two others, every fifth App at most three of
    itself on a node: every placement reads rules."""
    rules = [Rule(_ruled_app(a), _ruled_app((a * 7 + d) % RULED_APPS), 1) for d in (1, 2)
             for a in range(RULED_APPS)]  # fmt: skip
    rules += [Rule(_ruled_app(a), _ruled_app(a), 2) for a in range(0, RULED_APPS, 5)]
    return RuleIndex(rules)


WORKLOADS = {
    "basic": lambda n, m: Workload("basic", n, _plain("init"), _plain("m"), 1000, m, {}),
    "spreading": lambda n, m: Workload("spreading", n, _apps("init"), _apps("m"), 1000, m, {}),
    "preemption": lambda n, m: Workload("preemption", n, _plain("none"), _high, 0, m, {}),
    "rules": lambda n, m: Workload("rules", n, _ruled("init"), _ruled("m"), 1000, m, {}),
}


def _high(n: int) -> Iterator[PodInfo]:
    for i in range(n):
        yield PodInfo(f"bench/hi-{i}", cpu=2000, mem=24 * GiB, priority=100)


class Trial:
    """One workload through the default profile, less the plugins named in ``without``, with
    ``percentage`` of nodes to score when given; ``judge`` scores every attempt's choice
    against a full scan of the same snapshot too (not timed). Measured ``block`` by block, so
    trials compared in one run take turns and the machine's other work falls on them alike."""

    def __init__(
        self,
        w: Workload,
        seed: int = 0,
        without: tuple[str, ...] = (),
        percentage: int | None = None,
        judge: bool = False,
        curves: bool = False,
    ) -> None:
        if curves:
            w = replace(
                w,
                initial=time_aware.with_curves(w.initial),
                measured=time_aware.with_curves(w.measured),
            )
        self.w, self.curves = w, curves
        self.cache = cache = Cache()
        _nodes(cache, w.nodes)
        if w.name == "preemption":
            _fill(cache, w.nodes)
        if w.name == "rules":
            cache.set_rules(_rules())
        plugins = tuple(name for name in default_profile().plugins if name not in without)
        share = {} if percentage is None else {"percentage_of_nodes_to_score": percentage}
        profile = default_profile(plugins=plugins, seed=seed, **share)
        self.fw = fw = build(profile)
        for p in w.initial(w.initial_count):
            result = fw.schedule(p, cache.snapshot())
            if result.node:
                cache.assume(p, result.node)
        self.pods = w.measured(w.measured_count)
        self.lat = np.zeros(w.measured_count)
        self.k = self.placed = self.preemptions = self.victims = 0
        self.elapsed = 0.0
        self.judged = sampling_quality.Judge(profile) if judge else None

    @property
    def done(self) -> bool:
        return self.k == self.w.measured_count

    def block(self, count: int) -> None:
        """Time the next ``count`` attempts."""
        cache, fw, judged, clock = self.cache, self.fw, self.judged, time.perf_counter
        judging = judged.seconds if judged is not None else 0.0
        start = clock()
        for p in itertools.islice(self.pods, count):
            taking = judged.before(p, cache.snapshot, clock) if judged is not None else 0.0
            t0 = clock() - taking
            result = fw.schedule(p, cache.snapshot())
            if result.node:
                cache.assume(p, result.node)
                self.placed += 1
            elif result.preemption is not None:
                for v in result.preemption.victims:
                    cache.remove_pod(v.pod_key)
                cache.assume(p, result.preemption.node)
                self.placed += 1
                self.preemptions += 1
                self.victims += len(result.preemption.victims)
            self.lat[self.k] = clock() - t0
            self.k += 1
            if judged is not None and result.node:
                judged.after(result.node)
        self.elapsed += clock() - start - (judged.seconds - judging if judged is not None else 0)

    def result(self) -> dict[str, object]:
        w, lat = self.w, self.lat
        out: dict[str, object] = {
            "workload": w.name,
            "nodes": w.nodes,
            "initial_pods": w.initial_count,
            "measured_pods": w.measured_count,
            "placed": self.placed,
            "placements_per_s": round(self.placed / self.elapsed, 1),
            "p50_ms": round(float(np.percentile(lat, 50)) * 1e3, 3),
            "p99_ms": round(float(np.percentile(lat, 99)) * 1e3, 3),
            "peak_rss_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        }
        out |= sampling_quality.spread(self.cache.snapshot())
        if self.judged is not None:
            out |= self.judged.figures()
        if w.name == "spreading":
            out["hard_skew_violations"] = hard_skew_violations(self.cache)
        if w.name == "rules":
            out["rule_violations"] = rule_violations(self.cache)
        if self.curves:
            out["curve_overflows"] = time_aware.curve_overflows(self.cache)
        if w.name == "preemption":
            out["preemptions"] = self.preemptions
            out["victims"] = self.victims
        return out


def run(w: Workload, seed: int = 0, without: tuple[str, ...] = ()) -> dict:
    """One workload through the default profile, less the plugins named in ``without``."""
    trial = Trial(w, seed, without)
    trial.block(w.measured_count)
    return trial.result()


def take_turns(trials: list[Trial], turn: int = TURN) -> None:
    """Measure ``trials`` a block of ``turn`` attempts each in turn until all are done."""
    while not all(t.done for t in trials):
        for t in trials:
            t.block(turn)


def rule_violations(cache: Cache) -> int:
    """Nodes breaking a rule or a per-host cap, counted again from every App's pods."""
    snap = cache.snapshot()
    count = {app: np.bincount(rows, minlength=snap.n) for app, rows in snap.apps.items()}
    zero = np.zeros(snap.n, dtype=np.int64)
    bad = 0
    for rule in snap.rules.rules:
        a, b = count.get(rule.a, zero), count.get(rule.b, zero)
        bad += int(((a > 0) & (b > rule.limit)).sum())
    for a in range(0, RULED_APPS, 10):
        bad += int((count.get(_ruled_app(a), zero) > 2).sum())
    return bad


def hard_skew_violations(cache: Cache) -> int:
    """Apps whose core-switch spread exceeds max_skew 1 (the hard-spread Apps of the run)."""
    snap = cache.snapshot()
    bad = 0
    for app, nodes in snap.apps.items():
        if int(app.rsplit("-", 1)[1]) % 4:
            continue
        counts = np.bincount(snap.domain(CORE_SWITCH)[nodes], minlength=snap.domains[CORE_SWITCH])
        bad += int(counts.max() - counts.min() > 1)
    return bad


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="sigma bench scheduler", description=__doc__)
    parser.add_argument("--workload", choices=[*WORKLOADS, "e2e", "all"], default="all")
    parser.add_argument("--nodes", type=int, default=5000)
    parser.add_argument("--pods", type=int, default=10000, help="measured pods per workload")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="one JSON object per line")
    parser.add_argument(
        "--store", default="", help="e2e: store URL (default: a private etcd started for the run)"
    )
    parser.add_argument("--replicas", type=int, default=1, help="e2e: scheduler replicas")
    parser.add_argument(
        "--batch-size", type=int, default=bench_e2e.BATCH_SIZE, help="e2e: pods per round"
    )
    parser.add_argument(
        "--without",
        default="",
        help="in-process workloads: also run each without these plugins (comma separated), "
        "so the default profile is measured with and without them in one run",
    )
    parser.add_argument(
        "--percentage-of-nodes-to-score",
        type=int,
        metavar="PCT",
        help="in-process workloads: run each first with this share of nodes to score (100: "
        "every node) as the baseline, then with the default profile (adaptive node sampling), "
        "whose row then carries speed ratios and placement quality against it",
    )
    parser.add_argument(
        "--time-aware",
        action="store_true",
        help="in-process workloads: run each first with pods placed by their requests as the "
        "baseline, then with their Apps' daily CPU curves (time-aware fit and convex cost), "
        "whose row then carries speed ratios against it",
    )
    args = parser.parse_args(argv)
    without = tuple(n for n in args.without.split(",") if n)
    unknown = [n for n in without if n not in default_profile().plugins]
    if unknown:
        parser.error(f"--without: unknown plugins {', '.join(unknown)}")
    pct = args.percentage_of_nodes_to_score
    if pct is not None and not 0 < pct <= 100:
        parser.error(f"--percentage-of-nodes-to-score: {pct} is not within 1..100")
    names = [*WORKLOADS, "e2e"] if args.workload == "all" else [args.workload]
    for name in names:
        if name == "e2e":
            result = bench_e2e.run(
                args.store or None, args.nodes, args.pods, args.replicas, args.batch_size
            )
            emit(result, as_json=args.json)
            continue
        workload = WORKLOADS[name](args.nodes, args.pods)
        trials = {"default": Trial(workload, args.seed, judge=pct is not None)}
        if pct is not None:
            base = f"default at percentage_of_nodes_to_score {pct}"
            trials = {base: Trial(workload, args.seed, percentage=pct), **trials}
        if without:
            trials[f"default without {','.join(without)}"] = Trial(workload, args.seed, without)
        if args.time_aware:
            trials[TIMED] = Trial(workload, args.seed, curves=True)
        take_turns(list(trials.values()))
        rows = {label: {**t.result(), "profile": label} for label, t in trials.items()}
        if pct is not None:
            rows["default"] |= sampling_quality.against(rows["default"], rows[base])
        if args.time_aware:
            rows[TIMED] |= sampling_quality.against(rows[TIMED], rows["default"])
        for row in rows.values():
            emit(row, as_json=args.json)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
