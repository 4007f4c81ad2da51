"""The local state directory: what a restarted agent needs to adopt the pods it already runs.

One JSON file per pod, written atomically (temp file + rename) after every change of what the
runtime holds. A pid alone is not proof: pids are reused, so each is kept with its process's
start time, and adoption accepts a pid only if the running process started at that time.
Each container's wrapper writes its exit status next to it, so an exit that happened while
no agent was running is still known to the next one.
"""

from __future__ import annotations

import contextlib
import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path

from sigma.slave.runtime.cgroups import slug


@dataclass(slots=True)
class PodRecord:
    key: str
    uid: str
    qos: int
    cpus: list[int]
    pids: list[int]
    create_times: list[float]  # psutil create_time of each pid, the guard against reuse
    started_at: float
    priority: int = 0
    memory_limit_bytes: int = 0
    frozen: bool = False
    killed: bool = False
    extra: dict[str, str] = field(default_factory=dict)


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

    def log_file(self, key: str, container: int) -> Path:
        return self.pod_dir(key) / f"log.{container}"

    def save(self, record: PodRecord) -> None:
        path = self.pod_dir(record.key) / "pod.json"
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(record)))
        os.replace(tmp, path)

    def load(self) -> list[PodRecord]:
        out = []
        for path in sorted((self.root / "pods").glob("*/pod.json")):
            with contextlib.suppress(OSError, ValueError, TypeError):
                out.append(PodRecord(**json.loads(path.read_text())))
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
