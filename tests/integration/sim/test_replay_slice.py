"""``sigma sim`` end to end on a synthetic trace small enough to check by hand.

Four 96-core machines, two online apps and three batch jobs (one a two-task DAG) in the
trace's own CSV formats, replayed for one virtual hour (trace hours 1 to 2) with the real
apiserver, scheduler and colocator. The cluster curve is constant and the apps' demand is
pinned at their limit, so online CPU per sample, capacity, pod-minutes, the jobs and the
scaling factors are known before the run; what depends on scheduling (batch CPU) is
recomputed from the fleet's own per-node tally, independently of ``samples``/``build_report``.
No real trace data is read: the files are written to ``tmp_path``.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from sigma.cli import main as cli_main
from sigma.cli.sim.replay import MODES, Outcome, Timing, replay
from sigma.cli.sim.report import build_report
from sigma.cli.sim.run import main as sim_main
from sigma.cli.sim.run import samples
from sigma.cli.sim.scale import Scale
from sigma.cli.sim.trace import Trace, TraceFiles, load_trace
from sigma.cli.sim.vloop import run_virtual
from sigma.cli.sim.workload import Knobs, Workload

GIB = 2**30
FILES = TraceFiles()
# The window: trace seconds [3600, 7200), i.e. `--start 1 --hours 1`. No `--machines`: with
# every machine kept, Scale.fraction is 1 and `keeps` keeps every app and job (sampling
# only thins when a machine count below the trace's 4,034 is asked for).
START, END = 3600, 7200
INTERVAL = 300.0

# machine_meta.csv, no header: machine_id, time_stamp, failure_domain_1, failure_domain_2,
# cpu_num, mem_size (100 = 512 GiB), status. m_5's latest row is IMPORT_INSTALLING: not a node.
MACHINES = """\
m_1,0,11,1,96,100,USING
m_2,0,11,1,96,100,USING
m_3,0,12,2,96,100,USING
m_4,0,12,2,96,100,USING
m_4,250000,12,2,96,100,USING
m_5,0,13,2,96,100,USING
m_5,3000,13,2,96,100,IMPORT_INSTALLING
"""
# container_meta, no header: container_id, machine_id, time_stamp, app_du, status,
# cpu_request, cpu_limit (100 = 1 core), mem_size. Request = limit = 7 cores; 1.5625 = 8 GiB,
# 3.125 = 16 GiB. app_3's only container stops before the window: not replayed.
CONTAINERS = """\
c_1,m_1,0,app_1,started,700,700,1.5625
c_2,m_2,0,app_1,started,700,700,1.5625
c_2,m_2,287942,app_1,started,700,700,1.5625
c_3,m_3,0,app_2,started,700,700,3.125
c_4,m_4,0,app_3,started,700,700,3.125
c_4,m_4,1800,app_3,stopped,700,700,3.125
"""
BATCH_HEADER = (
    "task_name,instance_num,job_name,task_type,status,start_time,end_time,plan_cpu,plan_mem\n"
)
# j_1: M1 (600 s) then R2_1 (300 s, waits for M1). j_2, one independent task (a base64 id
# as in the trace, without "=" padding: see the task-name test below), ran on day 2 at the
# window's time of day (90400 = 86400 + 4000): folded to 4000. j_4 ran at 05:33, outside
# the window's hours; j_5 never started and j_6 never ended in the trace: the loader skips
# both.
BATCH = (
    BATCH_HEADER
    + """\
M1,1,j_1,1,Terminated,3700,4300,100,0.2
R2_1,1,j_1,1,Terminated,4300,4600,100,0.2
task_LTg0MTUwNTA5Mjg4MDkwNjIzMA,2,j_2,1,Terminated,90400,90520,50,0.2
M1,1,j_3,1,Terminated,5000,5300,100,0.2
M1,1,j_4,1,Terminated,20000,20300,100,0.2
M1,,j_5,1,Waiting,0,0,100,0.2
M1,1,j_6,1,Running,4500,0,100,0.2
"""
)
# cluster_usage_mean_300s.csv, header included: a day of 5-minute rows at a constant 80%.
USAGE = "cpu_util_percent,mem_util_percent,net_in,net_out,disk_io_percent\n" + (
    "80.0,50.0,30.0,25.0,4.0\n" * 288
)

# The replay's knobs for the hand-computed runs (the CLI's defaults but three):
# - level 2: an app's demand share is min(level x curve x noise, limit/request) =
#   min(2 x 0.8 x (1 +- 0.05), 1) = 1 unless the seeded noise falls below 0.625 (7.5 sigma):
#   every replica wants exactly its 7,000 millicore request, and the noise is out of the sum.
# - batch_share 0.02 and 4-core pods, so the jobs are small enough to finish in the hour.
KNOBS = Knobs(level=2.0, batch_share=0.02, pod_millis=4000)

NODES = 4
CAPACITY = NODES * 96_000  # millicores: m_1..m_4 (m_5 is installing)
MEMORY = NODES * 512 * GIB
REQUEST = 7_000
# Online replicas: the container excerpt asks 3 x 7,000 = 21,000 millicores; the replay
# multiplies replicas so requests reach 75% of the capacity: x 0.75 x 384,000 / 21,000 =
# x 13.714285; app_1: round(2 x 13.71) = 27, app_2: round(1 x 13.71) = 14.
REPLICAS = {"app_1": 27, "app_2": 14}
PODS = 41
ONLINE_CPU = PODS * REQUEST  # 287,000 millicores once every replica runs
ONLINE_MEMORY = (27 * 8 + 14 * 16) * GIB  # 440 GiB
# Batch: planned CPU-seconds in the window: j_1 1,000 m x 600 s + 1,000 m x 300 s, j_2
# 2 x 500 m x 120 s, j_3 1,000 m x 300 s = 1,320,000; factor to reach 2% of the cluster's
# CPU-seconds: 0.02 x 384,000 x 3,600 / 1,320,000 = 20.945454...
BATCH_FACTOR = 0.02 * CAPACITY * 3600 / 1_320_000
# (name, folded submit, critical path in seconds: the least a job can take).
JOBS = [("j-1", 3700.0, 600 + 300), ("j-2", 4000.0, 120), ("j-3", 5000.0, 300)]


def write_trace(folder: Path, batch: str = BATCH) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / FILES.machines).write_text(MACHINES)
    (folder / FILES.containers).write_text(CONTAINERS)
    (folder / FILES.batch).write_text(batch)
    (folder / FILES.usage).write_text(USAGE)
    return folder


@dataclass(frozen=True)
class Run:
    trace: Trace
    outcome: Outcome
    work: Workload
    report: dict[str, Any]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_trace(tmp_path_factory.mktemp("trace"))


@pytest.fixture(scope="module")
def runs(folder: Path) -> dict[str, Run]:
    """Each mode replayed once, as run.py does it: load, replay on virtual time, report."""
    scale = Scale(None, START, END, seed=0)
    trace = load_trace(folder, scale, all_days=True)
    out = {}
    for mode in ("static", "timesharing"):
        outcome, work = run_virtual(
            replay(trace, mode, KNOBS, Timing(report_s=INTERVAL)), start=scale.start
        )
        report = build_report(samples(outcome, work, scale.start, scale.end, INTERVAL))
        out[mode] = Run(trace, outcome, work, report)
    return out


def test_the_slice_is_the_rows_written(runs: dict[str, Run]) -> None:
    run = runs["static"]
    summary = run.trace.summary()
    assert summary["nodes"] == NODES
    assert summary["apps"] == 2 and summary["replicas"] == 3
    # all_days: every started, finished job of any day (j_1..j_4); folding drops j_4 later.
    assert summary["jobs"] == 4
    assert summary["skipped"] == {
        "apps": {"no live replica in window": 1},
        "jobs": {"never started": 1, "unfinished in trace": 1},
    }
    work = run.work
    assert [n.meta.name for n in work.nodes] == ["m_1", "m_2", "m_3", "m_4"]
    assert {a.app.name: a.replicas for a in work.apps} == REPLICAS
    assert [(w.job.name, w.submit) for w in work.jobs] == [
        ("j_1", 3700.0),
        ("j_2", 4000.0),
        ("j_3", 5000.0),
    ]
    j_1 = work.jobs[0].job
    assert [(t.name, t.depends_on, t.duration_s) for t in j_1.tasks] == [
        ("M1", (), 600),
        ("R2_1", ("M1",), 300),
    ]
    assert work.assumptions["online_replica_multiplier"] == round(0.75 * CAPACITY / 21_000, 4)
    assert work.assumptions["batch_cpu_factor"] == round(BATCH_FACTOR, 4)
    # The noise is out: each app demands request x replicas in every 300 s slot.
    for app in work.apps:
        assert len(app.demand) == (END - START) // 300
        assert (app.demand == REQUEST * REPLICAS[app.app.name]).all()


def _rows(outcome: Outcome) -> list[tuple[float, float, float, float, float]]:
    """(t, online CPU, batch CPU, online memory, batch memory), cluster-wide, per sample:
    straight from the fleet's per-node rows, without ``samples``."""
    out = []
    for t, row in zip(outcome.tally.times, outcome.tally.rows, strict=True):
        oc, bc, om, bm = (sum(float(v) for v in row[k]) for k in range(4))
        out.append((t, oc, bc, om, bm))
    return out


@pytest.fixture(params=["static", "timesharing"])
def run(runs: dict[str, Run], request: pytest.FixtureRequest) -> Run:
    """Each mode's run in turn: the hand-computed figures hold for both."""
    return runs[request.param]


def test_one_sample_per_interval_from_the_windows_start(run: Run) -> None:
    # One sample per 300 s from the window's start: 3600, 3900, ..., 6900.
    assert [r[0] for r in _rows(run.outcome)] == [START + i * INTERVAL for i in range(12)]
    assert run.report["window"] == {"start": START, "end": END, "interval_s": INTERVAL}


def test_capacity_is_the_four_nodes(run: Run) -> None:
    # Capacity: 4 x 96 cores (m_5 is not a node), 4 x 512 GiB.
    cluster = samples(run.outcome, run.work, START, END, INTERVAL).nodes
    assert {(s.cpu_capacity, s.memory_capacity) for s in cluster} == {(CAPACITY, MEMORY)}


def test_every_online_replica_gets_its_request_and_nothing_is_unmet(run: Run) -> None:
    report, outcome, rows = run.report, run.outcome, _rows(run.outcome)
    # Online: every running replica is granted its full 7,000 m (no node can hold more than
    # 13 x 7,000 = 91,000 <= 96,000 - 100 system), so each sample is 7,000 x pods running:
    # all 41 (287,000 m, 440 GiB) from the second sample on; the first one is taken at the
    # window's start, when the replicas may not be bound yet.
    pods = []
    for t, oc, _, om, _ in rows:
        assert oc % REQUEST == 0, (t, oc)
        pods.append(int(oc // REQUEST))
        if t > START:
            assert (oc, om) == (ONLINE_CPU, ONLINE_MEMORY), t
    assert 0 <= pods[0] <= PODS
    assert outcome.tally.pod_samples == sum(pods) == pods[0] + 11 * PODS
    assert outcome.tally.demand == sum(pods) * REQUEST  # demand = grant: nothing unmet
    # A pod sample stands for 300 s = 5 pod-minutes.
    assert report["online"] == {
        "pod_minutes": sum(pods) * 5.0,
        "unmet_pod_minutes": 0.0,
        "unmet_share": 0.0,
        "unmet_cpu_share": 0.0,
    }
    # Online CPU share: 287,000 / 384,000 = 0.74739... in 11 samples of 12, plus the first.
    online_avg = (pods[0] * REQUEST + 11 * ONLINE_CPU) / CAPACITY / 12
    assert report["cpu"]["online_average"] == pytest.approx(online_avg, rel=1e-12)
    assert report["memory"]["online_average"] == pytest.approx(
        (rows[0][3] + 11 * ONLINE_MEMORY) / MEMORY / 12, rel=1e-12
    )


def test_utilisation_is_online_plus_batch_over_capacity(run: Run) -> None:
    cpu, rows = run.report["cpu"], _rows(run.outcome)
    # Utilisation per sample and its mean, from the tally rows: (online + batch) / capacity.
    per_t = [(oc + bc) / CAPACITY for _, oc, bc, _, _ in rows]
    assert [u for _, u in cpu["series"]] == pytest.approx(per_t, rel=1e-12)
    assert cpu["average"] == pytest.approx(sum(per_t) / len(per_t), rel=1e-12)
    assert cpu["p95"] == pytest.approx(sorted(per_t)[math.ceil(0.95 * 12) - 1])
    batch_cpu = [bc for _, _, bc, _, _ in rows]
    assert cpu["batch_average"] == pytest.approx(sum(batch_cpu) / CAPACITY / 12, rel=1e-12)


def test_batch_gets_what_online_leaves_and_some_batch_ran(run: Run) -> None:
    rows = _rows(run.outcome)
    # Batch never gets more than the node leaves it: capacity - 100 system - online.
    for _, oc, bc, _, _ in rows:
        assert 0 <= bc <= CAPACITY - NODES * 100 - oc
    # Core-hours: millicores / 1000 x 300 s / 3600 per sample, and some batch did run.
    core_hours = sum(bc for _, _, bc, _, _ in rows) / 1000 * INTERVAL / 3600
    assert run.report["batch"]["cpu_core_hours"] == pytest.approx(core_hours, rel=1e-12)
    assert core_hours > 0


def test_jobs_finish_no_sooner_than_their_critical_path(run: Run) -> None:
    batch, outcome = run.report["batch"], run.outcome
    # Jobs: the three in the slice were submitted at their folded times, and each finished
    # no sooner than its critical path after that (j_1's R2 only starts once M1 is done).
    assert outcome.skipped_jobs == 0
    assert [(n, s) for n, s, _ in outcome.jobs] == [(n, s) for n, s, _ in JOBS]
    assert batch["submitted"] == len(JOBS)
    for (name, submit, finish), (_, _, path) in zip(outcome.jobs, JOBS, strict=True):
        assert finish is not None, name
        assert submit + path <= finish <= END, name
    completions = sorted(f - s for _, s, f in outcome.jobs if f is not None)
    assert batch["finished"] == 3
    assert batch["throughput_per_hour"] == 3.0  # 3 jobs in one hour
    assert batch["completion_s"] == {
        "count": 3,
        "mean": pytest.approx(sum(completions) / 3),
        "p50": completions[1],  # nearest rank: ceil(0.5 x 3) = 2nd
        "p95": completions[2],
        "max": completions[2],
    }


def test_evictions_are_the_fleets_per_hour_of_window(run: Run) -> None:
    # Evictions: the fleet's batch pods deleted while running; the window is one hour.
    evictions = run.outcome.tally.evictions
    assert run.report["evictions"]["count"] == len(evictions)
    assert run.report["evictions"]["per_hour"] == len(evictions)


def _cli_outputs(folder: Path, out: Path, seed: int, mode: str = "all") -> dict[str, Any]:
    argv = ["--trace-dir", str(folder), "--out", str(out), "--start", "1", "--hours", "1"]
    assert sim_main([*argv, "--seed", str(seed), "--mode", mode]) == 0
    report = json.loads((out / "report.json").read_text())
    for value in report.values():
        if isinstance(value, dict):
            value.pop("run", None)  # wall-clock figures
    report["input"]["scale"].pop("out")
    # Per-node utilisation (which node ran what) is only in the heatmaps.
    pictures = {p.name: p.read_bytes() for p in sorted(out.glob("*.[ps][nv]g"))}
    return {"report": report, "pictures": pictures}


@pytest.fixture(scope="module")
def every_mode(folder: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """The CLI's defaults (noise on, every mode), seed 0."""
    return _cli_outputs(folder, tmp_path_factory.mktemp("all"), seed=0)


def test_the_same_seed_gives_the_same_output(
    folder: Path, tmp_path: Path, every_mode: dict[str, Any]
) -> None:
    """report.json without its wall-clock figures, and the per-node heatmaps, are the same
    run after run. Each mode replays on its own, so a second run of the time-sharing mode
    alone must give that mode's figures and charts exactly."""
    report = every_mode["report"]
    assert set(report) >= {"pools", "static", "timesharing"}
    assert report["static"]["batch"]["submitted"] == len(JOBS)
    assert report["static"]["cpu"]["average"] > 0
    charts = ["utilisation"] + [f"{kind}-{m}" for kind in ("heatmap", "usage") for m in MODES]
    assert set(every_mode["pictures"]) == {f"{c}.{x}" for c in charts for x in ("png", "svg")}
    again = _cli_outputs(folder, tmp_path, seed=0, mode="timesharing")
    assert again["report"]["timesharing"] == report["timesharing"]
    mine = {p for p in again["pictures"] if p.startswith(("heatmap-", "usage-"))}
    assert mine == {f"{k}-timesharing.{x}" for k in ("heatmap", "usage") for x in ("png", "svg")}
    assert {p: again["pictures"][p] for p in mine} == {p: every_mode["pictures"][p] for p in mine}


def test_another_seed_draws_other_loads(
    folder: Path, tmp_path: Path, every_mode: dict[str, Any]
) -> None:
    """The comparison above is not vacuous: the seed does reach the replay (each app's noise)."""
    zero = every_mode["report"]
    one = _cli_outputs(folder, tmp_path, seed=1, mode="static")["report"]
    assert zero["static"]["cpu"]["online_average"] != one["static"]["cpu"]["online_average"]


def test_a_warm_up_is_replayed_but_left_out_of_the_figures(tmp_path: Path) -> None:
    """Half an hour before the window: the replicas are running when it opens, a job of that
    time of day is submitted the evening before (and counted nowhere), and the figures,
    samples and scaling factor are the window's own."""
    batch = BATCH + "M1,1,j_9,1,Terminated,2400,2700,100,0.2\n"  # 00:40, in the warm-up only
    scale = Scale(None, START, END, seed=0, warmup=1800)
    trace = load_trace(write_trace(tmp_path / "trace", batch), scale, all_days=True)
    outcome, work = run_virtual(
        replay(trace, "static", KNOBS, Timing(report_s=INTERVAL)), start=scale.replay_start
    )
    assert [(w.name, w.submit) for w in work.jobs if w.warmup] == [("j-9-warmup", 2400.0)]
    assert [(n, s) for n, s, _ in outcome.jobs] == [(n, s) for n, s, _ in JOBS]
    assert work.assumptions["batch_cpu_factor"] == round(BATCH_FACTOR, 4)  # j_9 not in it
    rows = _rows(outcome)
    assert [r[0] for r in rows] == [START + i * INTERVAL for i in range(12)]
    assert all((oc, om) == (ONLINE_CPU, ONLINE_MEMORY) for _, oc, _, om, _ in rows)
    assert outcome.tally.pod_samples == 12 * PODS
    assert all(t >= START for t, _, _ in outcome.tally.evictions)


# A name the trace cut at 50 characters, ending in "_": task 13, waiting for tasks 1 and 2.
CUT = "J13" + "_1_2" * 11 + "_1_"


def test_jobs_with_the_traces_own_task_names_are_replayed(tmp_path: Path) -> None:
    """Independent tasks are named ``task_<base64>`` in the trace, "=" padding included (2,714
    of the 14,278 jobs of the excerpt), and a cut DAG name can end in "_": the replay must
    submit such jobs, not have the apiserver reject them as invalid names."""
    assert len(CUT) == 50
    batch = BATCH_HEADER + (
        "task_ODk2MzU0ODg1MTY5MTExNTUwMg==,1,j_7,1,Terminated,3700,3800,100,0.2\n"
        "M1,1,j_8,1,Terminated,3700,3760,100,0.2\n"
        "M2,1,j_8,1,Terminated,3700,3760,100,0.2\n"
        f"{CUT},1,j_8,1,Terminated,3760,3800,100,0.2\n"
    )
    scale = Scale(None, START, START + 1800, seed=0)
    trace = load_trace(write_trace(tmp_path / "trace", batch), scale, all_days=True)
    assert [j.name for j in trace.jobs] == ["j_7", "j_8"]
    assert trace.jobs[1].tasks[2].depends_on == ("M1", "M2")
    outcome, _ = run_virtual(
        replay(trace, "static", KNOBS, Timing(report_s=INTERVAL)), start=scale.start
    )
    assert outcome.skipped_jobs == 0  # jobs the apiserver refused
    assert [(n, s) for n, s, _ in outcome.jobs] == [("j-7", 3700.0), ("j-8", 3700.0)]
    assert all(f is not None for _, _, f in outcome.jobs)


def test_a_malformed_row_exits_2_naming_its_cell(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # Line 1 is the header: the second task row is line 3.
    bad = BATCH.replace(
        "R2_1,1,j_1,1,Terminated,4300,4600,100,", "R2_1,1,j_1,1,Terminated,4300,4600,lots,"
    )
    folder = write_trace(tmp_path / "trace", bad)
    out = tmp_path / "out"
    code = cli_main(["sim", "--trace-dir", str(folder), "--out", str(out), "--hours", "1"])
    captured = capsys.readouterr()
    assert code == 2
    assert captured.err.splitlines() == [
        f"sigma sim: {FILES.batch}:3: plan_cpu: 'lots' is not a number"
    ]
    assert captured.out == ""
    assert not (out / "report.json").exists()
