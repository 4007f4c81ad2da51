"""The local state directory: what a restarted agent needs to adopt the pods it already runs.

One JSON file per pod, written atomically (temp file + rename) after every change of what the
runtime holds. A pid alone is not proof: pids are reused, so each is kept with its process's
start time, and adoption accepts a pid only if the running process started at that time.
Each container's wrapper writes its exit status next to it, so an exit that happened while
no agent was running is still known to the next one. Each run of a container logs to its own
file; the current run's and the one before it are kept (``logs --previous``).
``ProcessPods`` is what the process runtime holds of its pods, saved here after every change.
"""

from __future__ import annotations

import contextlib
import json
import os
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from sigma.slave.runtime import _procs
from sigma.slave.runtime._port import ContainerRun, ContainerState, PodRun, PodState
from sigma.slave.runtime._table import PodTable
from sigma.slave.runtime.cgroups import slug


@dataclass(slots=True)
class ContainerRecord:
    """A container's run as ``ContainerState`` has it, plus the guard against pid reuse."""

    name: str
    attempt: int = 0
    pid: int = 0
    started_at: float = 0.0
    exit_code: int | None = None  # known once the run ended
    signal: int = 0
    finished_at: float = 0.0
    killed: bool = False
    reason: str = ""
    create_time: float = 0.0  # psutil create_time of pid
    previous: dict[str, object] | None = None  # the run before, as a record


@dataclass(slots=True)
class PodRecord:
    key: str
    uid: str
    qos: int
    cpus: list[int]
    started_at: float
    containers: list[ContainerRecord] = field(default_factory=list)
    priority: int = 0
    memory_limit_bytes: int = 0
    frozen: bool = False
    killed: bool = False
    run: list[dict[str, object]] = field(default_factory=list)  # its containers, to restart them

    @classmethod
    def from_json(cls, data: dict[str, object]) -> PodRecord:
        raw = data.pop("containers", [])
        record = cls(**data)  # type: ignore[arg-type]
        record.containers = [ContainerRecord(**c) for c in raw]  # type: ignore[union-attr]
        return record


class StateDir:
    def __init__(self, root: str | Path) -> None:
        self.root = Path(root)
        (self.root / "pods").mkdir(parents=True, exist_ok=True)

    def pod_dir(self, key: str) -> Path:
        path = self.root / "pods" / slug(key)
        path.mkdir(exist_ok=True)
        return path

    def exit_file(self, key: str, container: int) -> Path:
        return self.pod_dir(key) / f"exit.{container}"

    def log_file(self, key: str, container: int, attempt: int) -> Path:
        return self.pod_dir(key) / f"log.{container}.{attempt}"

    def prune_logs(self, key: str, container: int, attempt: int) -> None:
        """Keep the logs of ``attempt`` and the run before it; drop older ones."""
        for path in self.pod_dir(key).glob(f"log.{container}.*"):
            run = path.name.rsplit(".", 1)[-1]
            if run.isdigit() and int(run) < attempt - 1:
                path.unlink(missing_ok=True)

    def save(self, record: PodRecord) -> None:
        path = self.pod_dir(record.key) / "pod.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(record)))
        os.replace(tmp, path)

    def load(self) -> list[PodRecord]:
        out = []
        for path in sorted((self.root / "pods").glob("*/pod.json")):
            with contextlib.suppress(OSError, ValueError, TypeError):
                out.append(PodRecord.from_json(json.loads(path.read_text())))
        return out

    def remove(self, key: str) -> None:
        directory = self.root / "pods" / slug(key)
        for child in directory.glob("*"):
            child.unlink(missing_ok=True)
        with contextlib.suppress(OSError):
            directory.rmdir()

    def read_exit(self, key: str, container: int) -> int | None:
        try:
            return int(self.exit_file(key, container).read_text().strip())
        except (OSError, ValueError):
            return None


# ---- a pod as the runtime holds it, and as its record is written ----


class ProcessPods(PodTable[PodState]):
    """The process runtime's pods, shared by its life cycle and its controls: each pod's state,
    how it was asked to run (``runs``, to restart its containers), saved after every change."""

    def __init__(self, state: StateDir, procs: _procs.Processes) -> None:
        super().__init__()
        self.state = state
        self.procs = procs
        self.runs: dict[str, PodRun] = {}

    def add(self, pod: PodState, run: PodRun) -> None:
        self[pod.key], self.runs[pod.key] = pod, run

    def drop(self, key: str) -> PodState | None:
        self.runs.pop(key, None)
        return self.pop(key, None)

    def save(self, pod: PodState) -> None:
        self.state.save(record_of(pod, self.runs[pod.key], self.procs.create_time))

    def refresh(self, pod: PodState) -> bool:
        """Record the exit of every container whose run just ended; True if any did."""
        ended = False
        for i, c in enumerate(pod.containers):
            if not c.running or not c.pid or self.procs.alive(c.pid):
                continue
            # What the run started dies with it, as with a container's cgroup: a killed wrapper
            # must not leave its command behind to run beside the restarted one.
            _procs.kill_leftovers(c.pid)
            code = self.state.read_exit(pod.key, i)
            if code is None:
                code = self.procs.exit_code(c.pid)
            c.exit_code = 137 if code is None else code  # vanished without a word: killed
            c.signal = c.exit_code - 128 if 128 < c.exit_code <= 128 + 64 else 0
            c.finished_at = time.time()
            ended = True
        if ended:
            if not pod.running:
                pod.frozen = False
            self.save(pod)
        return ended


def record_of(pod: PodState, run: PodRun, create_time: Callable[[int], float]) -> PodRecord:
    """The record of ``pod`` (``create_time`` of each pid guards the pid against reuse)."""

    def container(c: ContainerState) -> ContainerRecord:
        previous = asdict(container(c.previous)) if c.previous is not None else None
        fields = asdict(replace(c, previous=None, oom_killed=False))
        del fields["previous"], fields["oom_killed"]
        return ContainerRecord(**fields, create_time=create_time(c.pid), previous=previous)

    return PodRecord(
        pod.key,
        pod.uid,
        pod.qos,
        sorted(pod.cpus),
        pod.started_at,
        [container(c) for c in pod.containers],
        pod.priority,
        pod.memory_limit_bytes,
        pod.frozen,
        pod.killed,
        [asdict(c) for c in run.containers],
    )


def state_of(rec: PodRecord) -> tuple[PodState, PodRun]:
    """The pod a record holds, and enough of its PodRun to restart its containers."""

    def container(r: ContainerRecord) -> ContainerState:
        fields = asdict(r)
        previous = fields.pop("previous")
        del fields["create_time"]
        out = ContainerState(**fields)
        if previous is not None:
            out.previous = container(ContainerRecord(**previous))
        return out

    pod = PodState(
        rec.key,
        rec.uid,
        rec.qos,
        frozenset(rec.cpus),
        [container(c) for c in rec.containers],
        rec.started_at,
        rec.priority,
        rec.memory_limit_bytes,
        rec.frozen,
        rec.killed,
    )
    runs = tuple(
        ContainerRun(
            c["name"],  # type: ignore[arg-type]
            tuple(c["argv"]),  # type: ignore[arg-type]
            tuple(tuple(e) for e in c["env"]),  # type: ignore[attr-defined,misc]
            c["working_dir"],  # type: ignore[arg-type]
            c["image"],  # type: ignore[arg-type]
        )
        for c in rec.run
    )
    return pod, PodRun(rec.key, rec.uid, rec.qos, runs, frozenset(rec.cpus))
