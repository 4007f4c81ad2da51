"""The containerd runtime's pod cgroups: what the CRI does not do for a pod, done in the files.

containerd makes each container's cgroup below the sandbox's ``cgroup_parent`` and sets the
container's own weight, quota, CPU set and memory limit. The parent, the pod's cgroup, it makes
with the kernel's defaults, and those decide how pods share the machine: every pod would weigh
1024 against every other, a best-effort pod as much as an online one. So, as the kubelet does
with its pod cgroups, the runtime makes the pod's cgroup itself before the sandbox starts and
writes the pod's weight (``cpu.shares``, the floor 2 for batch) and memory limit there. Batch
pods then get ``cpu.idle`` (SCHED_IDLE for the whole pod) where the kernel has it: on the pod,
never on a container, whose ``cpu.shares`` containerd writes on every update (the kernel refuses
that write to an idle cgroup). The quota stays per container: on cgroup v1 a parent's quota
must never be below a child's, which in-place updates could not keep in order.

Freezing uses the pod's v2 ``cgroup.freeze`` (present on a hybrid machine too), else the v1
freezer. Usage and CPU pressure are read from the pod's cgroup, which sums its containers.
"""

from __future__ import annotations

import contextlib
from pathlib import Path

from sigma.cri import cgroups
from sigma.cri.resources import Resources, cgroup_knobs
from sigma.log import get_logger
from sigma.slave.runtime.cgroups import _read, _write

log = get_logger("sigma.slave.runtime")


class PodCgroups:
    def __init__(self, h: cgroups.Hierarchies) -> None:
        self.h = h

    @classmethod
    def detect(cls) -> PodCgroups:
        return cls(cgroups.hierarchies())

    def prepare(self, path: str, res: Resources) -> bool:
        """Make the pod's cgroup with its weight and memory limit (and idle for batch); whether
        the pod is idle now."""
        for knob, value in cgroup_knobs(res, v2=not self.h.v1).items():
            controller = knob.split(".")[0]
            if controller == "cpuset" or "quota" in knob or knob == "cpu.max":
                continue  # the CPU set and the quota are the containers' own (docstring)
            folder = self.h.dir(controller, path)
            if folder is not None:
                with contextlib.suppress(OSError):
                    folder.mkdir(parents=True, exist_ok=True)
                _write(folder / knob, value)
        if not res.best_effort:
            return False
        idle = cgroups.idle_file(self.h, path)
        return idle is not None and _write(idle, "1")

    def set_quota(self, path: str, res: Resources) -> bool:
        """Write the CPU quota of ``res`` to cgroup ``path`` (a container's); False if it
        could not be written (then the caller goes through the CRI)."""
        knobs = cgroup_knobs(res, v2=not self.h.v1)
        folder = self.h.dir("cpu", path)
        if folder is None:
            return False
        names = ("cpu.max",) if not self.h.v1 else ("cpu.cfs_period_us", "cpu.cfs_quota_us")
        return all(_write(folder / name, knobs[name]) for name in names)

    def can_idle(self) -> bool:
        folder = self.h.dir("cpu", "/")
        return folder is not None and (folder / "cpu.idle").exists()

    def freeze(self, path: str, frozen: bool) -> bool:
        """Stop (or resume) every task of the pod at once; False where neither freezer is."""
        v2 = cgroups.freeze_file(self.h, path)
        if v2 is not None:
            return _write(v2, "1" if frozen else "0")
        v1 = self.h.dir("freezer", path)
        return v1 is not None and _write(v1 / "freezer.state", "FROZEN" if frozen else "THAWED")

    def frozen(self, path: str) -> bool:
        v2 = cgroups.freeze_file(self.h, path)
        if v2 is not None:
            return _read(v2).strip() == "1"
        v1 = self.h.dir("freezer", path)
        return v1 is not None and _read(v1 / "freezer.state").strip() == "FROZEN"

    def can_freeze(self) -> bool:
        return self.h.v2 is not None or "freezer" in self.h.v1

    def usage(self, path: str) -> cgroups.Usage | None:
        try:
            return cgroups.read_usage(cgroups.usage_files(self.h, path))
        except FileNotFoundError:
            return None

    def pressure_file(self, path: str) -> Path | None:
        return self.h.v2 / path.lstrip("/") / "cpu.pressure" if self.h.v2 is not None else None

    def remove_empty(self, path: str) -> None:
        """Remove ``path`` where nothing is left below it (the runtime's root, at its close),
        and its parents that are then empty."""
        cgroups.remove_tree(self.h, path)
        for folder in self.h.every_dir(path):
            for parent in list(folder.parents)[: path.strip("/").count("/")]:
                try:
                    parent.rmdir()
                except OSError:
                    break

    def remove(self, path: str) -> None:
        left = cgroups.remove_tree(self.h, path)
        if left:
            log.warning("pod cgroups left behind", extra={"paths": [str(p) for p in left]})
