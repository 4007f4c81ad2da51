"""Helpers of the slave's process tests: tiny pods, an agent over the embedded store and bus
with the process runtime, and the leak check every test ends with."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import sys
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import TypeVar

import psutil

from sigma.bus import Bus
from sigma.clock import SystemClock
from sigma.resources import POD
from sigma.resources.repository import Repository
from sigma.slave.agent import AgentConfig, SlaveAgent
from sigma.slave.control import StoreControlPlane
from sigma.slave.qos.model import QosPolicy
from sigma.slave.runtime._port import ContainerRun, PodRun
from sigma.slave.runtime.process import ProcessRuntime
from sigma.store import Store
from sigma.testing.procs import alive
from sigma.v1 import meta_pb2, pod_pb2

T = TypeVar("T")

CPUS = frozenset(os.sched_getaffinity(0))

LS = meta_pb2.QOS_CLASS_LS
BE = meta_pb2.QOS_CLASS_BE

# $2 processes (one group) spin while the file named by $1 exists, else sleep: a pod whose load
# the test turns on and off from outside. Processes, not threads: the GIL would cap threads at
# one CPU.
SPIN = """
import os, sys, time
flag = sys.argv[1]
for _ in range(int(sys.argv[2]) - 1):
    if os.fork() == 0:
        break
while True:
    if os.path.exists(flag):
        end = time.monotonic() + 0.05
        while time.monotonic() < end:
            pass
    else:
        time.sleep(0.005)
"""


def run(
    key: str, *argv: str, qos: int = LS, cpus: frozenset[int] = frozenset(), **kw: object
) -> PodRun:
    return PodRun(
        key=key,
        uid=f"uid-{key}",
        qos=qos,
        containers=(ContainerRun("main", tuple(argv)),),
        cpus=cpus,
        **kw,  # type: ignore[arg-type]
    )


def spinner(key: str, flag: str, threads: int, *, qos: int, cpus: frozenset[int]) -> PodRun:
    return run(key, sys.executable, "-c", SPIN, flag, str(threads), qos=qos, cpus=cpus)


def pod(
    name: str,
    qos: int,
    argv: Sequence[str],
    node: str,
    *,
    priority: int = 0,
    cpu: int = 500,
    namespace: str = "team",
) -> pod_pb2.Pod:
    p = pod_pb2.Pod()
    p.meta.namespace, p.meta.name = namespace, name
    p.spec.node_name = node
    p.spec.qos_class = qos  # type: ignore[assignment]
    p.spec.priority = priority
    c = p.spec.template.containers.add(name="main", command=list(argv))
    c.resources.requests.cpu_millis = cpu
    p.status.phase = pod_pb2.POD_PHASE_SCHEDULED
    return p


def spinner_argv(flag: str, threads: int) -> list[str]:
    return [sys.executable, "-c", SPIN, flag, str(threads)]


class Slave:
    """One agent run: start it, stop it (its pods keep running), start another on the same dir."""

    def __init__(self, store: Store, bus: Bus, node: str, state: str, config: AgentConfig):
        self.before = alive_children()
        self.control = StoreControlPlane(store, bus, node)
        self.runtime = ProcessRuntime(node, state)
        self.agent = SlaveAgent(node, self.control, self.runtime, SystemClock(), config)
        self.task = asyncio.ensure_future(self.agent.run())

    async def stop(self) -> None:
        self.task.cancel()
        await asyncio.gather(self.task, return_exceptions=True)
        await self.runtime.close()


def repo(store: Store) -> Repository[pod_pb2.Pod]:
    return Repository(store, POD)


class Runtimes:
    """Makes process runtimes that share one state dir, like successive runs of one agent."""

    def __init__(self, state: Path) -> None:
        self.node = f"t-{uuid.uuid4().hex[:8]}"
        self.state = state
        self.made: list[ProcessRuntime] = []
        self.before = alive_children()

    def new(self) -> ProcessRuntime:
        rt = ProcessRuntime(self.node, self.state)
        self.made.append(rt)
        return rt

    def pids(self) -> set[int]:
        return {pid for rt in self.made for pod in rt.pods().values() for pid in pod.pids}


def config() -> AgentConfig:
    """Fast loops for tests; pressure_threshold above 100 keeps PSI freezing out of the way."""
    return AgentConfig(
        cpu_count=os.cpu_count() or 1,
        memory_bytes=psutil.virtual_memory().total,
        heartbeat_interval=1.0,
        usage_interval=0.2,
        resync_interval=0.2,
        grace=0.5,
        evict_grace=0.2,
        policy=QosPolicy(suppress_threshold=0.9, cpu_evict_after=1.5, pressure_threshold=101.0),
    )


async def cleanup(slave: Slave, pids: set[int]) -> None:
    """Stop the agent, then every pod it left, then assert nothing is left running."""
    await slave.stop()
    for key in list(slave.runtime.pods()):
        await slave.runtime.stop(key, 0.2)
        slave.runtime.forget(key)
    if slave.runtime.cgroups is not None:
        with contextlib.suppress(OSError):
            slave.runtime.cgroups.base.rmdir()
    assert_no_leaks(pids, slave.before)


def alive_children() -> set[int]:
    """Live child processes of this test process (the session's engines among them)."""
    return {c.pid for c in psutil.Process().children(recursive=True) if alive(c)}


def assert_no_leaks(pids: set[int], before: set[int]) -> None:
    """No pod pid alive and no child process that was not already there ``before`` the test."""
    me = psutil.Process()
    for child in me.children(recursive=True):
        with contextlib.suppress(psutil.Error):
            if child.pid not in before and child.status() == psutil.STATUS_ZOMBIE:
                os.waitpid(child.pid, os.WNOHANG)
    leftovers = [c for c in me.children(recursive=True) if alive(c) and c.pid not in before]
    pods_alive = [pid for pid in pids if running(pid)]
    for proc in leftovers:  # do not let one failure poison the next tests
        with contextlib.suppress(psutil.Error):
            os.kill(proc.pid, signal.SIGKILL)
    assert not leftovers, f"leaked child processes: {leftovers}"
    assert not pods_alive, f"pod processes still alive: {pods_alive}"


def running(pid: int) -> bool:
    """The process exists and is not a zombie (an exited child nobody reaped yet)."""
    try:
        return alive(psutil.Process(pid))
    except psutil.Error:
        return False
