"""Containers restart in place on this machine: real processes killed, crashing, unhealthy.

An App's pod whose process exits or is killed runs again in the same pod, its restart counted
and its last exit kept; a crashing one backs off; a failing liveness probe restarts it and a
failing readiness probe keeps it out of Ready; an agent restarted while a container was down
restarts that one and adopts the rest. Never two copies of one container.
"""

from __future__ import annotations

import os
import signal
import sys
import time
import uuid
from pathlib import Path

import psutil
from slave_helpers import LS, Slave, cleanup, config, pod, repo

from sigma.bus.memory import MemoryBus
from sigma.slave.pods.backoff import Backoff
from sigma.store.memory import MemoryStore
from sigma.testing.wait import eventually
from sigma.v1 import meta_pb2, pod_pb2

RUNNING = pod_pb2.CONTAINER_STATE_RUNNING


def app_pod(name: str, argv: list[str], node: str) -> pod_pb2.Pod:
    p = pod(name, LS, argv, node)
    p.meta.uid = f"u-{name}"
    p.spec.owner_kind, p.spec.owner_name = pod_pb2.POD_OWNER_KIND_APP, "svc"
    return p


def sleeper(marker: str) -> list[str]:
    """A long sleep whose command line carries ``marker``, so its copies can be counted."""
    return [sys.executable, "-c", f"import time; time.sleep(3600)  # {marker}"]


def copies(marker: str) -> list[int]:
    found = []
    for p in psutil.process_iter(["cmdline", "status"]):
        argv = p.info["cmdline"] or []
        live = p.info["status"] != psutil.STATUS_ZOMBIE
        if live and argv[:1] == [sys.executable] and marker in " ".join(argv):
            found.append(p.pid)  # the command itself, not its /bin/sh wrapper
    return found


async def _status(store: MemoryStore, name: str) -> pod_pb2.PodStatus:
    return (await repo(store).get("team", name)).status


async def test_a_killed_process_runs_again_in_place_counted(tmp_path: Path) -> None:
    store, node, marker = MemoryStore(), "n-restart", uuid.uuid4().hex
    slave = Slave(store, MemoryBus(), node, str(tmp_path / "state"), config())
    pids: set[int] = set()
    try:
        await repo(store).create(app_pod("web", sleeper(marker), node))
        await eventually(lambda: len(copies(marker)) == 1, timeout=10, what="web running")
        [first] = copies(marker)
        pids.add(first)
        os.kill(first, signal.SIGKILL)  # as a person would: the command itself, not a wrapper
        killed_at = time.monotonic()

        async def counted() -> bool:
            st = await _status(store, "web")
            c = st.container_statuses[0] if st.container_statuses else None
            return bool(c and c.restart_count == 1 and c.state == RUNNING)

        await eventually(counted, timeout=10, what="web restarted")
        back = time.monotonic() - killed_at
        again = copies(marker)
        pids |= set(again)
        assert len(again) == 1 and again != [first], again  # one copy, a new process
        st = await _status(store, "web")
        assert st.phase == pod_pb2.POD_PHASE_RUNNING and st.restart_count == 1
        last = st.container_statuses[0].last_termination
        assert (last.exit_code, last.signal, last.reason) == (137, 9, "Killed")
        assert back < 5.0, f"took {back:.2f}s to run again"
    finally:
        await cleanup(slave, pids)


async def test_a_crashing_container_backs_off_longer_each_time(tmp_path: Path) -> None:
    store, node = MemoryStore(), "n-crash"
    cfg = config()
    cfg.backoff = Backoff(initial=0.2, cap=1.0)
    slave = Slave(store, MemoryBus(), node, str(tmp_path / "state"), cfg)
    try:
        await repo(store).create(app_pod("crash", ["sh", "-c", "exit 3"], node))
        seen: set[str] = set()

        async def looped() -> bool:
            st = await _status(store, "crash")
            seen.add(st.reason)
            return st.restart_count >= 3

        await eventually(looped, timeout=15, what="three restarts")
        assert "CrashLoopBackOff" in seen
        st = await _status(store, "crash")
        c = st.container_statuses[0]
        assert c.last_termination.exit_code == 3 and c.last_termination.reason == "Error"
        assert st.phase == pod_pb2.POD_PHASE_RUNNING  # a crash loop is no verdict for an App
    finally:
        await cleanup(slave, set())


async def test_liveness_restarts_and_readiness_gates_ready(tmp_path: Path) -> None:
    store, node = MemoryStore(), "n-probe"
    alive, ready = tmp_path / "alive", tmp_path / "ready"
    alive.touch()
    p = app_pod("probed", sleeper(uuid.uuid4().hex), node)
    c = p.spec.template.containers[0]
    for probe, flag in ((c.liveness_probe, alive), (c.readiness_probe, ready)):
        probe.exec.command.extend(["test", "-f", str(flag)])
        probe.period.FromMilliseconds(100)
        probe.failure_threshold = 1
    slave = Slave(store, MemoryBus(), node, str(tmp_path / "state"), config())
    try:
        await repo(store).create(p)

        async def condition(value: int) -> bool:
            st = await _status(store, "probed")
            return st.phase == pod_pb2.POD_PHASE_RUNNING and any(
                x.type == "Ready" and x.status == value for x in st.conditions
            )

        await eventually(lambda: condition(meta_pb2.CONDITION_STATUS_FALSE), timeout=10)
        ready.touch()
        await eventually(lambda: condition(meta_pb2.CONDITION_STATUS_TRUE), timeout=10)
        alive.unlink()

        async def restarted() -> bool:
            st = await _status(store, "probed")
            return bool(st.container_statuses) and st.container_statuses[0].restart_count >= 1

        await eventually(restarted, timeout=10, what="restarted for its liveness")
        alive.touch()  # healthy again: the restarted container stays
        last = (await _status(store, "probed")).container_statuses[0].last_termination
        assert last.reason == "LivenessProbeFailed"
    finally:
        await cleanup(slave, set())


async def test_an_agent_back_restarts_what_died_meanwhile_and_adopts_the_rest(
    tmp_path: Path,
) -> None:
    store, bus, node = MemoryStore(), MemoryBus(), "n-back"
    web, api = uuid.uuid4().hex, uuid.uuid4().hex
    state = str(tmp_path / "state")
    first = Slave(store, bus, node, state, config())
    await repo(store).create(app_pod("web", sleeper(web), node))
    await repo(store).create(app_pod("api", sleeper(api), node))
    await eventually(lambda: len(copies(web)) == len(copies(api)) == 1, timeout=10)
    [api_pid] = copies(api)
    await first.stop()  # the agent is gone; its pods run on
    os.kill(copies(web)[0], signal.SIGKILL)  # and one dies while nobody watches
    await eventually(lambda: not copies(web), timeout=5, what="web's process gone")
    second = Slave(store, bus, node, state, config())
    try:

        async def web_back() -> bool:
            st = await _status(store, "web")
            return st.restart_count == 1 and st.container_statuses[0].state == RUNNING

        await eventually(web_back, timeout=10, what="web restarted by the new agent")
        assert len(copies(web)) == 1
        assert copies(api) == [api_pid]  # adopted as it was, not restarted
        assert (await _status(store, "api")).restart_count == 0
    finally:
        await cleanup(second, {api_pid, *copies(web)})
