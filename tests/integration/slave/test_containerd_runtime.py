"""What only the containerd runtime does (the port's shared behaviour is in
tests/contract/test_runtime_contract.py): the pod cgroup's weight, idle class and limits, a
quota moved by writing the cgroup, images pulled from the registry a container names, a
command that cannot start, and no cgroup left once the pod is stopped."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from sigma.cri import cgroups
from sigma.engines.containerd import ContainerdEngine
from sigma.errors import FailedPrecondition, SigmaError
from sigma.slave.runtime._port import ContainerRun, PodRun
from sigma.slave.runtime.containerd import ContainerdRuntime
from sigma.testing.wait import eventually
from sigma.v1 import meta_pb2

pytestmark = pytest.mark.containerd
BE, LS = meta_pb2.QOS_CLASS_BE, meta_pb2.QOS_CLASS_LS


@pytest.fixture
async def rt(
    containerd_engine: ContainerdEngine, tmp_path: Path
) -> AsyncIterator[ContainerdRuntime]:
    node = f"ctd-{uuid.uuid4().hex[:6]}"
    root = containerd_engine.cgroup_parent(node)
    runtime = await ContainerdRuntime.open(
        node, containerd_engine.socket, tmp_path, cgroup_root=root
    )
    yield runtime
    for key in list(runtime.pods()):
        await runtime.stop(key, 0.2)
        runtime.forget(key)
    await runtime.close()
    assert not [d for d in cgroups.hierarchies().every_dir(root) if d.exists()]


def run(key: str, image: str, script: str, qos: int = LS, **kw: object) -> PodRun:
    container = ContainerRun("main", ("sh", "-c", script), image=image)
    return PodRun(key, uuid.uuid4().hex, qos, (container,), frozenset({0}), **kw)  # type: ignore[arg-type]


def knob(path: str, controller: str, name: str) -> str:
    folder = cgroups.hierarchies().dir(controller, path)
    assert folder is not None
    return (folder / name).read_text().strip()


async def test_pod_cgroups_carry_weight_idle_and_limits(
    rt: ContainerdRuntime, cri_images: dict[str, str]
) -> None:
    web = await rt.start(run("ns/web", cri_images["burner"], "sleep 30", cpu_request_millis=500,
                             memory_limit_bytes=64 << 20))  # fmt: skip
    be = await rt.start(run("ns/be", cri_images["burner"], "sleep 30", BE))
    web_cg, be_cg = rt.controls.cgroup("ns/web"), rt.controls.cgroup("ns/be")
    assert web_cg and be_cg
    assert knob(web_cg, "cpu", "cpu.shares") == "512"
    assert knob(web_cg, "memory", "memory.limit_in_bytes") == str(64 << 20)
    if rt.capabilities.idle_class == "sched_idle":
        assert knob(be_cg, "cpu", "cpu.idle") == "1" and knob(web_cg, "cpu", "cpu.idle") == "0"
        assert knob(be_cg, "cpu", "cpu.shares") == "3"  # an idle group weighs the idle weight
    else:
        assert knob(be_cg, "cpu", "cpu.shares") == "2"  # the floor
    # A quota alone is written to the container's cgroup; a new CPU set goes through the CRI.
    cid = rt._pods["ns/be"].id_of(be.containers[0])
    await rt.controls.set_cpus("ns/be", frozenset({0}), 300)
    assert knob(f"{be_cg}/{cid}", "cpu", "cpu.cfs_quota_us") == "30000"
    await rt.controls.set_cpus("ns/be", frozenset({0}), 0)
    assert knob(f"{be_cg}/{cid}", "cpu", "cpu.cfs_quota_us") == "-1"
    assert web.running
    await rt.stop("ns/web", 0.2)
    assert not [d for d in cgroups.hierarchies().every_dir(web_cg) if d.exists()]


async def test_images_come_from_the_registry_a_container_names(
    rt: ContainerdRuntime,
    registry_engine,
    cri_images: dict[str, str],  # type: ignore[no-untyped-def]
) -> None:
    missing = f"{registry_engine.address}/sigma/nothing:1"
    with pytest.raises(SigmaError, match="nothing"):  # the pull's own error: the pod fails
        await rt.start(run("ns/missing", missing, "true"))
    with pytest.raises(FailedPrecondition, match="names no image"):
        await rt.start(run("ns/bare", "", "true"))
    assert "ns/missing" not in rt.pods() and "ns/bare" not in rt.pods()


async def test_a_command_that_cannot_start_is_that_runs_exit(
    rt: ContainerdRuntime, cri_images: dict[str, str]
) -> None:
    bad = PodRun(
        "ns/bad",
        "u-bad",
        LS,
        (ContainerRun("main", ("/no/such",), image=cri_images["burner"]),),
        frozenset({0}),
    )
    await rt.start(bad)

    def ended() -> bool:
        rt.poll()
        return not rt.pods()["ns/bad"].containers[0].running

    await eventually(ended, timeout=5, what="the run ended")
    c = rt.pods()["ns/bad"].containers[0]
    assert (c.exit_code, c.reason) == (128, "StartError")
