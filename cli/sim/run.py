"""``sigma sim``: load a slice, replay it in each mode, write the report and the plots.

Output (in ``--out``): report.json (per mode: the report's figures, the assumptions, and the
run's wall-clock figures apart under "run", so the rest is identical for one seed and scale),
and as PNG and SVG: utilisation (the modes on one chart), heatmap-<mode> (nodes x time) and
usage-<mode> (CPU and memory, online and batch).
"""

from __future__ import annotations

import argparse
import contextlib
import gc
import json
import sys
import time
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO

import numpy as np
from tqdm import tqdm

from sigma.cli.sim import interference
from sigma.cli.sim.plot import Usage, heatmap_chart, mode_panel, save, utilisation_chart
from sigma.cli.sim.replay import MODES, Outcome, Timing, replay
from sigma.cli.sim.report import Eviction, JobRecord, NodeSample, OnlineTally, Samples, build_report
from sigma.cli.sim.scale import Scale
from sigma.cli.sim.trace import default_trace_dir, load_trace
from sigma.cli.sim.vloop import run_virtual
from sigma.cli.sim.workload import BATCH_MODELS, Knobs, Workload
from sigma.errors import Invalid


def samples(out: Outcome, work: Workload, start: float, end: float, interval: float) -> Samples:
    """The fleet's tallies as the report's input: one cluster-wide NodeSample per time."""
    cpu = sum(n.spec.capacity.cpu_millis for n in work.nodes)
    mem = sum(n.spec.capacity.memory_bytes for n in work.nodes)
    nodes = [
        NodeSample(t, "cluster", cpu, mem, *(float(v) for v in row.sum(axis=1)))
        for t, row in zip(out.tally.times, out.tally.rows, strict=True)
    ]
    tally = out.tally
    return Samples(
        start,
        end,
        interval,
        nodes=nodes,
        jobs=[JobRecord(n, s, f) for n, s, f in out.jobs],
        latencies_s=tally.latencies,
        evictions=[Eviction(t, pod, reason) for t, pod, reason in tally.evictions],
        online=OnlineTally(tally.pod_samples, tally.unmet_samples, tally.demand, tally.short),
    )


class ProgressBar:
    """The replay's simulated hours on a tqdm bar on stderr: share done, speed and ETA.

    The replay calls it at each usage report, the last of which falls short of the window's
    end; :meth:`finish` moves it to the end once the replay has run to there."""

    def __init__(self, label: str, start: float, end: float, file: IO[str] | None = None) -> None:
        self.start = start
        self.bar = tqdm(
            total=(end - start) / 3600,
            desc=f"{label:12}",
            unit="h",
            file=file or sys.stderr,
            bar_format="{desc} {percentage:3.0f}%|{bar}| {n:.1f}/{total:.1f} h "
            "[{elapsed}<{remaining}, {rate_fmt}]",
            dynamic_ncols=True,
        )

    def __call__(self, now: float) -> None:
        self.bar.update((now - self.start) / 3600 - self.bar.n)

    def finish(self) -> None:
        self.bar.update(self.bar.total - self.bar.n)
        self.bar.close()


@contextlib.contextmanager
def fewer_collections() -> Iterator[None]:
    """The replay makes millions of short-lived objects, and each of the cyclic collector's
    full passes walks every live one (the trace, the caches): objects alive now are frozen
    out of its sight and the young generation is let grow before a pass."""
    thresholds = gc.get_threshold()
    gc.collect()
    gc.freeze()
    gc.set_threshold(100_000, 50, 100)
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()


def run(args: argparse.Namespace) -> dict[str, object]:
    start = int(args.start * 3600)
    warmup = int(args.warmup * 3600)
    scale = Scale(args.machines, start, start + int(args.hours * 3600), args.seed, warmup)
    trace = load_trace(Path(args.trace_dir), scale, all_days=True)
    modes = MODES if args.mode == "all" else (args.mode,)
    timing = Timing(report_s=args.report_interval)
    knobs = Knobs(
        batch_model=args.batch_model,
        online_memory_share=args.online_memory or None,
        idle_share=args.idle_share,
        trough=args.trough or None,
    )
    show = args.progress or sys.stderr.isatty()
    out_dir = Path(args.out)
    out_dir.mkdir(parents=True, exist_ok=True)
    result: dict[str, object] = {"input": {"scale": vars(args) | {"start_s": start}}}
    series = {}
    calibration = interference.load(args.calibration) if args.calibration else interference.MEASURED
    for mode in modes:
        began = time.perf_counter()
        bar = ProgressBar(mode, scale.replay_start, scale.end) if show else None
        with fewer_collections():
            outcome, work = run_virtual(
                replay(trace, mode, knobs, timing, bar), start=scale.replay_start
            )
        if bar is not None:
            bar.finish()
        wall = time.perf_counter() - began
        caps = np.array([n.spec.capacity.cpu_millis for n in work.nodes], float)
        report = build_report(samples(outcome, work, scale.start, scale.end, timing.report_s))
        report["batch"]["rejected"] = outcome.skipped_jobs  # type: ignore[index]
        report["online"] |= interference.assess(outcome.tally.rows, caps, calibration)  # type: ignore[operator]
        report["calibration"] = interference.describe(calibration)
        report["assumptions"] = work.assumptions
        replayed = scale.end - scale.replay_start  # the warm-up runs too, so it counts here
        report["batch"]["revoked_instances"] = outcome.revoked_instances  # type: ignore[index]
        report["run"] = {"wall_s": round(wall, 2), "speed": round(replayed / wall)}
        result[mode] = report
        series[mode] = report["cpu"]["series"]  # type: ignore[index]
        charts(outcome, work, mode, out_dir)
    result["against_static"] = against_static(result)
    result["attribution"] = attribution(result)
    save(utilisation_chart(series), out_dir / "utilisation")
    (out_dir / "report.json").write_text(json.dumps(result, indent=1, default=str))
    return result


def charts(outcome: Outcome, work: Workload, mode: str, out_dir: Path) -> None:
    """One mode's heat map (a node's CPU used / its capacity, per sample) and its panel of
    CPU and memory (cluster-wide shares, online and batch)."""
    tally = outcome.tally
    caps = np.array([n.spec.capacity.cpu_millis for n in work.nodes], float)
    mems = np.array([n.spec.capacity.memory_bytes for n in work.nodes], float)
    rows = np.array(tally.rows) if tally.rows else np.zeros((0, 4, len(caps)))  # t x 4 x nodes
    util = ((rows[:, 0] + rows[:, 1]) / caps).T if len(rows) else np.zeros((len(caps), 1))
    title = f"{mode}: CPU utilisation per node ({len(caps)} nodes)"
    save(heatmap_chart(util, tally.times, title), out_dir / f"heatmap-{mode}")
    sums = rows.sum(axis=2)  # t x (online cpu, batch cpu, online mem, batch mem)
    usage = Usage(
        tally.times,
        sums[:, 0] / caps.sum(),
        sums[:, 1] / caps.sum(),
        sums[:, 2] / mems.sum(),
        sums[:, 3] / mems.sum(),
    )
    save(mode_panel(usage, mode), out_dir / f"usage-{mode}")


def against_static(result: dict[str, object]) -> dict[str, dict[str, float | None]]:
    """Each mode's batch work and average CPU as ratios to static co-location's, when both ran:
    the issue's "batch throughput x static" figure."""
    base = result.get("static")
    if not isinstance(base, dict):
        return {}

    def ratio(a: float | None, b: float | None) -> float | None:
        return round(a / b, 3) if a is not None and b else None

    out = {}
    for mode in MODES:
        r = result.get(mode)
        if isinstance(r, dict):
            out[mode] = {
                "batch_core_hours": ratio(
                    r["batch"]["cpu_core_hours"], base["batch"]["cpu_core_hours"]
                ),
                "batch_jobs_finished": ratio(r["batch"]["finished"], base["batch"]["finished"]),
                "cpu_average": ratio(r["cpu"]["average"], base["cpu"]["average"]),
            }
    return out


def attribution(result: dict[str, object]) -> dict[str, float | None]:
    """Time-sharing's batch gain over static, split: what usage-based reclaim alone gives
    (the ``reclaim`` mode) and what shrinking apps in their trough adds on top of it."""

    def hours(mode: str) -> float | None:
        r = result.get(mode)
        return r["batch"]["cpu_core_hours"] if isinstance(r, dict) else None  # type: ignore[index]

    static, reclaim, shared = hours("static"), hours("reclaim"), hours("timesharing")
    if None in (static, reclaim, shared):
        return {}
    assert static is not None and reclaim is not None and shared is not None
    gain = shared - static
    return {
        "batch_core_hours_gain": round(gain, 2),
        "reclaim_core_hours": round(reclaim - static, 2),
        "shrink_core_hours": round(shared - reclaim, 2),
        "shrink_share_of_gain": round((shared - reclaim) / gain, 4) if gain else None,
    }


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="sigma sim", description="replay the Alibaba 2018 trace")
    p.add_argument("--machines", type=int, default=None, help="machines (default: all 4,034)")
    p.add_argument("--hours", type=float, default=24.0, help="length of the window")
    p.add_argument("--start", type=float, default=24.0, help="window start, trace hours")
    p.add_argument(
        "--warmup", type=float, default=0.0, help="hours replayed before the window, not reported"
    )
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--mode", choices=("all", *MODES), default="all")
    p.add_argument("--out", default="sim-out")
    p.add_argument(
        "--trace-dir",
        default=str(default_trace_dir()),
        help="folder of the trace CSVs (plain, .xz or .gz; default: the shipped excerpts)",
    )
    p.add_argument(
        "--batch-model",
        choices=BATCH_MODELS,
        default="workers",
        help="workers: job masters dispatch instances onto worker pods; pods: one pod each",
    )
    p.add_argument(
        "--online-memory",
        type=float,
        default=0.7,
        help="share of the cluster's memory online replicas hold at full size, whatever their "
        "traffic (0: the containers' own sizes)",
    )
    p.add_argument(
        "--idle-share",
        type=float,
        default=0.1,
        help="share of a replica's CPU request it uses whatever its traffic",
    )
    p.add_argument(
        "--trough",
        type=float,
        default=0.0,
        help="flatten the daily curve so its lowest point is this share of its peak "
        "(0: the trace's own curve)",
    )
    p.add_argument("--report-interval", type=float, default=300.0, help="virtual seconds")
    p.add_argument("--progress", action="store_true", help="progress bar even without a TTY")
    p.add_argument(
        "--calibration",
        default="",
        help="`sigma bench interference --json` output to calibrate interference with "
        "(default: the figures measured for sigma.cli.sim.interference)",
    )
    return p


def summary(result: dict[str, object]) -> str:
    lines = []
    for mode in MODES:
        r = result.get(mode)
        if not isinstance(r, dict):
            continue
        lines.append(
            f"{mode:12} cpu avg {r['cpu']['average'] or 0:.3f} p95 {r['cpu']['p95'] or 0:.3f}  "
            f"mem avg {r['memory']['average'] or 0:.3f} p95 {r['memory']['p95'] or 0:.3f}  "
            f"unmet {r['online']['unmet_share'] or 0:.4f}  "
            f"degraded {r['online'].get('degraded_cpu_share') or 0:.4f}  "
            f"jobs {r['batch']['finished']}/"
            f"{r['batch']['submitted']}  batch {r['batch']['cpu_core_hours']:.0f} core-h  "
            f"evictions {r['evictions']['count']}  wall {r['run']['wall_s']} s"
        )
    ratios = result.get("against_static")
    if isinstance(ratios, dict) and ratios.get("timesharing"):
        ts = ratios["timesharing"]
        lines.append(
            f"timesharing vs static: batch core-hours x{ts['batch_core_hours']}, "
            f"jobs finished x{ts['batch_jobs_finished']}, average CPU x{ts['cpu_average']}"
        )
    split = result.get("attribution")
    if isinstance(split, dict) and split:
        lines.append(
            f"gain over static {split['batch_core_hours_gain']} core-h: reclaim "
            f"{split['reclaim_core_hours']}, shrink {split['shrink_core_hours']} "
            f"(shrink share {split['shrink_share_of_gain']})"
        )
    return "\n".join(lines)


def main(argv: Sequence[str]) -> int:
    p = parser()
    try:
        args = p.parse_args(argv)
    except SystemExit as exc:
        return int(exc.code or 0)
    if (args.machines is not None and args.machines < 1) or args.hours <= 0 or args.start < 0:
        print(
            "sigma sim: --machines, --hours must be positive, --start not negative", file=sys.stderr
        )
        return 2
    if not 0 <= args.warmup <= args.start:
        print("sigma sim: --warmup must be between 0 and --start", file=sys.stderr)
        return 2
    try:
        result = run(args)
    except Invalid as exc:
        print(f"sigma sim: {exc}", file=sys.stderr)
        return 2
    print(summary(result))
    return 0
