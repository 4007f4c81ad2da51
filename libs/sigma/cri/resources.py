"""From a pod's requests and limits to what the CRI and the cgroup files take: pure functions.

The arithmetic is the kubelet's (``pkg/kubelet/cm/helpers_linux.go``), so a container here gets
the CPU weight and quota it would get under Kubernetes on the same request:

- shares: ``request * 1024 / 1000``, at least 2 (a best-effort container gets the floor, 2);
- quota: ``limit * period / 1000`` µs per 100 ms period, at least 1 ms; no limit, no quota;
- cgroup v2 weight from shares: ``1 + (shares - 2) * 9999 / 262142``, the formula runc uses.

``linux_resources`` builds the CRI's ``LinuxContainerResources`` (create and update take the
same message; containerd leaves a field at 0 unchanged on update). ``cgroup_knobs`` says the same
thing as cgroup files, v1 or v2, for a writer that goes to the files directly.

Best effort can go further than the lowest weight: ``cpu.idle`` (``sigma.cri.cgroups``) puts a
whole cgroup in the SCHED_IDLE class.
"""

from __future__ import annotations

from dataclasses import dataclass

from sigma.cri.v1 import api_pb2

PERIOD_US = 100_000
MIN_SHARES = 2
MAX_SHARES = 262_144
MIN_QUOTA_US = 1_000


@dataclass(frozen=True, slots=True)
class Resources:
    """One container's CPU and memory, in the units pods declare them (0: not set)."""

    cpu_request_millis: int = 0
    cpu_limit_millis: int = 0
    memory_limit_bytes: int = 0
    cpuset: str = ""  # "0-1,3": the CPUs the slave's allocator gave the pod
    best_effort: bool = False  # the lowest weight, whatever the request


def cpu_shares(request_millis: int, *, best_effort: bool = False) -> int:
    if best_effort or request_millis <= 0:
        return MIN_SHARES
    return max(MIN_SHARES, min(MAX_SHARES, request_millis * 1024 // 1000))


def cpu_quota(limit_millis: int, period_us: int = PERIOD_US) -> int:
    """µs per period; 0 when there is no limit (the CRI's "unset")."""
    if limit_millis <= 0:
        return 0
    return max(MIN_QUOTA_US, limit_millis * period_us // 1000)


def cpu_weight(shares: int) -> int:
    """cgroup v2 ``cpu.weight`` (1..10000) for v1 shares, as runc converts them."""
    shares = max(MIN_SHARES, min(MAX_SHARES, shares))
    return 1 + (shares - MIN_SHARES) * 9999 // (MAX_SHARES - MIN_SHARES)


def linux_resources(res: Resources) -> api_pb2.LinuxContainerResources:
    quota = cpu_quota(res.cpu_limit_millis)
    return api_pb2.LinuxContainerResources(
        cpu_shares=cpu_shares(res.cpu_request_millis, best_effort=res.best_effort),
        cpu_quota=quota,
        cpu_period=PERIOD_US if quota else 0,
        memory_limit_in_bytes=max(res.memory_limit_bytes, 0),
        cpuset_cpus=res.cpuset,
    )


def cgroup_knobs(res: Resources, *, v2: bool) -> dict[str, str]:
    """The cgroup files and values that express ``res`` (file name -> value to write).

    Unset limits are written as "no limit" (``-1``/``max``) so that applying the knobs also
    lifts a limit that was there before.
    """
    shares = cpu_shares(res.cpu_request_millis, best_effort=res.best_effort)
    quota = cpu_quota(res.cpu_limit_millis)
    memory = res.memory_limit_bytes if res.memory_limit_bytes > 0 else 0
    if v2:
        knobs = {
            "cpu.weight": str(cpu_weight(shares)),
            "cpu.max": f"{quota or 'max'} {PERIOD_US}",
            "memory.max": str(memory or "max"),
        }
    else:
        knobs = {
            "cpu.shares": str(shares),
            "cpu.cfs_period_us": str(PERIOD_US),
            "cpu.cfs_quota_us": str(quota or -1),
            "memory.limit_in_bytes": str(memory or -1),
        }
    if res.cpuset:
        knobs["cpuset.cpus"] = res.cpuset
    return knobs
