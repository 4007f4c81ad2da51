"""Usage under containerd: the node as the process runtime measures it, each pod from its cgroup.

A pod's cgroup sums its containers (and its sandbox's pause process): CPU is the difference of
two readings of its CPU time over the wall time between them (the first reading of a pod says
0), memory its working set (usage less inactive file cache, as the kubelet counts it), and
CPU pressure its own PSI ``some total`` over a short window, as ``sampling.StallRate`` does.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import replace

from sigma.slave.runtime._cri_cgroups import PodCgroups
from sigma.slave.runtime._port import NodeSample, PodSample
from sigma.slave.runtime.cgroups import parse_pressure_total
from sigma.slave.runtime.sampling import HostSampler, StallRate


class PodSampler:
    def __init__(self, cgroups: PodCgroups, *, pressure_window: float = 0.2) -> None:
        self.cgroups = cgroups
        self.node = HostSampler(None, pressure_window=pressure_window)
        self.pressure_window = pressure_window
        self._cpu: dict[str, tuple[float, int]] = {}  # pod key -> (monotonic, cpu ns)
        self._stall: dict[str, StallRate] = {}

    def sample(self, pods: Mapping[str, str]) -> NodeSample:
        """The node, and each pod of ``pods`` (key -> its cgroup path) that has a cgroup."""
        node = self.node.sample({})
        now = time.monotonic()
        out = {}
        for key, path in pods.items():
            usage = self.cgroups.usage(path)
            if usage is None:
                continue
            before = self._cpu.get(key)
            self._cpu[key] = (now, usage.cpu_ns)
            millis = 0
            if before is not None and now > before[0]:
                millis = max(0, int((usage.cpu_ns - before[1]) / 1e6 / (now - before[0])))
            out[key] = PodSample(millis, usage.working_set_bytes, self._pressure(key, path, now))
        for gone in set(self._cpu) - set(pods):
            del self._cpu[gone]
            self._stall.pop(gone, None)
        return replace(node, pods=out)

    def _pressure(self, key: str, path: str, now: float) -> float | None:
        file = self.cgroups.pressure_file(path)
        if file is None:
            return None
        try:
            total = parse_pressure_total(file.read_text())
        except OSError:
            total = None
        stall = self._stall.setdefault(key, StallRate(self.pressure_window))
        return stall.update(now, total)
