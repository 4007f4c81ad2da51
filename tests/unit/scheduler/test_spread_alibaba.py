"""Spreading on the real topology of Alibaba's 2018 trace: 4,034 machines, failure_domain_2
as the core switch level, failure_domain_1 (292 domains in the file) as the chassis level."""

from __future__ import annotations

import csv

import numpy as np

from sigma.cli.sim._csv import open_text
from sigma.cli.sim.trace import default_trace_dir
from sigma.scheduler.framework import DEFAULT_SPREAD, Cache, NodeRow, PodInfo
from sigma.scheduler.framework.types import CHASSIS, CORE_SWITCH, HOST
from sigma.scheduler.plugins.registry import build, default_profile

META = default_trace_dir() / "machine_meta.csv"
GiB = 1 << 30


def alibaba_cache() -> Cache:
    cache = Cache()
    seen: set[str] = set()
    with open_text(META) as f:
        for machine, _, fd1, fd2, cpus, _mem, status in csv.reader(f):
            if machine in seen:  # one row per machine: its first state
                continue
            seen.add(machine)
            cores = int(cpus)
            cache.upsert_node(
                NodeRow(
                    machine,
                    alloc_cpu=cores * 1000,
                    alloc_mem=256 * GiB,
                    cores=cores,
                    ready=status == "USING",
                    topology=(machine, f"fd1-{fd1}", f"fd2-{fd2}"),
                )
            )
    return cache


def test_app_of_200_replicas_spreads_over_hosts_and_domains() -> None:
    cache = alibaba_cache()
    assert len(cache) == 4034
    fw = build(default_profile(seed=7))
    for r in range(200):
        replica = PodInfo(
            f"shop/web-{r}", cpu=4000, mem=8 * GiB, app="shop/web", spread=DEFAULT_SPREAD
        )
        result = fw.schedule(replica, cache.snapshot())
        assert result.node, result.status.message()
        cache.assume(replica, result.node)
    snap = cache.snapshot()
    nodes = snap.app_nodes("shop/web")
    assert len(np.unique(snap.domain(HOST)[nodes])) == 200
    ready = snap.ready
    for level in (CORE_SWITCH, CHASSIS):
        counts = np.bincount(snap.domain(level)[nodes], minlength=snap.domains[level])
        live = np.bincount(snap.domain(level)[ready], minlength=snap.domains[level]) > 0
        assert counts[live].max() - counts[live].min() <= 1, level
    # 20 switches take 10 replicas each; 200 of the 292 chassis take one each.
    assert snap.domains[CORE_SWITCH] == 20 and snap.domains[CHASSIS] > 200
