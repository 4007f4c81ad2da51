"""The process runtime: a pod is a group of real processes on this machine.

Each container is a process group of its own, started under a wrapper that records its exit
(``_spawn``), so one signal reaches all it started and a container can be stopped or restarted
without its siblings; the pod's sandbox is its cgroup and CPU set. What the runtime holds is
written to a state directory after every change (``state``), so a restarted agent adopts it.

Exits are pushed, not only polled: each wrapper is watched through a pidfd on the event loop,
so the agent hears of a crash within milliseconds and restarts it without waiting a resync.
The pods' CPU sets, quotas, freezing and usage are ``controls`` (``_proc_controls``), over the
same ``ProcessPods``.
"""

from __future__ import annotations

import contextlib
import signal
import time
from collections.abc import Callable
from pathlib import Path

from sigma.clock import Clock, SystemClock
from sigma.errors import Internal, NotFound
from sigma.log import get_logger
from sigma.slave.runtime import _procs, _spawn
from sigma.slave.runtime._port import ContainerState, ExecResult, PodRun, PodState
from sigma.slave.runtime._proc_controls import ProcessControls
from sigma.slave.runtime.cgroups import Cgroups, subtree
from sigma.slave.runtime.state import ProcessPods, StateDir, state_of

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
        if cgroups is None and use_cgroups:
            cgroups = Cgroups.detect(subtree(node, Path(state_dir)))
        self.cgroups = cgroups
        self.clock = clock or SystemClock()
        self.capabilities = _spawn.capabilities(self.cgroups)
        self._procs = _procs.Processes()
        self._pods = ProcessPods(self.state, self._procs)
        self.controls = ProcessControls(self._pods, self.cgroups, self.capabilities)
        self.spawner = _spawn.Spawner(node, self.state, self.cgroups, self._procs)
        log.info("process runtime", extra={"node": node, "enforces": self.capabilities.describe()})

    def on_exit(self, callback: Callable[[], None]) -> None:
        self._procs.on_exit = callback

    def adopt(self) -> list[PodState]:
        adopted = []
        for rec in self.state.load():
            pod, run = state_of(rec)
            for c in rec.containers:
                if c.exit_code is None and c.pid:
                    self._procs.adopt(c.pid, c.create_time)
            self._pods.add(pod, run)
            self._pods.refresh(pod)
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
        self._pods.add(pod, run)
        try:
            for i in range(len(run.containers)):
                self.spawner.launch(pod, run, i, cgroup)
        except OSError as exc:
            for c in pod.containers:
                if c.pid:
                    _procs.signal_group(c.pid, signal.SIGKILL)
                    self._procs.reap(c.pid)
            self._pods.drop(run.key)
            raise Internal(f"cannot start {run.key}: {exc}") from exc
        self._pods.save(pod)
        return pod

    async def restart(self, key: str, name: str) -> ContainerState:
        pod, run = self._pods.known(key), self._pods.runs[key]
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
        self._pods.save(pod)
        return pod.containers[index]

    async def kill(self, key: str, name: str, grace: float, reason: str) -> None:
        pod = self._pods.known(key)
        state = pod.container(name)
        if state is None or not state.running:
            return
        state.killed, state.reason = True, reason
        self._pods.save(pod)
        if pod.frozen:
            _procs.signal_group(state.pid, signal.SIGCONT)  # a stopped process never sees TERM
        await self._procs.terminate([state.pid], grace, self.clock)
        self._pods.refresh(pod)

    async def stop(self, key: str, grace: float) -> PodState | None:
        pod = self._pods.get(key)
        if pod is None:
            return None
        pod.killed = True
        live = [c for c in pod.containers if c.running]
        for c in live:
            c.killed = True
        self._pods.save(pod)
        if pod.frozen:
            await self.controls.thaw(key)  # a frozen process never sees SIGTERM
        await self._procs.terminate([c.pid for c in live], grace, self.clock)
        self._pods.refresh(pod)
        if self.cgroups is not None:
            self.cgroups.remove(key)
        return pod

    def pods(self) -> dict[str, PodState]:
        return dict(self._pods)

    def poll(self) -> list[PodState]:
        return [pod for pod in self._pods.values() if pod.running and self._pods.refresh(pod)]

    def forget(self, key: str) -> None:
        pod = self._pods.drop(key)
        if pod is not None:
            for c in pod.containers:
                self._procs.forget(c.pid)
        self.state.remove(key)
        if self.cgroups is not None:
            self.cgroups.remove(key)

    async def exec(self, key: str, name: str, argv: tuple[str, ...], timeout: float) -> ExecResult:
        run = self._pods.runs.get(key)
        if run is None or not argv:
            raise NotFound(f"pod {key} is not running here")
        container = run.containers[_index(run, name)]
        return await self.spawner.run_exec(run, container, argv, timeout, self._pods.get(key))

    def log_path(self, key: str, name: str, attempt: int) -> Path | None:
        run = self._pods.runs.get(key)
        if run is None or attempt < 0:
            return None
        path = self.state.log_file(key, _index(run, name), attempt)
        return path if path.exists() else None

    async def close(self) -> None:
        self._procs.close()
        if self.cgroups is not None and not any(p.running for p in self._pods.values()):
            with contextlib.suppress(OSError):  # leave no empty subtree behind
                self.cgroups.base.rmdir()


def _index(run: PodRun, name: str) -> int:
    for i, c in enumerate(run.containers):
        if c.name == name:
            return i
    raise NotFound(f"pod {run.key} has no container {name!r}")
