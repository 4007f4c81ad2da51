"""CRI fixtures: a client of the session's containerd, and pods that leave nothing behind.

``pods`` makes sandboxes on the host network, each with its cgroup parent inside the engine's
tree and its log folder in the test's temporary folder. When the test ends it stops and
removes them, removes their cgroups, and then checks through the CRI and the cgroup file
systems that none of them is left: a test that leaks a container fails.
"""

from __future__ import annotations

import asyncio
import itertools
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

import pytest

from sigma.cri import cgroups
from sigma.cri.client import CriClient
from sigma.cri.resources import Resources, cgroup_knobs
from sigma.cri.specs import ContainerSpec, SandboxSpec, container_config, sandbox_config
from sigma.testing.containerd import ContainerdEngine

T = TypeVar("T")
_names = itertools.count()


@pytest.fixture
async def cri(containerd_engine: ContainerdEngine) -> AsyncIterator[CriClient]:
    async with CriClient(containerd_engine.socket, timeout=10.0) as client:
        yield client


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
        cid = await self.cri.create_container(self.id, container_config(container), config)
        await self.cri.start_container(cid)
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
        pod = Pod(spec, await self.cri.run_pod_sandbox(sandbox_config(spec)), self.cri)
        self.made.append(pod)
        return pod


@pytest.fixture
async def pods(
    cri: CriClient, containerd_engine: ContainerdEngine, tmp_path: Path
) -> AsyncIterator[Pods]:
    made = Pods(containerd_engine, cri, tmp_path)
    yield made
    h = cgroups.hierarchies()
    for pod in made.made:
        await cri.stop_pod_sandbox(pod.id)
        await cri.remove_pod_sandbox(pod.id)
        assert cgroups.remove_tree(h, pod.spec.cgroup_parent) == []
    left = await cri.list_pod_sandboxes({"sigma.io/test": tmp_path.name})
    assert left == [], f"sandboxes left behind: {[s.metadata.name for s in left]}"
    for pod in made.made:
        assert await cri.list_containers(pod.id) == []
        assert not any(d.exists() for d in h.every_dir(pod.spec.cgroup_parent))


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


async def until(
    fetch: Callable[[], Awaitable[T]],
    done: Callable[[T], bool],
    *,
    timeout: float = 10.0,
    what: str = "condition",
) -> T:
    """Poll ``fetch`` until ``done`` holds for its result; that result. Fails after ``timeout``."""
    try:
        async with asyncio.timeout(timeout):
            while True:
                value = await fetch()
                if done(value):
                    return value
                await asyncio.sleep(0.02)
    except TimeoutError:
        raise AssertionError(f"{what} did not hold within {timeout} s") from None
