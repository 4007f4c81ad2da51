"""CRI fixtures: a client of the session's containerd, and pods that leave nothing behind.

``pods`` makes sandboxes on the host network, each with its cgroup parent inside the engine's
tree and its log folder in the test's temporary folder. When the test ends it stops and
removes them, removes their cgroups, and then checks through the CRI and the cgroup file
systems that none of them is left: a test that leaks a container fails.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from cri_helpers import Pods

from sigma.cri import cgroups
from sigma.cri.client import CriClient
from sigma.engines.containerd import ContainerdEngine


@pytest.fixture
async def cri(containerd_engine: ContainerdEngine) -> AsyncIterator[CriClient]:
    async with CriClient(containerd_engine.socket, timeout=10.0) as client:
        yield client


@pytest.fixture
async def pods(
    cri: CriClient, containerd_engine: ContainerdEngine, tmp_path: Path
) -> AsyncIterator[Pods]:
    made = Pods(containerd_engine, cri, tmp_path)
    yield made
    h = cgroups.hierarchies()
    for pod in made.made:
        await cri.sandboxes.stop(pod.id)
        await cri.sandboxes.remove(pod.id)
        assert cgroups.remove_tree(h, pod.spec.cgroup_parent) == []
    left = await cri.sandboxes.select({"sigma.io/test": tmp_path.name})
    assert left == [], f"sandboxes left behind: {[s.metadata.name for s in left]}"
    for pod in made.made:
        assert await cri.containers.select(pod.id) == []
        assert not any(d.exists() for d in h.every_dir(pod.spec.cgroup_parent))
