"""The process runtime's resource controls: CPU affinity and quota, freezing, usage.

A pod's CPU set is the affinity of every thread of every process of its containers' groups
(what a container started since inherits it); a quota is the pod cgroup's ``cpu.max`` where
cgroups work. Freezing uses the pod cgroup's freezer where there is one, else SIGSTOP and
SIGCONT to each container's group. Usage is the host's and each pod's process groups'
(``sampling``).
"""

from __future__ import annotations

import contextlib
import os
import signal

from sigma.resources.cpusets import CpuSet
from sigma.slave.runtime import _procs
from sigma.slave.runtime._port import Capabilities, NodeSample
from sigma.slave.runtime.cgroups import Cgroups
from sigma.slave.runtime.sampling import HostSampler
from sigma.slave.runtime.state import ProcessPods


class ProcessControls:
    def __init__(
        self, pods: ProcessPods, cgroups: Cgroups | None, capabilities: Capabilities
    ) -> None:
        self._pods = pods
        self.cgroups = cgroups
        self.capabilities = capabilities
        self.sampler = HostSampler(cgroups)

    async def set_cpus(self, key: str, cpus: CpuSet, quota_millis: int = 0) -> None:
        pod = self._pods.known(key)
        for leader in pod.pids:
            for pid in _procs.group_members(leader, (leader,)):
                for tid in _procs.tasks(pid):
                    with contextlib.suppress(OSError):
                        os.sched_setaffinity(tid, cpus)
        if self.cgroups is not None and quota_millis:
            self.cgroups.set_cpu_max(key, quota_millis)
        pod.cpus = cpus
        self._pods.save(pod)

    async def freeze(self, key: str) -> None:
        await self._set_frozen(key, True)

    async def thaw(self, key: str) -> None:
        await self._set_frozen(key, False)

    async def _set_frozen(self, key: str, frozen: bool) -> None:
        pod = self._pods.known(key)
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
        self._pods.save(pod)

    def sample(self) -> NodeSample:
        running = {k: p.pids for k, p in self._pods.items() if p.running}
        return self.sampler.sample(running)
