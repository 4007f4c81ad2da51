"""Where a container's cgroup files are, and what they say: usage without the CRI's stats.

containerd with the cgroupfs driver (no systemd) gives each container the cgroup
``<cgroup_parent>/<container id>`` (the OCI spec's ``linux.cgroupsPath``, which the verbose
ContainerStatus returns), created in every hierarchy the machine mounts. On a cgroup v1 or hybrid
machine (this project's CI: v1 controllers under ``/sys/fs/cgroup/<controller>``, an empty v2 tree
under ``/sys/fs/cgroup/unified``) that is, for a container of the pod cgroup ``/sigma/web-0``:

- CPU time: ``/sys/fs/cgroup/cpuacct/sigma/web-0/<id>/cpuacct.usage`` (ns);
- memory: ``/sys/fs/cgroup/memory/sigma/web-0/<id>/memory.usage_in_bytes`` and ``memory.stat``;
- weight, quota, idle: ``/sys/fs/cgroup/cpu/sigma/web-0/<id>/cpu.{shares,cfs_quota_us,idle}``;
- PSI, freeze, kill: ``/sys/fs/cgroup/unified/sigma/web-0/<id>/{cpu.pressure,cgroup.freeze,…}``
  (runc puts a container's tasks in the v2 tree too, though no controller is enabled there).

On a pure v2 machine every file is under the one mount (``cpu.stat`` ``usage_usec``,
``memory.current``). ``Hierarchies`` (from ``/proc/self/mounts``) resolves either layout.

``cpu.idle`` (kernel 5.15+, present in v1's cpu controller too) puts a cgroup in SCHED_IDLE:
its tasks run only when nothing else wants the CPU. The kernel then refuses writes to that
cgroup's ``cpu.shares`` (EINVAL), which runc does on every UpdateContainerResources, so set it on
the pod's cgroup (the sandbox's ``cgroup_parent``), not on a container's.

runc removes a container's cgroup with the container; the parent cgroups a pod was given stay
until their owner removes them (``remove_tree``), as the kubelet does for its pod cgroups.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field
from pathlib import Path

V1_CONTROLLERS = frozenset(
    {"cpu", "cpuacct", "cpuset", "memory", "devices", "freezer", "blkio", "pids", "net_cls"}
    | {"net_prio", "perf_event", "hugetlb", "rdma", "misc"}
)


@dataclass(frozen=True, slots=True)
class Hierarchies:
    """The machine's cgroup mounts: v1 controllers by name, and the v2 mount if any."""

    v1: dict[str, Path] = field(default_factory=dict)
    v2: Path | None = None

    def dir(self, controller: str, path: str) -> Path | None:
        """The folder of cgroup ``path`` in the hierarchy that holds ``controller``."""
        if controller in self.v1:
            return self.v1[controller] / path.lstrip("/")
        if self.v2 is not None and not self.v1:
            return self.v2 / path.lstrip("/")
        return None

    def every_dir(self, path: str) -> list[Path]:
        """The folder of cgroup ``path`` in every hierarchy (once per mount)."""
        mounts = sorted({*self.v1.values(), *([self.v2] if self.v2 else [])})
        return [mount / path.lstrip("/") for mount in mounts]


def parse_mounts(text: str) -> Hierarchies:
    """``Hierarchies`` from the text of ``/proc/self/mounts``."""
    v1: dict[str, Path] = {}
    v2 = None
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 4:
            continue
        if parts[2] == "cgroup2":
            v2 = Path(parts[1])
        elif parts[2] == "cgroup":
            for option in parts[3].split(","):
                if option in V1_CONTROLLERS or option.startswith("name="):
                    v1[option] = Path(parts[1])
    return Hierarchies(v1, v2)


def hierarchies(mounts: Path = Path("/proc/self/mounts")) -> Hierarchies:
    return parse_mounts(mounts.read_text())


@dataclass(frozen=True, slots=True)
class UsageFiles:
    """The files a container's usage is read from, and how each is to be read."""

    cpu: Path  # v1 cpuacct.usage (ns) or v2 cpu.stat (usage_usec)
    memory: Path  # v1 memory.usage_in_bytes or v2 memory.current (bytes)
    memory_stat: Path


@dataclass(frozen=True, slots=True)
class Usage:
    cpu_ns: int  # CPU time used since the cgroup was made
    memory_bytes: int  # page cache included
    working_set_bytes: int  # without the inactive file cache: what the kubelet evicts on


def usage_files(h: Hierarchies, path: str) -> UsageFiles:
    """Where the usage of cgroup ``path`` is; cpuacct/memory v1 where mounted, else v2."""
    rel = path.lstrip("/")
    if "cpuacct" in h.v1:
        cpu = h.v1["cpuacct"] / rel / "cpuacct.usage"
    else:
        cpu = _v2(h, path) / "cpu.stat"
    if "memory" in h.v1:
        memory = h.v1["memory"] / rel
        return UsageFiles(cpu, memory / "memory.usage_in_bytes", memory / "memory.stat")
    return UsageFiles(cpu, _v2(h, path) / "memory.current", _v2(h, path) / "memory.stat")


def parse_usage(files: UsageFiles, cpu: str, memory: str, memory_stat: str) -> Usage:
    """The usage the texts of ``files`` say (their contents, read by the caller)."""
    if files.cpu.name == "cpu.stat":
        cpu_ns = _stat(cpu).get("usage_usec", 0) * 1000
    else:
        cpu_ns = int(cpu.strip() or 0)
    used = int(memory.strip() or 0)
    stat = _stat(memory_stat)
    inactive = stat.get("total_inactive_file", stat.get("inactive_file", 0))
    return Usage(cpu_ns, used, max(used - inactive, 0))


def read_usage(files: UsageFiles) -> Usage | None:
    """The container's usage now, or None once its cgroup is gone."""
    try:
        texts = [p.read_text() for p in (files.cpu, files.memory, files.memory_stat)]
    except OSError:
        return None
    return parse_usage(files, *texts)


def idle_file(h: Hierarchies, path: str) -> Path | None:
    """The ``cpu.idle`` file of cgroup ``path`` where the kernel has one."""
    folder = h.dir("cpu", path) or _v2(h, path)
    file = folder / "cpu.idle"
    return file if file.exists() else None


def freeze_file(h: Hierarchies, path: str) -> Path | None:
    """The v2 ``cgroup.freeze`` of cgroup ``path`` (on a hybrid machine too), if there is one.

    Writing 1 stops every task of the cgroup and its children at once (``cgroup.events`` then
    says ``frozen 1``); the CRI still reports the containers as running.
    """
    if h.v2 is None:
        return None
    file = h.v2 / path.lstrip("/") / "cgroup.freeze"
    return file if file.exists() else None


def remove_tree(h: Hierarchies, path: str) -> list[Path]:
    """Remove cgroup ``path`` and its empty children in every hierarchy; what could not go."""
    left = []
    for top in h.every_dir(path):
        if not top.is_dir():
            continue
        for folder in sorted((p for p in top.rglob("*") if p.is_dir()), reverse=True):
            with contextlib.suppress(OSError):
                folder.rmdir()
        try:
            top.rmdir()
        except OSError:
            left.append(top)
    return left


def _v2(h: Hierarchies, path: str) -> Path:
    if h.v2 is None:
        raise FileNotFoundError("this machine mounts no cgroup v2 hierarchy")
    return h.v2 / path.lstrip("/")


def _stat(text: str) -> dict[str, int]:
    out = {}
    for line in text.splitlines():
        key, _, value = line.partition(" ")
        if value.strip().lstrip("-").isdigit():
            out[key] = int(value)
    return out
