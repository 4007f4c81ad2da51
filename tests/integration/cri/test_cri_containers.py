"""Containers one at a time in a sandbox that outlives them: how they end (an exit code, an OOM
kill, a command that cannot start), how one is restarted beside its dead predecessor, and how
a best-effort pod is put in the idle scheduling class or frozen."""

from __future__ import annotations

import asyncio
import os

import pytest
from cri_helpers import Pods, knob_values

from sigma.cri import cgroups
from sigma.cri.client import CriClient
from sigma.cri.resources import Resources, cgroup_knobs, linux_resources
from sigma.cri.specs import ContainerSpec
from sigma.cri.v1 import api_pb2
from sigma.errors import FailedPrecondition
from sigma.testing.wait import eventually

pytestmark = pytest.mark.containerd


async def exited(cri: CriClient, cid: str) -> api_pb2.ContainerStatus:
    return await eventually(
        lambda: cri.containers.status(cid),
        accept=lambda s: s.state == api_pb2.CONTAINER_EXITED,
        what=f"container {cid[:12]} exited",
    )


async def test_restart_in_place_beside_the_exited_attempt(
    cri: CriClient, pods: Pods, cri_images: dict[str, str]
) -> None:
    await cri.images.pull(cri_images["httpd"])
    pod = await pods.run("job")
    first = ContainerSpec("main", cri_images["httpd"], command=("sh", "-c", "echo run; exit 7"))
    old = await pod.start(first)
    status = await exited(cri, old)
    assert (status.exit_code, status.reason) == (7, "Error")

    again = ContainerSpec("main", first.image, command=("sleep", "60"), attempt=1)
    new = await pod.start(again)
    assert (await cri.containers.status(new)).state == api_pb2.CONTAINER_RUNNING
    assert {(c.metadata.name, c.metadata.attempt) for c in await cri.containers.select(pod.id)} == {
        ("main", 0),
        ("main", 1),
    }
    assert "stdout F run" in (pod.log_dir / "main" / "0.log").read_text()
    assert (pod.log_dir / "main" / "1.log").exists()
    # The same name and attempt twice is refused: the runtime reserves it.
    with pytest.raises(FailedPrecondition, match="reserve"):
        await pod.start(again)


async def test_out_of_memory_and_start_failure_are_reported(
    cri: CriClient, pods: Pods, cri_images: dict[str, str]
) -> None:
    await cri.images.pull(cri_images["httpd"])
    pod = await pods.run("oom")
    # dd's 64 MiB buffer against a 16 MiB limit; exec, so the container's own process dies.
    hog = ContainerSpec(
        "hog",
        cri_images["httpd"],
        command=("sh", "-c", "exec dd if=/dev/zero of=/dev/null bs=64M count=1"),
        resources=Resources(memory_limit_bytes=16 << 20),
    )
    status = await exited(cri, await pod.start(hog))
    assert (status.exit_code, status.reason) == (137, "OOMKilled")

    broken = ContainerSpec("broken", cri_images["httpd"], command=("/no/such/binary",))
    with pytest.raises(FailedPrecondition, match="no such file"):
        await pod.start(broken)
    (container,) = [c for c in await cri.containers.select(pod.id) if c.metadata.name == "broken"]
    status = await cri.containers.status(container.id)
    assert (status.state, status.exit_code, status.reason) == (
        api_pb2.CONTAINER_EXITED,
        128,
        "StartError",
    )


async def test_best_effort_pod_in_the_idle_class_still_takes_updates(
    cri: CriClient, pods: Pods, cri_images: dict[str, str]
) -> None:
    await cri.images.pull(cri_images["burner"])
    pod = await pods.run("batch")
    h = cgroups.hierarchies()
    idle = cgroups.idle_file(h, pod.spec.cgroup_parent)
    if idle is None:
        pytest.skip("the kernel has no cpu.idle (needs 5.15+)")
    burner = ContainerSpec(
        "burn", cri_images["burner"], args=("1",), resources=Resources(best_effort=True)
    )
    cid = await pod.start(burner)
    info = await cri.containers.info(cid)

    # The pod's cgroup goes idle; the container's own cgroup keeps a weight runc may rewrite.
    idle.write_text("1")
    assert idle.read_text().strip() == "1"
    squeezed = Resources(cpu_limit_millis=200, best_effort=True)
    await cri.containers.update_resources(cid, linux_resources(squeezed))
    assert knob_values(h, info.cgroups_path, squeezed) == cgroup_knobs(squeezed, v2=not h.v1)

    # Per task, SCHED_IDLE is allowed too.
    os.sched_setscheduler(info.pid, os.SCHED_IDLE, os.sched_param(0))
    assert os.sched_getscheduler(info.pid) == os.SCHED_IDLE

    # Idle and capped, it still runs when the CPU is free.
    files = cgroups.usage_files(h, info.cgroups_path)
    before = cgroups.read_usage(files)
    assert before is not None

    def ran() -> bool:
        after = cgroups.read_usage(files)
        return after is not None and after.cpu_ns > before.cpu_ns

    await eventually(ran, timeout=5, what="the idle, capped container using CPU")


async def test_a_pod_freezes_and_thaws_through_its_v2_cgroup(
    cri: CriClient, pods: Pods, cri_images: dict[str, str]
) -> None:
    await cri.images.pull(cri_images["burner"])
    pod = await pods.run("frozen")
    h = cgroups.hierarchies()
    freeze = cgroups.freeze_file(h, pod.spec.cgroup_parent)
    if freeze is None:
        pytest.skip("no cgroup v2 freezer on this machine")
    cid = await pod.start(ContainerSpec("burn", cri_images["burner"]))
    files = cgroups.usage_files(h, (await cri.containers.info(cid)).cgroups_path)

    async def cpu_over(seconds: float) -> int:
        before = cgroups.read_usage(files)
        await asyncio.sleep(seconds)
        after = cgroups.read_usage(files)
        assert before is not None and after is not None
        return after.cpu_ns - before.cpu_ns

    freeze.write_text("1")
    events = freeze.with_name("cgroup.events")
    await eventually(lambda: asyncio.to_thread(events.read_text), accept=lambda t: "frozen 1" in t)
    assert await cpu_over(0.3) == 0
    assert (await cri.containers.status(cid)).state == api_pb2.CONTAINER_RUNNING
    freeze.write_text("0")
    assert await cpu_over(0.3) > 0
