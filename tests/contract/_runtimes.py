"""Runtime backends for the runtime contract suite: the process runtime and containerd.

Each backend makes runtimes for one node and one state folder, so a second ``new()`` is what
a restarted agent would get (it adopts what the first left). Pods run a shell command, which
both backends can run: the process runtime on this machine, containerd in the demo's busybox
image. When the test ends every pod left is stopped and forgotten, every runtime closed, and
the backend checks that nothing of the test is left: no process, and under containerd no
sandbox of the node and no cgroup below its root.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path

import psutil
import pytest

from sigma.cri import cgroups
from sigma.cri.client import CriClient
from sigma.slave.runtime._cri_pods import LABEL_NODE
from sigma.slave.runtime._port import ContainerRun, PodRun, Runtime
from sigma.slave.runtime.containerd import ContainerdRuntime
from sigma.slave.runtime.process import ProcessRuntime
from sigma.v1 import meta_pb2

LS, BE = meta_pb2.QOS_CLASS_LS, meta_pb2.QOS_CLASS_BE
ALL = frozenset(os.sched_getaffinity(0))


@dataclass
class Backend:
    name: str
    node: str
    state: Path
    image: str = ""
    socket: Path | None = None
    cgroup_root: str = ""
    made: list[Runtime] = field(default_factory=list)

    async def new(self) -> Runtime:
        """A runtime of this node; a second one is a restarted agent's."""
        if self.name == "process":
            rt: Runtime = ProcessRuntime(self.node, self.state)
        else:
            assert self.socket is not None
            rt = await ContainerdRuntime.open(
                self.node, self.socket, self.state, cgroup_root=self.cgroup_root
            )
        self.made.append(rt)
        return rt

    def run(self, key: str, *containers: tuple[str, str], qos: int = LS, **kw: object) -> PodRun:
        """A pod of ``(name, shell script)`` containers on every CPU."""
        return PodRun(
            key=key,
            uid=f"uid-{key.replace('/', '-')}-{uuid.uuid4().hex[:6]}",
            qos=qos,
            containers=tuple(
                ContainerRun(name, ("sh", "-c", script), image=self.image)
                for name, script in containers
            ),
            cpus=ALL,
            **kw,  # type: ignore[arg-type]
        )

    def pids(self) -> set[int]:
        return {pid for rt in self.made for pod in rt.pods().values() for pid in pod.pids}

    async def cleanup(self) -> None:
        pids = self.pids()
        for rt in list(self.made):
            await rt.close()
        last = await self.new()  # a last agent adopts whatever is left, and stops it
        for pod in last.adopt():
            await last.stop(pod.key, grace=0.2)
            last.forget(pod.key)
        await last.close()
        alive = [p for p in pids if _alive(p)]
        assert not alive, f"pod processes left running: {alive}"
        if self.name == "containerd":
            assert self.socket is not None
            async with CriClient(self.socket) as cri:
                left = await cri.sandboxes.select({LABEL_NODE: self.node})
            assert left == [], f"sandboxes left: {[s.metadata.name for s in left]}"
            h = cgroups.hierarchies()
            assert not [d for d in h.every_dir(self.cgroup_root) if d.exists()]
        else:
            for rt in self.made:
                if isinstance(rt, ProcessRuntime) and rt.cgroups is not None:
                    base = rt.cgroups.base
                    assert not base.exists() or not [d for d in base.iterdir() if d.is_dir()]


def _alive(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.Error:
        return False


@pytest.fixture(params=["process", pytest.param("containerd", marks=pytest.mark.containerd)])
async def backend_runtime(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Backend]:
    node = f"rt-{uuid.uuid4().hex[:8]}"
    if request.param == "process":
        made = Backend("process", node, tmp_path / "state")
    else:
        engine = request.getfixturevalue("containerd_engine")
        image = request.getfixturevalue("cri_images")["burner"]
        made = Backend(
            "containerd",
            node,
            tmp_path / "state",
            image=image,
            socket=engine.socket,
            cgroup_root=engine.cgroup_parent(node),
        )
    try:
        yield made
    finally:
        await made.cleanup()
