"""The process runtime: a pod is a group of real processes on this machine.

Each container is a process group of its own, started under a wrapper that records its exit
(``_spawn``), so one signal reaches all it started and a container can be stopped or restarted
without its siblings; the pod's sandbox is its cgroup and CPU set. What the runtime holds is
written to a state directory after every change (``state``), so a restarted agent adopts it.

Exits are pushed, not only polled: each wrapper is watched through a pidfd on the event loop,
so the agent hears of a crash within milliseconds and restarts it without waiting a resync.
"""

from __future__ import annotations

import contextlib
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

from sigma.clock import Clock, SystemClock
from sigma.errors import Internal, NotFound
from sigma.log import get_logger
from sigma.resources.cpusets import CpuSet
from sigma.slave.runtime import _procs, _spawn
from sigma.slave.runtime._port import (
    ContainerState,
    ExecResult,
    NodeSample,
    PodRun,
    PodState,
)
from sigma.slave.runtime.cgroups import Cgroups
from sigma.slave.runtime.sampling import HostSampler
from sigma.slave.runtime.state import StateDir, record_of, state_of

log = get_logger("sigma.slave.runtime")


class ProcessRuntime:
    name = "process"

    def __init__(
        self,
        node: str,
        state_dir: str | Path,
        *,
        cgroups: Cgroups | None = None,
        use_cgroups: bool = True,
        clock: Clock | None = None,
    ) -> None:
        self.node = node
        self.state = StateDir(state_dir)
        self.cgroups = cgroups if cgroups is not None or not use_cgroups else Cgroups.detect(node)
        self.clock = clock or SystemClock()
        self.capabilities = _spawn.capabilities(self.cgroups)
        self.sampler = HostSampler(self.cgroups)
        self._pods: dict[str, PodState] = {}
        self._runs: dict[str, PodRun] = {}
        self._procs = _procs.Processes()
        self.spawner = _spawn.Spawner(node, self.state, self.cgroups, self._procs)
        log.info("process runtime", extra={"node": node, "enforces": self.capabilities.describe()})

    def on_exit(self, callback: Callable[[], None]) -> None:
        self._procs.on_exit = callback

    # -- life cycle -----------------------------------------------------------------------------
    def adopt(self) -> list[PodState]:
        adopted = []
        for rec in self.state.load():
            pod, run = state_of(rec)
            for c in rec.containers:
                if c.exit_code is None and c.pid:
                    self._procs.adopt(c.pid, c.create_time)
            self._pods[rec.key], self._runs[rec.key] = pod, run
            self._refresh(pod)
            adopted.append(pod)
        return adopted

    async def start(self, run: PodRun) -> PodState:
        existing = self._pods.get(run.key)
        if existing is not None and existing.uid == run.uid:
            return existing
        if not run.containers:
            raise NotFound(f"pod {run.key} has no containers")
        cgroup = self.spawner.sandbox(run)
        pod = PodState.starting(run, time.time())
        self._pods[run.key], self._runs[run.key] = pod, run
        try:
            for i in range(len(run.containers)):
                self.spawner.launch(pod, run, i, cgroup)
        except OSError as exc:
            for c in pod.containers:
                if c.pid:
                    _procs.signal_group(c.pid, signal.SIGKILL)
                    self._procs.reap(c.pid)
            self._pods.pop(run.key)
            self._runs.pop(run.key)
            raise Internal(f"cannot start {run.key}: {exc}") from exc
        self._save(pod)
        return pod

    async def restart(self, key: str, name: str) -> ContainerState:
        pod, run = self._known(key), self._runs[key]
        index = _index(run, name)
        old = pod.containers[index]
        if old.running:
            return old
        pod.containers[index] = old.next_run()
        try:
            self.spawner.launch(pod, run, index, self.spawner.has_sandbox(key))
        except OSError as exc:
            pod.containers[index] = old
            raise Internal(f"cannot restart {key}/{name}: {exc}") from exc
        if pod.frozen:  # a frozen pod's new process must not run past the freeze
            _procs.signal_group(pod.containers[index].pid, signal.SIGSTOP)
        self._save(pod)
        return pod.containers[index]

    async def kill(self, key: str, name: str, grace: float, reason: str) -> None:
        pod = self._known(key)
        state = pod.container(name)
        if state is None or not state.running:
            return
        state.killed, state.reason = True, reason
        self._save(pod)
        if pod.frozen:
            _procs.signal_group(state.pid, signal.SIGCONT)  # a stopped process never sees TERM
        await self._terminate([state.pid], grace)
        self._refresh(pod)

    async def stop(self, key: str, grace: float) -> PodState | None:
        pod = self._pods.get(key)
        if pod is None:
            return None
        pod.killed = True
        live = [c for c in pod.containers if c.running]
        for c in live:
            c.killed = True
        self._save(pod)
        if pod.frozen:
            await self.thaw(key)  # a frozen process never sees SIGTERM
        await self._terminate([c.pid for c in live], grace)
        self._refresh(pod)
        if self.cgroups is not None:
            self.cgroups.remove(key)
        return pod

    async def _terminate(self, leaders: list[int], grace: float) -> None:
        """SIGTERM each group, SIGKILL what is left after ``grace``; wait until all are gone."""
        for pid in leaders:
            _procs.signal_group(pid, signal.SIGTERM)
        deadline = self.clock.now() + grace
        while self._procs.groups_alive(leaders) and self.clock.now() < deadline:
            await self.clock.sleep(0.02)
        if self._procs.groups_alive(leaders):
            for pid in leaders:
                _procs.signal_group(pid, signal.SIGKILL)
            while self._procs.groups_alive(leaders):
                await self.clock.sleep(0.005)

    def pods(self) -> dict[str, PodState]:
        return dict(self._pods)

    def poll(self) -> list[PodState]:
        return [pod for pod in self._pods.values() if pod.running and self._refresh(pod)]

    def forget(self, key: str) -> None:
        pod = self._pods.pop(key, None)
        self._runs.pop(key, None)
        if pod is not None:
            for c in pod.containers:
                self._procs.forget(c.pid)
        self.state.remove(key)
        if self.cgroups is not None:
            self.cgroups.remove(key)

    async def exec(self, key: str, name: str, argv: tuple[str, ...], timeout: float) -> ExecResult:
        run = self._runs.get(key)
        if run is None or not argv:
            raise NotFound(f"pod {key} is not running here")
        return await self.spawner.run_exec(run, run.containers[_index(run, name)], argv, timeout)

    def log_path(self, key: str, name: str, attempt: int) -> Path | None:
        run = self._runs.get(key)
        if run is None or attempt < 0:
            return None
        path = self.state.log_file(key, _index(run, name), attempt)
        return path if path.exists() else None

    # -- squeezing --------------------------------------------------------------------------
    async def set_cpus(self, key: str, cpus: CpuSet, quota_millis: int = 0) -> None:
        pod = self._known(key)
        for leader in pod.pids:
            for pid in _procs.group_members(leader, (leader,)):
                for tid in _procs.tasks(pid):
                    with contextlib.suppress(OSError):
                        os.sched_setaffinity(tid, cpus)
        if self.cgroups is not None and quota_millis:
            self.cgroups.set_cpu_max(key, quota_millis)
        pod.cpus = cpus
        self._save(pod)

    async def freeze(self, key: str) -> None:
        await self._set_frozen(key, True)

    async def thaw(self, key: str) -> None:
        await self._set_frozen(key, False)

    async def _set_frozen(self, key: str, frozen: bool) -> None:
        pod = self._known(key)
        if pod.frozen == frozen or not pod.running:
            return
        by_cgroup = (
            self.cgroups is not None
            and self.capabilities.freeze == "cgroup"
            and self.cgroups.freeze(key, frozen)
        )
        if not by_cgroup:
            for pid in pod.pids:
                _procs.signal_group(pid, signal.SIGSTOP if frozen else signal.SIGCONT)
        pod.frozen = frozen
        self._save(pod)

    def sample(self) -> NodeSample:
        running = {k: p.pids for k, p in self._pods.items() if p.running}
        return self.sampler.sample(running)

    async def close(self) -> None:
        self._procs.close()
        if self.cgroups is not None and not any(p.running for p in self._pods.values()):
            with contextlib.suppress(OSError):  # leave no empty subtree behind
                self.cgroups.base.rmdir()

    # -- internals --------------------------------------------------------------------------
    def _known(self, key: str) -> PodState:
        pod = self._pods.get(key)
        if pod is None:
            raise NotFound(f"pod {key} is not running here")
        return pod

    def _refresh(self, pod: PodState) -> bool:
        """Record the exit of every container whose run just ended; True if any did."""
        ended = False
        for i, c in enumerate(pod.containers):
            if not c.running or not c.pid or self._procs.alive(c.pid):
                continue
            # What the run started dies with it, as with a container's cgroup: a killed wrapper
            # must not leave its command behind to run beside the restarted one.
            _procs.kill_leftovers(c.pid)
            code = self.state.read_exit(pod.key, i)
            if code is None:
                code = self._procs.exit_code(c.pid)
            c.exit_code = 137 if code is None else code  # vanished without a word: killed
            c.signal = c.exit_code - 128 if 128 < c.exit_code <= 128 + 64 else 0
            c.finished_at = time.time()
            ended = True
        if ended:
            if not pod.running:
                pod.frozen = False
            self._save(pod)
        return ended

    def _save(self, pod: PodState) -> None:
        self.state.save(record_of(pod, self._runs[pod.key], self._procs.create_time))


def _index(run: PodRun, name: str) -> int:
    for i, c in enumerate(run.containers):
        if c.name == name:
            return i
    raise NotFound(f"pod {run.key} has no container {name!r}")
