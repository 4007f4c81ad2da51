"""The containerd runtime's resource controls: CPU sets and quotas, freezing, usage.

A new CPU set goes to each running container through UpdateContainerResources, with the quota;
a quota alone is written to the containers' cgroups (``_cri_cgroups``), as Koordinator's agent
does: the suppress strategy moves it many times a second, and each CRI update costs a runc
process. Freezing is the pod cgroup's freezer; usage is read from the pod cgroups
(``_cri_sampling``), the CRI's stats answering nothing for an exited container.
"""

from __future__ import annotations

import contextlib

from sigma.cri.client import CriClient
from sigma.cri.resources import PERIOD_US, linux_resources
from sigma.errors import NotFound
from sigma.resources.cpusets import CpuSet, format_cpuset
from sigma.slave.runtime import _cri_pods as P
from sigma.slave.runtime._cri_cgroups import PodCgroups
from sigma.slave.runtime._cri_sampling import PodSampler
from sigma.slave.runtime._port import NodeSample
from sigma.slave.runtime._table import PodTable


class ContainerdControls:
    def __init__(self, pods: PodTable[P.Pod], cri: CriClient, cgroups: PodCgroups) -> None:
        self._pods = pods
        self.cri = cri
        self.cgroups = cgroups
        self.sampler = PodSampler(cgroups)

    async def set_cpus(self, key: str, cpus: CpuSet, quota_millis: int = 0) -> None:
        pod = self._pods.known(key)
        moved = cpus != pod.state.cpus
        pod.state.cpus, pod.quota_millis = cpus, quota_millis
        res = P.pod_resources(pod.run, format_cpuset(cpus), quota_millis)
        update = linux_resources(res)
        if not update.cpu_quota:  # 0 leaves the quota as it was: -1 lifts it
            update.cpu_quota, update.cpu_period = -1, PERIOD_US
        for c in pod.state.containers:
            cid = pod.id_of(c)
            if not c.running or cid is None:
                continue
            if moved or not self.cgroups.set_quota(f"{pod.cgroup}/{cid}", res):
                with contextlib.suppress(NotFound):
                    await self.cri.containers.update_resources(cid, update)

    async def freeze(self, key: str) -> None:
        await self._set_frozen(key, True)

    async def thaw(self, key: str) -> None:
        await self._set_frozen(key, False)

    async def _set_frozen(self, key: str, frozen: bool) -> None:
        pod = self._pods.known(key)
        if pod.state.frozen != frozen and self.cgroups.freeze(pod.cgroup, frozen):
            pod.state.frozen = frozen

    def sample(self) -> NodeSample:
        live = {k: p.cgroup for k, p in self._pods.items() if p.state.running}
        return self.sampler.sample(live)

    def cgroup(self, key: str) -> str | None:
        """The pod's cgroup (``sigma.cri.cgroups`` paths), where its usage can be read."""
        pod = self._pods.get(key)
        return pod.cgroup if pod is not None else None
