"""The loaders on the real excerpt files: counts as the data's README states them."""

import gzip
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

import sigma.cli.sim
from sigma.cli.sim import (
    MEMORY_100_BYTES,
    Scale,
    app_load,
    load_apps,
    load_jobs,
    load_machines,
    load_trace,
)
from sigma.cli.sim import containers as containers_module
from sigma.cli.sim._csv import TraceError, open_text
from sigma.cli.sim.batch import _read as read_batch
from sigma.cli.sim.trace import SHIPPED, default_trace_dir


def test_machines_latest_row_wins_and_topology_levels(data: Path) -> None:
    every = load_machines(
        data / "machine_meta.csv", statuses=frozenset({"USING", "IMPORT_INSTALLING"})
    )
    assert len(every) == 4034
    using = load_machines(data / "machine_meta.csv")
    assert len(using) == 4033  # one machine ends the trace IMPORT_INSTALLING
    assert {n.cpu_millis for n in using} == {96_000}
    assert {n.memory_bytes for n in using} == {MEMORY_100_BYTES}
    assert len({n.chassis for n in using}) == 292
    assert len({n.core_switch for n in using}) == 20
    assert using[0].name == "m_1" and using[0].host == "m_1"
    assert (using[0].chassis, using[0].core_switch) == ("fd1-219", "fd2-17")


def test_containers_and_apps_match_the_readme(data: Path) -> None:
    path = data / "container_meta.head20k.csv"
    raw = containers_module._read(path)
    assert len(raw) == 3861
    assert len({c.app for c in raw.values()}) == 1946
    apps, skipped = load_apps(path, total_machines=4034)
    assert len(apps) + skipped.counts["no live replica in window"] == 1946
    assert skipped.counts == Counter({"no live replica in window": 20})
    assert sum(a.replicas for a in apps) == 3824  # 37 containers are stopped all trace long
    by_name = {a.name: a for a in apps}
    # app_5052: c_1 on m_2556, 400/400 hundredths of a core, 1.56% of 512 GiB (the trace's
    # two-decimal 8 GiB) = 7.9872 GiB, kept to the MiB: 8,179 MiB.
    assert by_name["app_5052"].cpu_request_millis == 4000
    assert by_name["app_5052"].cpu_limit_millis == 4000
    assert by_name["app_5052"].memory_bytes == 8179 * 2**20


def test_batch_jobs_match_the_readme_and_skips_are_counted(data: Path) -> None:
    path = data / "batch_task.head50k.csv"
    assert len(read_batch(path)) == 14407
    jobs, skipped = load_jobs(path, total_machines=4034)
    assert len(jobs) == 14278
    assert skipped.counts == Counter(
        {
            "no resource plan": 54,
            "never started": 45,
            "unfinished in trace": 29,
            "dependency outside the excerpt": 1,
        }
    )
    assert len(jobs) + skipped.total == 14407
    j3 = next(j for j in jobs if j.name == "j_3")
    r6 = next(t for t in j3.tasks if t.name == "R6_3")
    assert (r6.instances, r6.cpu_millis, r6.duration_s, r6.start) == (371, 1000, 28, 157297)
    assert r6.depends_on == ("M3",)
    deps = {t.name: t.depends_on for t in j3.tasks}
    assert deps["J8_3_7"] == ("M3", "R7_6")
    assert deps["J4_2_3"] == ("R2_1", "M3")
    assert deps["M3"] == ()
    assert j3.submit == 157213  # M3, the earliest start
    assert [j.submit for j in jobs] == sorted(j.submit for j in jobs)


def test_scaled_slice_is_reproducible_and_seed_dependent(data: Path) -> None:
    scale = Scale(machines=400, start=86400, end=2 * 86400, seed=7)
    first = load_trace(data, scale)
    again = load_trace(data, scale)
    other = load_trace(data, Scale(machines=400, start=86400, end=2 * 86400, seed=8))
    assert len(first.nodes) == 400
    assert first.summary() == again.summary()
    assert [n.name for n in first.nodes] == [n.name for n in again.nodes]
    assert [n.name for n in first.nodes] != [n.name for n in other.nodes]
    assert all(86400 <= j.submit < 2 * 86400 for j in first.jobs)
    # Thinned to ~400/4034 of the apps: 1,926 live apps become roughly 190.
    assert 130 < len(first.apps) < 260
    app = first.apps[0]
    a = app_load(first.usage, app, scale)
    b = app_load(again.usage, app, scale)
    c = app_load(other.usage, app, Scale(machines=400, start=86400, end=2 * 86400, seed=8))
    assert len(a.share) == 288
    np.testing.assert_array_equal(a.share, b.share)
    assert not np.array_equal(a.share, c.share)


def test_usage_curve_has_the_daily_cycle(data: Path) -> None:
    trace = load_trace(data, Scale(machines=1))
    cpu = np.array(trace.usage.cpu)
    assert len(cpu) == 2243
    assert 0.35 < cpu.mean() < 0.45  # README: about 40%
    assert 0.8 < np.array(trace.usage.memory).mean() < 0.95  # README: ~88%


def test_the_excerpts_ship_inside_the_package(monkeypatch) -> None:
    """A clone with nothing beside it replays: the default folder is in the package itself."""
    monkeypatch.delenv("SIGMA_TRACE_DIR", raising=False)
    folder = default_trace_dir()
    assert folder == SHIPPED and Path(sigma.cli.sim.__file__).parent == folder.parent
    assert len(load_machines(folder / "machine_meta.csv")) == 4033


def test_a_trace_folder_may_hold_plain_or_gzipped_files(tmp_path: Path) -> None:
    with open_text(SHIPPED / "cluster_usage_mean_300s.csv") as src:
        body = src.read()
    (tmp_path / "plain.csv").write_text(body)
    (tmp_path / "packed.csv.gz").write_bytes(gzip.compress(body.encode()))
    for name in ("plain.csv", "packed.csv"):
        with open_text(tmp_path / name) as f:
            assert f.read() == body
    with pytest.raises(TraceError, match=r"missing\.csv:0: file.*missing\.csv\.xz"):
        open_text(tmp_path / "missing.csv")
