"""The process runtime: a pod is a group of real processes on this machine.

Each container runs under a tiny ``/bin/sh`` wrapper that (1) waits on its stdin until the agent
has placed it: CPU affinity, scheduling class, cgroup; (2) runs the command; (3) writes the exit
status to the pod's state directory, so an exit is known even to a later agent that did not
spawn the process. Every container leads a process group of its own, so one signal reaches all
it started and a container can be stopped or restarted without its siblings. The pod's sandbox
is its cgroup and CPU set. Batch (BE) runs at SCHED_IDLE where allowed, else nice 19.

Exits are pushed, not only polled: each wrapper is watched through a pidfd on the event loop,
so the agent hears of a crash within milliseconds and restarts it without waiting a resync.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import os
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from sigma.clock import Clock, SystemClock
from sigma.errors import Internal, NotFound
from sigma.log import get_logger
from sigma.slave.cpuset import CpuSet
from sigma.slave.runtime import _procs
from sigma.slave.runtime._port import (
    Capabilities,
    ContainerRun,
    ContainerState,
    ExecResult,
    NodeSample,
    PodRun,
    PodState,
)
from sigma.slave.runtime.cgroups import Cgroups
from sigma.slave.runtime.sampling import HostSampler
from sigma.slave.runtime.state import ContainerRecord, PodRecord, StateDir

log = get_logger("sigma.slave.runtime")

# $1: the exit-status file; the rest: the container's argv. EOF before "go" means the agent
# died while placing the process: do not run it unplaced.
WRAPPER = 'read _go || exit 125; _e=$1; shift; "$@" </dev/null; echo $? > "$_e"'
PASSED_ENV = ("PATH", "LANG", "HOME", "TZ")
EXEC_TIMEOUT_CODE = 124  # as timeout(1)


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
        self.capabilities = _capabilities(self.cgroups)
        self.sampler = HostSampler(self.cgroups)
        self._pods: dict[str, PodState] = {}
        self._runs: dict[str, PodRun] = {}
        self._procs = _procs.Processes()
        log.info("process runtime", extra={"node": node, "enforces": self.capabilities.describe()})

    def on_exit(self, callback: Callable[[], None]) -> None:
        self._procs.on_exit = callback

    # -- life cycle -----------------------------------------------------------------------------
    def adopt(self) -> list[PodState]:
        adopted = []
        for rec in self.state.load():
            pod = PodState(
                rec.key,
                rec.uid,
                rec.qos,
                frozenset(rec.cpus),
                [_container_state(c) for c in rec.containers],
                rec.started_at,
                rec.priority,
                rec.memory_limit_bytes,
                rec.frozen,
                rec.killed,
            )
            for c in rec.containers:
                if c.exit_code is None and c.pid:
                    self._procs.adopt(c.pid, c.create_time)
            self._pods[rec.key] = pod
            self._runs[rec.key] = _run_of(rec)
            self._refresh(pod)
            adopted.append(pod)
        return adopted

    async def start(self, run: PodRun) -> PodState:
        existing = self._pods.get(run.key)
        if existing is not None and existing.uid == run.uid:
            return existing
        if not run.containers:
            raise NotFound(f"pod {run.key} has no containers")
        cgroup = self._cgroup_for(run)
        pod = PodState.starting(run, time.time())
        self._pods[run.key], self._runs[run.key] = pod, run
        try:
            for i in range(len(run.containers)):
                self._launch(pod, run, i, cgroup)
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
            self._launch(pod, run, index, self.cgroups is not None and self._has_cgroup(key))
        except OSError as exc:
            pod.containers[index] = old
            raise Internal(f"cannot restart {key}/{name}: {exc}") from exc
        if pod.frozen:  # a frozen pod's new process must not run past the freeze
            _procs.signal_group(pod.containers[index].pid, signal.SIGSTOP)
        self._save(pod)
        return pod.containers[index]

    def _launch(self, pod: PodState, run: PodRun, index: int, cgroup: bool) -> None:
        """Spawn container ``index``, place it (cgroup, CPUs, class), then let it run."""
        state = pod.containers[index]
        self.state.prune_logs(run.key, index, state.attempt)
        proc = self._spawn(run, index, state.attempt)
        state.pid, state.started_at = proc.pid, time.time()
        if cgroup and self.cgroups is not None:
            self.cgroups.add(run.key, proc.pid)
        if pod.cpus:
            os.sched_setaffinity(proc.pid, pod.cpus)
        if run.batch:
            _idle(proc.pid)
        assert proc.stdin is not None
        proc.stdin.write(b"go\n")
        proc.stdin.close()

    def _spawn(self, run: PodRun, index: int, attempt: int) -> subprocess.Popen[bytes]:
        container = run.containers[index]
        exit_file = self.state.exit_file(run.key, index)
        exit_file.unlink(missing_ok=True)
        with open(self.state.log_file(run.key, index, attempt), "ab") as logf:
            proc = subprocess.Popen(
                ["/bin/sh", "-c", WRAPPER, "sigma-pod", str(exit_file), *container.argv],
                stdin=subprocess.PIPE,
                stdout=logf,
                stderr=subprocess.STDOUT,
                cwd=container.working_dir or None,
                env=self._env(run, container),
                process_group=0,
                close_fds=True,
            )
        self._procs.spawned(proc)
        return proc

    def _env(self, run: PodRun, container: ContainerRun) -> dict[str, str]:
        env = {k: os.environ[k] for k in PASSED_ENV if k in os.environ}
        env.update(SIGMA_POD=run.key, SIGMA_NODE=self.node, SIGMA_CONTAINER=container.name)
        env.update(container.env)
        return env

    def _cgroup_for(self, run: PodRun) -> bool:
        if self.cgroups is None:
            return False
        try:
            self.cgroups.create(run.key)
        except OSError:
            return False
        self.cgroups.set_cpu_max(run.key, run.cpu_limit_millis)
        self.cgroups.set_cpu_weight(run.key, 1 if run.batch else _weight(run.cpu_request_millis))
        self.cgroups.set_memory_max(run.key, run.memory_limit_bytes)
        return True

    def _has_cgroup(self, key: str) -> bool:
        return self.cgroups is not None and self.cgroups.path(key).is_dir()

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
        container = run.containers[_index(run, name)]
        try:
            proc = await asyncio.create_subprocess_exec(
                *argv,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                cwd=container.working_dir or None,
                env=self._env(run, container),
                start_new_session=True,
            )
        except OSError as exc:
            return ExecResult(127, str(exc).encode())
        try:
            async with asyncio.timeout(timeout):
                output, _ = await proc.communicate()
        except TimeoutError:
            _procs.signal_group(proc.pid, signal.SIGKILL)
            await proc.wait()
            return ExecResult(EXEC_TIMEOUT_CODE, b"timed out")
        return ExecResult(proc.returncode or 0, output[-4096:])

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
        self.state.save(
            PodRecord(
                pod.key,
                pod.uid,
                pod.qos,
                sorted(pod.cpus),
                pod.started_at,
                [self._record(c) for c in pod.containers],
                pod.priority,
                pod.memory_limit_bytes,
                pod.frozen,
                pod.killed,
                _run_to_json(self._runs[pod.key]),
            )
        )

    def _record(self, c: ContainerState) -> ContainerRecord:
        previous = None
        if c.previous is not None:
            previous = dataclasses.asdict(self._record(c.previous))
        fields = dataclasses.asdict(replace(c, previous=None, oom_killed=False))
        del fields["previous"], fields["oom_killed"]
        return ContainerRecord(
            **fields, create_time=self._procs.create_time(c.pid), previous=previous
        )


def _index(run: PodRun, name: str) -> int:
    for i, c in enumerate(run.containers):
        if c.name == name:
            return i
    raise NotFound(f"pod {run.key} has no container {name!r}")


def _container_state(rec: ContainerRecord) -> ContainerState:
    fields = dataclasses.asdict(rec)
    previous = fields.pop("previous")
    del fields["create_time"]
    state = ContainerState(**fields)
    if previous is not None:
        state.previous = _container_state(ContainerRecord(**previous))
    return state


def _run_to_json(run: PodRun) -> list[dict[str, object]]:
    return [dataclasses.asdict(c) for c in run.containers]


def _run_of(rec: PodRecord) -> PodRun:
    """Enough of the pod's PodRun to restart its containers (the sandbox is already made)."""
    containers = tuple(
        ContainerRun(
            c["name"],  # type: ignore[arg-type]
            tuple(c["argv"]),  # type: ignore[arg-type]
            tuple(tuple(e) for e in c["env"]),  # type: ignore[attr-defined,misc]
            c["working_dir"],  # type: ignore[arg-type]
            c["image"],  # type: ignore[arg-type]
        )
        for c in rec.run
    )
    return PodRun(rec.key, rec.uid, rec.qos, containers, frozenset(rec.cpus))


def _capabilities(cgroups: Cgroups | None) -> Capabilities:
    # Lowering a process to SCHED_IDLE needs no privilege on Linux; ``_idle`` still falls
    # back to nice 19 per process if the kernel refuses.
    idle = "sched_idle" if hasattr(os, "SCHED_IDLE") else "nice"
    if cgroups is None:
        return Capabilities(idle_class=idle)
    return Capabilities(
        cpu_max="cpu" in cgroups.controllers,
        cpu_weight="cpu" in cgroups.controllers,
        memory_max="memory" in cgroups.controllers,
        freeze="cgroup" if cgroups.can_freeze() else "signal",
        idle_class=idle,
        pod_pressure=cgroups.has_pressure(),
    )


def _weight(request_millis: int) -> int:
    """cgroup v2 cpu.weight (1..10000) proportional to the request; 100 is one core."""
    return max(1, min(10000, request_millis // 10 or 100))


def _idle(pid: int) -> None:
    try:
        os.sched_setscheduler(pid, os.SCHED_IDLE, os.sched_param(0))
    except (OSError, AttributeError):
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, pid, 19)
