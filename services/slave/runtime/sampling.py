"""Measuring the machine and its pods with psutil (and PSI where the kernel has it).

CPU is a rate, so every figure is the difference between two readings of cumulative CPU time
divided by the wall time between them: the first sample of a pod reports 0 and the next ones
the usage since the previous sample. Per pod, CPU and memory sum over the pod's process group
leaders and all their descendants.

CPU pressure is a rate too. The kernel's own ``avg10`` is a 10 s exponential average refreshed
every 2 s: full starvation takes about 6 s to lift it past 40 %, far too slow for an emergency
path that must act in a fraction of a second. So pressure is taken from PSI's cumulative
``some total`` (live at every read) differenced over a short window (``pressure_window``,
200 ms by default): the share of that window in which some task waited for a CPU. A window of
several QoS ticks keeps one unlucky tick from freezing batch.
"""

from __future__ import annotations

import collections
import contextlib
import os
import time
from collections.abc import Mapping
from pathlib import Path

import psutil

from sigma.slave.runtime._port import NodeSample, PodSample
from sigma.slave.runtime.cgroups import Cgroups, parse_pressure_total

PSI_CPU = Path("/proc/pressure/cpu")


class StallRate:
    """Percent of the last ``window`` seconds with a task waiting for CPU, from PSI totals."""

    def __init__(self, window: float) -> None:
        self.window = window
        self._readings: collections.deque[tuple[float, int]] = collections.deque()

    def update(self, now: float, total_us: int | None) -> float | None:
        """Add a reading; the rate since the newest reading at least ``window`` old (or the
        oldest one kept, while the window fills). None until two readings exist."""
        if total_us is None:
            self._readings.clear()
            return None
        readings = self._readings
        readings.append((now, total_us))
        while len(readings) > 2 and readings[1][0] <= now - self.window:
            readings.popleft()
        then, before = readings[0]
        if now <= then:
            return None
        return min(100.0, max(0.0, (total_us - before) / 1e4 / (now - then)))


class HostSampler:
    def __init__(self, cgroups: Cgroups | None = None, *, pressure_window: float = 0.2) -> None:
        self.cgroups = cgroups
        self.pressure_window = pressure_window
        self._node_stall = StallRate(pressure_window)
        self._pod_stall: dict[str, StallRate] = {}
        self.cpu_count = psutil.cpu_count() or 1
        self._node_prev: tuple[float, float] | None = None  # (wall, busy cpu seconds)
        self._pod_prev: dict[str, tuple[float, float]] = {}
        self._procs: dict[int, psutil.Process] = {}  # cached so cpu_times reads stay cheap
        self._members_cache: dict[str, tuple[float, list[psutil.Process]]] = {}
        self.refresh = 1.0  # seconds between scans for a pod's descendants

    def sample(self, pods: Mapping[str, tuple[int, ...]]) -> NodeSample:
        now = time.monotonic()
        times = psutil.cpu_times()
        busy = sum(times) - times.idle - getattr(times, "iowait", 0.0)
        cpu = _rate(self._node_prev, now, busy)
        self._node_prev = (now, busy)
        mem = psutil.virtual_memory()
        samples = {key: self._pod(key, pids, now) for key, pids in pods.items()}
        for gone in set(self._pod_prev) - set(pods):
            del self._pod_prev[gone]
            self._pod_stall.pop(gone, None)
            self._members_cache.pop(gone, None)
        return NodeSample(
            cpu_millis=cpu,
            memory_bytes=mem.total - mem.available,
            pressure=self._node_stall.update(now, read_pressure_total()),
            runnable_per_cpu=_runnable() / self.cpu_count,
            pods=samples,
        )

    def _pod(self, key: str, pids: tuple[int, ...], now: float) -> PodSample:
        cpu_seconds, rss = 0.0, 0
        for proc in self._members(key, pids, now):
            with contextlib.suppress(psutil.Error), proc.oneshot():
                t = proc.cpu_times()
                cpu_seconds += t.user + t.system
                rss += proc.memory_info().rss
        millis = _rate(self._pod_prev.get(key), now, cpu_seconds)
        self._pod_prev[key] = (now, cpu_seconds)
        pressure = None
        if self.cgroups is not None:
            stall = self._pod_stall.setdefault(key, StallRate(self.pressure_window))
            pressure = stall.update(now, self.cgroups.pressure_total(key))
        return PodSample(millis, rss, pressure)

    def _members(self, key: str, pids: tuple[int, ...], now: float) -> list[psutil.Process]:
        """The pod's processes; descendants are re-discovered at most every ``refresh`` s.

        Finding descendants scans every process on the machine, too dear for each 25 ms
        tick; reading the cached members' CPU times is cheap. A process started between two
        refreshes is counted from the next refresh on.
        """
        cached = self._members_cache.get(key)
        if cached is not None and now - cached[0] < self.refresh:
            return cached[1]
        out: list[psutil.Process] = []
        for pid in pids:
            proc = self._procs.get(pid)
            try:
                if proc is None or not proc.is_running():
                    proc = self._procs[pid] = psutil.Process(pid)
                out.append(proc)
                out.extend(proc.children(recursive=True))
            except psutil.Error:
                self._procs.pop(pid, None)
        self._members_cache[key] = (now, out)
        return out


def _rate(prev: tuple[float, float] | None, now: float, total: float) -> int:
    if prev is None or now <= prev[0]:
        return 0
    return max(0, int((total - prev[1]) / (now - prev[0]) * 1000))


def read_pressure_total(path: Path = PSI_CPU) -> int | None:
    """The node's cumulative CPU stall (µs), or None where the kernel has no PSI."""
    try:
        return parse_pressure_total(path.read_text())
    except OSError:
        return None


def _runnable() -> int:
    """Runnable tasks right now (the 4th field of /proc/loadavg), less the sampler itself."""
    try:
        running = Path("/proc/loadavg").read_text().split()[3].split("/")[0]
        return max(0, int(running) - 1)
    except (OSError, IndexError, ValueError):
        return int(os.getloadavg()[0])
