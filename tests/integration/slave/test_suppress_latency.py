"""Benchmark: online pressure appearing → batch suppressed, p50/p99 over repeated trials.

Measured end to end on real processes: from the instant the LS pod's processes start spinning
to the instant the BE pod's own CPU affinity has shrunk (read from the kernel every 2 ms). That
includes the sampling window the rise must show up in, the QoS tick, the decision and the
sched_setaffinity calls. Run with ``-s`` to see the figures; set SIGMA_SUPPRESS_TRIALS for more.
"""

from __future__ import annotations

import asyncio
import os
import statistics
from pathlib import Path

import pytest
from slave_helpers import BE, CPUS, LS, Slave, cleanup, config, pod, repo, spinner_argv

from sigma.bus.memory import MemoryBus
from sigma.slave.qos.model import QosPolicy
from sigma.store.memory import MemoryStore
from sigma.testing.wait import eventually, took

TRIALS = int(os.environ.get("SIGMA_SUPPRESS_TRIALS", "8"))
QOS_INTERVAL = float(os.environ.get("SIGMA_QOS_INTERVAL", "0.025"))
P99_BOUND = 0.25  # seconds; the design target of 100 ms is reported, not asserted (shared CI)

pytestmark = pytest.mark.skipif(len(CPUS) < 2, reason="needs two CPUs to shrink batch onto one")


async def test_pressure_to_suppression_latency(tmp_path: Path) -> None:
    cfg = config()
    cfg.qos_interval = QOS_INTERVAL
    cfg.policy = QosPolicy(suppress_threshold=0.9, cpu_evict_after=3600, pressure_threshold=101.0)
    store, bus = MemoryStore(), MemoryBus()
    node, flag = "n-bench", tmp_path / "busy"
    (tmp_path / "always").touch()
    slave = Slave(store, bus, node, str(tmp_path / "state"), cfg)
    pods = repo(store)
    pids: set[int] = set()
    latencies: list[float] = []
    skipped = 0
    try:
        await pods.create(pod("web", LS, spinner_argv(str(flag), len(CPUS)), node))
        await pods.create(pod("job", BE, spinner_argv(str(tmp_path / "always"), 1), node))
        rt = slave.runtime
        await eventually(lambda: {"team/web", "team/job"} <= set(rt.pods()), timeout=10)
        job = rt.pods()["team/job"].pids[0]
        pids = {p for st in rt.pods().values() for p in st.pids}
        for _ in range(TRIALS):
            try:  # a trial starts from an idle node; other load on the machine postpones it
                await eventually(
                    lambda: os.sched_getaffinity(job) == CPUS, timeout=3, what="an idle node"
                )
            except AssertionError:
                skipped += 1
                continue
            await asyncio.sleep(0.2)  # let the node settle at idle
            flag.touch()
            latencies.append(
                await took(
                    lambda: len(os.sched_getaffinity(job)) < len(CPUS),
                    timeout=5,
                    what="batch shrunk",
                    interval=0.002,
                )
            )
            flag.unlink()
    finally:
        flag.unlink(missing_ok=True)
        await cleanup(slave, pids)
    if len(latencies) < TRIALS // 2:
        pytest.skip(f"machine too busy with other work: {skipped} of {TRIALS} trials never idle")
    latencies.sort()
    p50 = statistics.median(latencies)
    p99 = latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))]
    print(
        f"\npressure→suppressed over {len(latencies)} trials: p50 {p50 * 1000:.0f} ms, "
        f"p99 {p99 * 1000:.0f} ms, max {latencies[-1] * 1000:.0f} ms "
        f"(QoS tick {cfg.qos_interval * 1000:.0f} ms; {skipped} trials skipped: node busy)"
    )
    assert p99 <= P99_BOUND
