"""cgroup v2, where the machine allows it: detected at start, never assumed.

Detection: the cgroup2 mount from /proc/self/mounts (``/sys/fs/cgroup`` on a pure v2 host,
``/sys/fs/cgroup/unified`` on a hybrid one), then a trial ``mkdir`` of the agent's own subtree.
Each feature is then judged by itself: ``cpu.max`` / ``cpu.weight`` need the cpu controller
delegated to the subtree, ``memory.max`` the memory controller; ``cgroup.freeze`` and per-cgroup
``cpu.pressure`` come with any v2 cgroup on a recent kernel.

Fallbacks (stated by ``Capabilities.describe``): no cgroup at all → freeze by SIGSTOP/SIGCONT of
the pod's process group and no per-pod PSI; no cpu controller → batch is held back only by its
CPU set and the idle scheduling class; no memory controller → memory limits are enforced by the
memory_evict strategy from sampled RSS.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from pathlib import Path

from sigma.log import get_logger

log = get_logger("sigma.slave.runtime")

PERIOD_US = 100_000


def find_mount(mounts: str = "/proc/self/mounts") -> Path | None:
    try:
        lines = Path(mounts).read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        parts = line.split()
        if len(parts) >= 3 and parts[2] == "cgroup2":
            return Path(parts[1])
    return None


def slug(key: str) -> str:
    return key.replace("/", "_")


def subtree(node: str, state_dir: Path) -> str:
    """The agent's subtree name: its node and a digest of its state folder. Two agents on one
    machine that call themselves the same node (tests side by side, a ``make up`` beside them)
    then never share a pod's cgroup, and an agent restarted on its state finds its own."""
    digest = hashlib.sha256(str(state_dir.resolve()).encode()).hexdigest()[:8]
    return f"{slug(node)}-{digest}"


class Cgroups:
    """The agent's subtree (``<mount>/sigma/<subtree>``) and one leaf per pod."""

    def __init__(self, base: Path, controllers: frozenset[str]) -> None:
        self.base = base
        self.controllers = controllers

    @classmethod
    def detect(cls, name: str, mount: Path | None = None) -> Cgroups | None:
        mount = mount or find_mount()
        if mount is None:
            log.info("no cgroup v2 mount: using signals and sampling")
            return None
        base = mount / "sigma" / name
        try:
            base.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            log.info("cgroup v2 not writable", extra={"path": str(base), "error": str(exc)})
            return None
        available = set(_read(mount / "cgroup.controllers").split())
        enabled: set[str] = set()
        for ctl in ("cpu", "memory") if available else ():
            if ctl in available and all(
                _write(d / "cgroup.subtree_control", f"+{ctl}")
                for d in (mount, mount / "sigma", base)
            ):
                enabled.add(ctl)
        return cls(base, frozenset(enabled))

    def path(self, key: str) -> Path:
        return self.base / slug(key)

    def create(self, key: str) -> Path:
        path = self.path(key)
        path.mkdir(exist_ok=True)
        return path

    def add(self, key: str, pid: int) -> bool:
        return _write(self.path(key) / "cgroup.procs", str(pid))

    def remove(self, key: str) -> None:
        with contextlib.suppress(OSError):
            self.path(key).rmdir()

    def set_cpu_max(self, key: str, millis: int) -> bool:
        if "cpu" not in self.controllers:
            return False
        value = f"{millis * PERIOD_US // 1000} {PERIOD_US}" if millis > 0 else f"max {PERIOD_US}"
        return _write(self.path(key) / "cpu.max", value)

    def set_cpu_weight(self, key: str, weight: int) -> bool:
        return "cpu" in self.controllers and _write(self.path(key) / "cpu.weight", str(weight))

    def set_memory_max(self, key: str, limit: int) -> bool:
        if "memory" not in self.controllers:
            return False
        return _write(self.path(key) / "memory.max", str(limit) if limit > 0 else "max")

    def freeze(self, key: str, frozen: bool) -> bool:
        return _write(self.path(key) / "cgroup.freeze", "1" if frozen else "0")

    def pressure_total(self, key: str) -> int | None:
        """The pod's cumulative CPU stall (PSI ``some total``, µs), or None where unmeasured."""
        return parse_pressure_total(_read(self.path(key) / "cpu.pressure"))

    def can_freeze(self) -> bool:
        return (self.base / "cgroup.freeze").exists()

    def has_pressure(self) -> bool:
        return (self.base / "cpu.pressure").exists()


def parse_pressure(text: str, field: str = "avg10") -> float | None:
    """A field of the ``some`` line of a PSI file (``avg10`` by default), or None."""
    for line in text.splitlines():
        if line.startswith("some "):
            for item in line.split()[1:]:
                name, _, value = item.partition("=")
                if name == field:
                    try:
                        return float(value)
                    except ValueError:
                        return None
    return None


def parse_pressure_total(text: str) -> int | None:
    """``some total=…`` (µs of stall since boot): the counter short-window rates are made of."""
    total = parse_pressure(text, "total")
    return None if total is None else int(total)


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except OSError:
        return ""


def _write(path: Path, value: str) -> bool:
    try:
        fd = os.open(path, os.O_WRONLY)
    except OSError:
        return False
    try:
        os.write(fd, value.encode())
        return True
    except OSError:
        return False
    finally:
        os.close(fd)
