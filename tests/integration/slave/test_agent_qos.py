"""Must-show, on this machine with real processes: an LS and a BE pod run; the LS pod turns
busy; within the target the BE pod's CPU set shrinks; when the pressure lasts the BE pod is
evicted (reported Evicted with its reason); the LS pod is never touched. Then: a restarted
agent adopts a running pod without restarting it.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from slave_helpers import BE, CPUS, LS, Slave, cleanup, config, pod, repo, running, spinner_argv

from sigma.bus.memory import MemoryBus
from sigma.events import DECISIONS_TOPIC
from sigma.resources.cpusets import format_cpuset
from sigma.store.memory import MemoryStore
from sigma.testing.wait import eventually
from sigma.v1 import event_pb2, pod_pb2

SUPPRESS_TARGET = 0.5  # seconds from the LS pod turning busy to batch's CPU set shrinking

pytestmark = pytest.mark.skipif(len(CPUS) < 2, reason="needs two CPUs to shrink batch onto one")


async def test_busy_online_squeezes_then_evicts_batch_and_is_never_touched(tmp_path: Path) -> None:
    store, bus = MemoryStore(), MemoryBus()
    node, flag = "n-qos", tmp_path / "busy"
    slave = Slave(store, bus, node, str(tmp_path / "state"), config())
    pods = repo(store)
    pids: set[int] = set()
    try:
        await pods.create(pod("web", LS, spinner_argv(str(flag), len(CPUS)), node))
        await pods.create(pod("job", BE, spinner_argv(str(tmp_path / "always"), 1), node))
        (tmp_path / "always").touch()  # batch is busy from the start
        rt = slave.runtime

        def both_running() -> bool:
            p = rt.pods()
            return {"team/web", "team/job"} <= set(p) and all(x.running for x in p.values())

        await eventually(both_running, timeout=10, what="LS and BE pods running")
        web_pids = rt.pods()["team/web"].pids
        pids |= set(web_pids) | set(rt.pods()["team/job"].pids)
        await eventually(  # an idle node gives batch the whole pool (other load may delay it)
            lambda: rt.pods()["team/job"].cpus == CPUS, timeout=10, what="batch on every CPU"
        )
        await eventually(lambda: _phase(slave, "web") == pod_pb2.POD_PHASE_RUNNING, timeout=5)
        web = await pods.get("team", "web")

        flag.touch()  # the LS pod turns busy
        busy_at = time.monotonic()
        await eventually(
            lambda: len(rt.pods()["team/job"].cpus) < len(CPUS), timeout=5, what="batch squeezed"
        )
        shrink = time.monotonic() - busy_at
        job_pid = rt.pods()["team/job"].pids[0]
        assert len(os.sched_getaffinity(job_pid)) == 1  # applied to the process itself
        assert shrink <= SUPPRESS_TARGET, f"batch squeezed after {shrink:.3f}s"

        await eventually(
            lambda: _phase(slave, "job") == pod_pb2.POD_PHASE_EVICTED, timeout=10, what="evicted"
        )
        job = await pods.get("team", "job")
        assert job.status.reason == "OnlineStarved"
        assert not running(job_pid)

        # The LS pod: same processes, all CPUs, never frozen, status untouched apart from Running.
        web_after = rt.pods()["team/web"]
        assert web_after.pids == web_pids and web_after.running and not web_after.frozen
        assert all(os.sched_getaffinity(p) == CPUS for p in web_pids if running(p))
        web_now = await pods.get("team", "web")
        assert web_now.status.phase == pod_pb2.POD_PHASE_RUNNING
        assert web_now.status.cpuset == format_cpuset(CPUS)
        assert web_now.meta.resource_version == web.meta.resource_version  # never written since
        decisions = await _decisions(bus)
        assert any(
            d.target == "team/job" and d.kind == event_pb2.COLOCATION_DECISION_KIND_EVICT
            for d in decisions
        )
        assert any(d.kind == event_pb2.COLOCATION_DECISION_KIND_SUPPRESS for d in decisions)
        assert not any(d.target == "team/web" for d in decisions)
        print(f"\nbatch CPU set shrank {shrink * 1000:.0f} ms after the LS pod turned busy")
    finally:
        flag.unlink(missing_ok=True)
        await cleanup(slave, pids)


async def test_restarted_agent_adopts_running_pods_without_restarting_them(tmp_path: Path) -> None:
    store, bus = MemoryStore(), MemoryBus()
    node, state = "n-adopt", str(tmp_path / "state")
    pods = repo(store)
    first = Slave(store, bus, node, state, config())
    second = None
    pids: set[int] = set()
    try:
        await pods.create(pod("svc", LS, ["sleep", "30"], node))
        await pods.create(pod("batch", BE, ["sleep", "30"], node))
        await eventually(
            lambda: _phase(first, "svc") == _phase(first, "batch") == pod_pb2.POD_PHASE_RUNNING,
            timeout=10,
            what="both running",
        )
        before = {k: (p.pids, p.started_at) for k, p in first.runtime.pods().items()}
        pids = {pid for p, _ in before.values() for pid in p}
        version = (await pods.get("team", "svc")).meta.resource_version
        await first.stop()
        assert all(running(p) for p in pids)  # the agent is gone; its pods are not

        second = Slave(store, bus, node, state, config())
        await eventually(lambda: set(second.runtime.pods()) == set(before), timeout=5)
        await second.agent.converge()
        after = {k: (p.pids, p.started_at) for k, p in second.runtime.pods().items()}
        assert after == before  # same processes, same start: adopted, not restarted
        assert all(running(p) for p in pids)
        svc = await pods.get("team", "svc")
        assert svc.meta.resource_version == version  # nothing to report: status already right

        await pods.delete("team", "batch")  # the adopted agent still converges
        await eventually(lambda: "team/batch" not in second.runtime.pods(), timeout=5)
        assert not any(running(p) for p in before["team/batch"][0])
    finally:
        await first.stop()
        await cleanup(second or first, pids)


def _phase(slave: Slave, name: str) -> int:
    """The pod's phase as the agent's own informer last saw it (0: not there)."""
    p = slave.control.informer.get(f"/sigma/v1/pods/team/{name}")
    return p.status.phase if p is not None else 0


async def _decisions(bus: MemoryBus) -> list[event_pb2.ColocationDecision]:
    async with await bus.consumer("t", [DECISIONS_TOPIC]) as c:
        msgs = await c.fetch(timeout=0.5)
    return [event_pb2.ColocationDecision.FromString(m.value) for m in msgs]
