"""What the CRI tests share: pods on the session's containerd, cgroup reads, polling."""

from __future__ import annotations

import itertools
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from sigma.cri import cgroups
from sigma.cri.client import CriClient
from sigma.cri.resources import Resources, cgroup_knobs
from sigma.cri.specs import ContainerSpec, SandboxSpec, container_config, sandbox_config
from sigma.engines.containerd import ContainerdEngine

T = TypeVar("T")
_names = itertools.count()


@dataclass
class Pod:
    """A running sandbox and what a test needs to add containers to it."""

    spec: SandboxSpec
    id: str
    cri: CriClient

    @property
    def log_dir(self) -> Path:
        return Path(self.spec.log_directory)

    async def start(self, container: ContainerSpec) -> str:
        """Create and start ``container`` in this sandbox (its image already pulled); its id."""
        config = sandbox_config(self.spec)
        cid = await self.cri.containers.create(self.id, container_config(container), config)
        await self.cri.containers.start(cid)
        return cid


@dataclass
class Pods:
    engine: ContainerdEngine
    cri: CriClient
    tmp: Path
    made: list[Pod] = field(default_factory=list)

    async def run(self, prefix: str = "pod") -> Pod:
        name = f"{prefix}-{next(_names)}"
        spec = SandboxSpec(
            name=name,
            namespace="sigma-test",
            uid=str(uuid.uuid4()),
            log_directory=str(self.tmp / "logs" / name),
            cgroup_parent=self.engine.cgroup_parent(name),
            labels={"sigma.io/test": self.tmp.name},
        )
        pod = Pod(spec, await self.cri.sandboxes.run(sandbox_config(spec)), self.cri)
        self.made.append(pod)
        return pod


def knob_values(h: cgroups.Hierarchies, path: str, res: Resources) -> dict[str, str]:
    """What the cgroup files of ``path`` hold for each knob ``res`` sets."""
    out = {}
    for knob in cgroup_knobs(res, v2=not h.v1):
        folder = h.dir(knob.split(".")[0], path)
        assert folder is not None, knob
        value = (folder / knob).read_text().strip()
        # v1 reads "no memory limit" back as the largest page-aligned number, not as -1.
        unlimited = knob == "memory.limit_in_bytes" and int(value) >= 1 << 62
        out[knob] = "-1" if unlimited else value
    return out
