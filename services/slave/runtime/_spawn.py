"""Starting one container of the process runtime: the wrapper, its placement, its release.

Each container runs under a tiny ``/bin/sh`` wrapper that (1) waits on its stdin until it has
been placed: cgroup, CPU affinity, scheduling class; (2) runs the command; (3) writes the exit
status to the pod's state directory, so an exit is known even to a later agent that did not
spawn the process. Every container leads a process group of its own. Batch (BE) runs at
SCHED_IDLE where allowed, else nice 19. A command run in a container (``run_exec``: a probe,
a batch worker's instance) gets the container's environment and the pod's placement, in a
process group of its own.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import subprocess
import time

from sigma.slave.runtime import _procs
from sigma.slave.runtime._port import Capabilities, ContainerRun, ExecResult, PodRun, PodState
from sigma.slave.runtime.cgroups import Cgroups
from sigma.slave.runtime.state import StateDir

# $1: the exit-status file; the rest: the container's argv. EOF before "go" means the agent
# died while placing the process: do not run it unplaced.
WRAPPER = 'read _go || exit 125; _e=$1; shift; "$@" </dev/null; echo $? > "$_e"'
PASSED_ENV = ("PATH", "LANG", "HOME", "TZ")
EXEC_TIMEOUT_CODE = 124  # as timeout(1)
# A command run in a running container (a probe, a batch worker's instance): placed first.
EXEC_WRAPPER = 'read _go || exit 125; exec "$@" </dev/null'


class Spawner:
    def __init__(
        self, node: str, state: StateDir, cgroups: Cgroups | None, procs: _procs.Processes
    ) -> None:
        self.node, self.state, self.cgroups, self.procs = node, state, cgroups, procs

    def sandbox(self, run: PodRun) -> bool:
        """The pod's cgroup with its limits, where cgroups work here; whether it has one."""
        if self.cgroups is None:
            return False
        try:
            self.cgroups.create(run.key)
        except OSError:
            return False
        self.cgroups.set_cpu_max(run.key, run.cpu_limit_millis)
        self.cgroups.set_cpu_weight(run.key, 1 if run.batch else weight(run.cpu_request_millis))
        self.cgroups.set_memory_max(run.key, run.memory_limit_bytes)
        return True

    def has_sandbox(self, key: str) -> bool:
        return self.cgroups is not None and self.cgroups.path(key).is_dir()

    def launch(self, pod: PodState, run: PodRun, index: int, cgroup: bool) -> None:
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
            idle(proc.pid)
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
                env=self.env(run, container),
                process_group=0,
                close_fds=True,
            )
        self.procs.spawned(proc)
        return proc

    def env(self, run: PodRun, container: ContainerRun) -> dict[str, str]:
        env = {k: os.environ[k] for k in PASSED_ENV if k in os.environ}
        env.update(SIGMA_POD=run.key, SIGMA_NODE=self.node, SIGMA_CONTAINER=container.name)
        env.update(container.env)
        return env

    async def run_exec(
        self,
        run: PodRun,
        container: ContainerRun,
        argv: tuple[str, ...],
        timeout: float,
        pod: PodState | None = None,
    ) -> ExecResult:
        """``argv`` in the container's environment, placed in the pod's sandbox as its
        containers are (cgroup, current CPU set, scheduling class), so what a probe or a batch
        worker's instance uses is the pod's and the node's QoS squeezes it with the pod; exit
        124 when it outlives ``timeout``. Cancelled, it kills what it started."""
        try:
            proc = await asyncio.create_subprocess_exec(
                "/bin/sh",
                "-c",
                EXEC_WRAPPER,
                "sigma-exec",
                *argv,
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                cwd=container.working_dir or None,
                env=self.env(run, container),
                start_new_session=True,
            )
        except OSError as exc:
            return ExecResult(127, str(exc).encode())
        try:
            self._place(run, proc.pid, pod)
            assert proc.stdin is not None
            proc.stdin.write(b"go\n")
            proc.stdin.close()
            async with asyncio.timeout(timeout):
                output, _ = await proc.communicate()
        except TimeoutError:
            _procs.signal_group(proc.pid, signal.SIGKILL)
            await proc.wait()
            return ExecResult(EXEC_TIMEOUT_CODE, b"timed out")
        except BaseException:
            _procs.signal_group(proc.pid, signal.SIGKILL)
            raise
        return ExecResult(proc.returncode or 0, output[-4096:])

    def _place(self, run: PodRun, pid: int, pod: PodState | None) -> None:
        with contextlib.suppress(OSError):  # the pod's sandbox went away meanwhile
            if self.has_sandbox(run.key) and self.cgroups is not None:
                self.cgroups.add(run.key, pid)
            cpus = pod.cpus if pod is not None else run.cpus
            if cpus:
                os.sched_setaffinity(pid, cpus)
        if run.batch:
            idle(pid)


def capabilities(cgroups: Cgroups | None) -> Capabilities:
    # Lowering a process to SCHED_IDLE needs no privilege on Linux; ``idle`` still falls
    # back to nice 19 per process if the kernel refuses.
    idle_class = "sched_idle" if hasattr(os, "SCHED_IDLE") else "nice"
    if cgroups is None:
        return Capabilities(idle_class=idle_class)
    return Capabilities(
        cpu_max="cpu" in cgroups.controllers,
        cpu_weight="cpu" in cgroups.controllers,
        memory_max="memory" in cgroups.controllers,
        freeze="cgroup" if cgroups.can_freeze() else "signal",
        idle_class=idle_class,
        pod_pressure=cgroups.has_pressure(),
    )


def weight(request_millis: int) -> int:
    """cgroup v2 cpu.weight (1..10000) proportional to the request; 100 is one core."""
    return max(1, min(10000, request_millis // 10 or 100))


def idle(pid: int) -> None:
    try:
        os.sched_setscheduler(pid, os.SCHED_IDLE, os.sched_param(0))
    except (OSError, AttributeError):
        with contextlib.suppress(OSError):
            os.setpriority(os.PRIO_PROCESS, pid, 19)
