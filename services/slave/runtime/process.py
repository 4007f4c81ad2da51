"""The process runtime: a pod is a group of real processes on this machine.

Each container runs under a tiny ``/bin/sh`` wrapper that (1) waits on its stdin until the agent
has placed it: CPU affinity, scheduling class, cgroup; (2) runs the command; (3) writes the exit
status to the pod's state directory, so an exit is known even to a later agent that did not
spawn the process. The first container leads a new process group, the others join it, so one
signal reaches the whole pod. Batch (BE) runs at SCHED_IDLE where allowed, else nice 19.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path

import psutil

from sigma.clock import Clock, SystemClock
from sigma.errors import Internal, NotFound
from sigma.log import get_logger
from sigma.slave.cpuset import CpuSet
from sigma.slave.runtime._port import Capabilities, NodeSample, PodRun, PodState
from sigma.slave.runtime.cgroups import Cgroups
from sigma.slave.runtime.sampling import HostSampler
from sigma.slave.runtime.state import PodRecord, StateDir

log = get_logger("sigma.slave.runtime")

# $1: the exit-status file; the rest: the container's argv. EOF before "go" means the agent
# died while placing the process: do not run it unplaced.
WRAPPER = 'read _go || exit 125; _e=$1; shift; "$@" </dev/null; echo $? > "$_e"'
PASSED_ENV = ("PATH", "LANG", "HOME", "TZ")


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
        self._children: dict[int, subprocess.Popen[bytes]] = {}
        self._create_times: dict[int, float] = {}
        log.info("process runtime", extra={"node": node, "enforces": self.capabilities.describe()})

    # -- life cycle -----------------------------------------------------------------------------
    def adopt(self) -> list[PodState]:
        adopted = []
        for rec in self.state.load():
            pod = PodState(
                rec.key,
                rec.uid,
                rec.qos,
                frozenset(rec.cpus),
                tuple(rec.pids),
                rec.started_at,
                rec.priority,
                rec.memory_limit_bytes,
                rec.frozen,
                None,
                rec.killed,
            )
            self._create_times.update(zip(rec.pids, rec.create_times, strict=True))
            self._pods[rec.key] = pod
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
        pids: list[int] = []
        try:
            for i in range(len(run.containers)):
                proc = self._spawn(run, i, pgid=pids[0] if pids else 0)
                pids.append(proc.pid)
                self._place(proc.pid, run, cgroup)
            for pid in pids:  # release only once every container is placed
                stdin = self._children[pid].stdin
                assert stdin is not None
                stdin.write(b"go\n")
                stdin.close()
        except OSError as exc:
            for pid in pids:
                _signal_group(pids[0], signal.SIGKILL)
                self._reap(pid)
            raise Internal(f"cannot start {run.key}: {exc}") from exc
        pod = PodState(
            run.key,
            run.uid,
            run.qos,
            run.cpus,
            tuple(pids),
            time.time(),
            run.priority,
            run.memory_limit_bytes,
        )
        self._pods[run.key] = pod
        self._save(pod)
        return pod

    def _spawn(self, run: PodRun, index: int, *, pgid: int) -> subprocess.Popen[bytes]:
        container = run.containers[index]
        env = {k: os.environ[k] for k in PASSED_ENV if k in os.environ}
        env.update(SIGMA_POD=run.key, SIGMA_NODE=self.node, SIGMA_CONTAINER=container.name)
        env.update(container.env)
        exit_file = self.state.exit_file(run.key, index)
        exit_file.unlink(missing_ok=True)
        with open(self.state.log_file(run.key, index), "ab") as logf:
            proc = subprocess.Popen(
                ["/bin/sh", "-c", WRAPPER, "sigma-pod", str(exit_file), *container.argv],
                stdin=subprocess.PIPE,
                stdout=logf,
                stderr=subprocess.STDOUT,
                cwd=container.working_dir or None,
                env=env,
                process_group=pgid,
                close_fds=True,
            )
        self._children[proc.pid] = proc
        self._create_times[proc.pid] = psutil.Process(proc.pid).create_time()
        return proc

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

    def _place(self, pid: int, run: PodRun, cgroup: bool) -> None:
        if cgroup and self.cgroups is not None:
            self.cgroups.add(run.key, pid)
        if run.cpus:
            os.sched_setaffinity(pid, run.cpus)
        if run.batch:
            _idle(pid)

    async def stop(self, key: str, grace: float) -> PodState | None:
        pod = self._pods.get(key)
        if pod is None:
            return None
        if pod.running:
            pod.killed = True
            self._save(pod)
            if pod.frozen:
                await self.thaw(key)  # a frozen process never sees SIGTERM
            _signal_group(pod.pids[0], signal.SIGTERM)
            deadline = self.clock.now() + grace
            while self._group_alive(pod) and self.clock.now() < deadline:
                await self.clock.sleep(0.02)
            if self._group_alive(pod):
                _signal_group(pod.pids[0], signal.SIGKILL)
                while self._group_alive(pod):
                    await self.clock.sleep(0.005)
            self._refresh(pod)
        if self.cgroups is not None:
            self.cgroups.remove(key)
        return pod

    def pods(self) -> dict[str, PodState]:
        return dict(self._pods)

    def poll(self) -> list[PodState]:
        done = []
        for pod in self._pods.values():
            if pod.running and self._refresh(pod):
                done.append(pod)
        return done

    def forget(self, key: str) -> None:
        pod = self._pods.pop(key, None)
        if pod is not None:
            for pid in pod.pids:
                self._children.pop(pid, None)
                self._create_times.pop(pid, None)
        self.state.remove(key)
        if self.cgroups is not None:
            self.cgroups.remove(key)

    # -- squeezing --------------------------------------------------------------------------
    async def set_cpus(self, key: str, cpus: CpuSet, quota_millis: int = 0) -> None:
        pod = self._known(key)
        for pid in _group_members(pod.pids[0], pod.pids):
            for tid in _tasks(pid):
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
            _signal_group(pod.pids[0], signal.SIGSTOP if frozen else signal.SIGCONT)
        pod.frozen = frozen
        self._save(pod)

    def sample(self) -> NodeSample:
        running = {k: p.pids for k, p in self._pods.items() if p.running}
        return self.sampler.sample(running)

    async def close(self) -> None:
        for proc in self._children.values():
            if proc.stdin is not None and not proc.stdin.closed:
                proc.stdin.close()
        if self.cgroups is not None and not any(p.running for p in self._pods.values()):
            with contextlib.suppress(OSError):  # leave no empty subtree behind
                self.cgroups.base.rmdir()

    # -- internals --------------------------------------------------------------------------
    def _known(self, key: str) -> PodState:
        pod = self._pods.get(key)
        if pod is None:
            raise NotFound(f"pod {key} is not running here")
        return pod

    def _alive(self, pod: PodState) -> bool:
        return any(self._pid_alive(pid) for pid in pod.pids)

    def _group_alive(self, pod: PodState) -> bool:
        for pid in pod.pids:
            self._reap(pid)
        return bool(_group_members(pod.pids[0]))

    def _pid_alive(self, pid: int) -> bool:
        self._reap(pid)
        proc = self._children.get(pid)
        if proc is not None:
            return proc.returncode is None
        try:
            p = psutil.Process(pid)
            same = abs(p.create_time() - self._create_times.get(pid, -1.0)) < 0.05
            return same and p.status() != psutil.STATUS_ZOMBIE
        except psutil.Error:
            return False

    def _reap(self, pid: int) -> None:
        proc = self._children.get(pid)
        if proc is not None:
            proc.poll()
            return
        with contextlib.suppress(ChildProcessError, OSError):
            os.waitpid(pid, os.WNOHANG)  # a child of an earlier runtime in this process

    def _refresh(self, pod: PodState) -> bool:
        """Set the pod's exit code once every container has exited; True if it just did."""
        if not pod.running or self._alive(pod):
            return False
        codes = []
        for i, pid in enumerate(pod.pids):
            code = self.state.read_exit(pod.key, i)
            proc = self._children.get(pid)
            if code is None and proc is not None and proc.returncode is not None:
                rc = proc.returncode
                code = 128 - rc if rc < 0 else rc
            codes.append(137 if code is None else code)  # vanished without a word: killed
        pod.exit_code = next((c for c in codes if c), 0)
        pod.frozen = False
        self._save(pod)
        return True

    def _save(self, pod: PodState) -> None:
        self.state.save(
            PodRecord(
                pod.key,
                pod.uid,
                pod.qos,
                sorted(pod.cpus),
                list(pod.pids),
                [self._create_times.get(p, 0.0) for p in pod.pids],
                pod.started_at,
                pod.priority,
                pod.memory_limit_bytes,
                pod.frozen,
                pod.killed,
            )
        )


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


def _signal_group(pgid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pgid, sig)


def _tasks(pid: int) -> list[int]:
    try:
        return [int(t) for t in os.listdir(f"/proc/{pid}/task")]
    except OSError:
        return []


def _group_members(pgid: int, leaders: tuple[int, ...] = ()) -> list[int]:
    """Every live (non-zombie) process of the pod's group: wrappers and whatever they started."""
    members = set()
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "
        if int(fields[2]) == pgid and fields[0] != "Z":
            members.add(int(entry.name))
    return sorted(members | {p for p in leaders if _live_pid(p)})


def _live_pid(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False
